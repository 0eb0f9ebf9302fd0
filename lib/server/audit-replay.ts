import type Database from "better-sqlite3";
import { replayAuditTrail, type ReplayEvent, type ReplayMismatch, type ReplayResult, type ReplayTables } from "@/lib/domain/audit-replay";
import { specHash } from "@/lib/domain/spec";
import type { AgentSpec } from "@/lib/domain/spec";

// No `server-only` here: `npm run audit:verify` replays under plain Node, outside Next.js, on a
// database it opened read-only. It reads raw rows so that it sees exactly what is stored.

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function readEvents(sqlite: Database.Database): ReplayEvent[] {
  const rows = sqlite
    .prepare(
      "SELECT seq, actor_id AS actorId, action, entity_type AS entityType, entity_id AS entityId, payload FROM audit_events ORDER BY seq",
    )
    .all() as (Omit<ReplayEvent, "payload"> & { payload: string })[];
  return rows.map((r) => ({ ...r, payload: parse(r.payload) }));
}

function readTables(sqlite: Database.Database): ReplayTables {
  const all = <T>(query: string) => sqlite.prepare(query).all() as T[];
  const versions = all<{ id: string; agentId: string; number: number; specHash: string; spec: string }>(
    "SELECT id, agent_id AS agentId, number, spec_hash AS specHash, spec FROM agent_versions ORDER BY agent_id, number",
  );
  return {
    agents: all("SELECT id, slug FROM agents"),
    changes: all("SELECT id, number, agent_id AS agentId, state FROM change_records ORDER BY number"),
    signoffs: all(
      `SELECT id, change_record_id AS changeRecordId, role, status, signer_id AS signerId, content_hash AS contentHash,
        dismissed_status AS dismissedStatus FROM signoffs ORDER BY created_at, rowid`,
    ),
    deployments: all("SELECT id, agent_id AS agentId, environment, kind, version_id AS versionId FROM deployments ORDER BY deployed_at"),
    evalRuns: all(
      `SELECT id, agent_id AS agentId, spec_hash AS specHash, suite, environment, passed, failed, regressions
        FROM eval_runs ORDER BY recorded_at`,
    ),
    users: all("SELECT id, email FROM users ORDER BY email"),
    userRoles: all("SELECT user_id AS userId, role FROM user_roles"),
    versions: versions.map(({ spec, ...v }) => {
      const parsed = parse(spec);
      return { ...v, computedSpecHash: parsed && typeof parsed === "object" ? specHash(parsed as AgentSpec) : "(not a spec)" };
    }),
  };
}

/** Replays the trail against the domain tables, in one read transaction so both come from one snapshot. */
export function replayAuditEvents(sqlite: Database.Database): ReplayResult {
  // A file holding only a trail (an exported copy, a test) has no tables to replay against.
  const hasTables = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'change_records'").get();
  if (!hasTables) return { ok: true, checked: 0, mismatches: [] };
  return sqlite.transaction(() => replayAuditTrail(readEvents(sqlite), readTables(sqlite)))();
}

/**
 * The chain's verdict, then replay's: a trail whose chain holds but whose tables disagree with it is
 * tampered with too. `mismatches` lists every disagreement (and is absent when there is none); the
 * reason names the first, and `firstBadSeq` the event it disagrees with, where there is one.
 */
export function withReplay<T extends { ok: boolean; firstBadSeq: number | null; reason: string | null }>(
  sqlite: Database.Database,
  chain: T,
): T & { mismatches?: ReplayMismatch[] } {
  if (!chain.ok) return chain;
  const replay = replayAuditEvents(sqlite);
  if (replay.ok) return chain;
  const [first] = replay.mismatches;
  const more = replay.mismatches.length > 1 ? ` (and ${replay.mismatches.length - 1} more)` : "";
  return {
    ...chain,
    ok: false,
    firstBadSeq: first!.seq,
    reason: `the tables disagree with the trail: ${first!.message}${more}`,
    mismatches: replay.mismatches,
  };
}
