import type Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { getDb, rows, withSnapshot, type DB } from "@/db";
import { readSqliteFile, sqliteFileHasTable, type AuditVerification } from "@/db/audit-verify";
import { verifyAuditStore } from "@/db/audit-verify-store";
import type { ChainCheckpoint } from "@/lib/domain/audit-chain";
import { replayAuditTrail, type ReplayEvent, type ReplayMismatch, type ReplayResult, type ReplayTables } from "@/lib/domain/audit-replay";
import { specHash } from "@/lib/domain/spec";
import type { AgentSpec } from "@/lib/domain/spec";

// No `server-only` here: `npm run audit:verify`, `db:backup` and the verification worker replay under plain
// Node, outside Next.js. It reads raw rows so that it sees exactly what is stored.

/**
 * What replay reads, in SQL both engines run the same: camelCase names in double quotes (PostgreSQL folds
 * the others to lower case), and ties in time broken by rowid, which PostgreSQL's tables carry too.
 */
const READS = {
  events: `SELECT seq, actor_id AS "actorId", action, entity_type AS "entityType", entity_id AS "entityId", payload
    FROM audit_events ORDER BY seq`,
  agents: `SELECT id, slug FROM agents`,
  changes: `SELECT id, number, agent_id AS "agentId", state FROM change_records ORDER BY number`,
  signoffs: `SELECT id, change_record_id AS "changeRecordId", role, status, signer_id AS "signerId", content_hash AS "contentHash",
    dismissed_status AS "dismissedStatus" FROM signoffs ORDER BY created_at, rowid`,
  deployments: `SELECT id, agent_id AS "agentId", environment, kind, version_id AS "versionId" FROM deployments ORDER BY deployed_at, rowid`,
  evalRuns: `SELECT id, agent_id AS "agentId", spec_hash AS "specHash", suite, environment, passed, failed, regressions
    FROM eval_runs ORDER BY recorded_at, rowid`,
  users: `SELECT id, email FROM users ORDER BY email`,
  userRoles: `SELECT user_id AS "userId", role FROM user_roles`,
  versions: `SELECT id, agent_id AS "agentId", number, spec_hash AS "specHash", spec FROM agent_versions ORDER BY agent_id, number`,
} as const;

type Read = { -readonly [K in keyof typeof READS]: unknown[] };
type StoredEvent = Omit<ReplayEvent, "payload"> & { payload: unknown };
type StoredVersion = Omit<ReplayTables["versions"][number], "computedSpecHash"> & { spec: unknown };

// JSON comes back parsed from PostgreSQL's jsonb and as text from SQLite; text that is not JSON stays as it is.
function parse(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function replayOf(read: Read): ReplayResult {
  const events = (read.events as StoredEvent[]).map((e) => ({ ...e, payload: parse(e.payload) }));
  const versions = (read.versions as StoredVersion[]).map(({ spec, ...v }) => {
    const parsed = parse(spec);
    return { ...v, computedSpecHash: parsed && typeof parsed === "object" ? specHash(parsed as AgentSpec) : "(not a spec)" };
  });
  return replayAuditTrail(events, { ...(read as Omit<ReplayTables, "versions">), versions });
}

/** Replays the store's trail against its tables, in one read snapshot so both come from the same moment. */
export async function replayAuditStore(db: DB = getDb()): Promise<ReplayResult> {
  return withSnapshot(async (snapshot) => {
    const read = {} as Read;
    for (const [name, query] of Object.entries(READS)) read[name as keyof Read] = await rows(sql.raw(query), snapshot);
    return replayOf(read);
  }, db);
}

/** Replays the trail of a SQLite file opened by hand (a backup, the worker's read-only connection) against its tables. */
export function replayAuditFile(sqlite: Database.Database): ReplayResult {
  // A file holding only a trail (an exported copy, a test) has no tables to replay against.
  if (!sqliteFileHasTable(sqlite, "change_records")) return { ok: true, checked: 0, mismatches: [] };
  return readSqliteFile(sqlite, (query) => {
    const read = {} as Read;
    for (const [name, text] of Object.entries(READS)) read[name as keyof Read] = query(text);
    return replayOf(read);
  });
}

type Verdict = { ok: boolean; firstBadSeq: number | null; reason: string | null };

/**
 * The chain's verdict, then replay's: a trail whose chain holds but whose tables disagree with it is
 * tampered with too. `mismatches` lists every disagreement (and is absent when there is none); the
 * reason names the first, and `firstBadSeq` the event it disagrees with, where there is one.
 */
function judged<T extends Verdict>(chain: T, replay: ReplayResult): T & { mismatches?: ReplayMismatch[] } {
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

/** The chain's verdict on the store, then replay's (see `judged`); a broken chain is not replayed. */
export async function withStoreReplay<T extends Verdict>(db: DB, chain: T): Promise<T & { mismatches?: ReplayMismatch[] }> {
  return chain.ok ? judged(chain, await replayAuditStore(db)) : chain;
}

/** The chain's verdict on a SQLite file opened by hand, then replay's (see `judged`); a broken chain is not replayed. */
export function withReplay<T extends Verdict>(sqlite: Database.Database, chain: T): T & { mismatches?: ReplayMismatch[] } {
  return chain.ok ? judged(chain, replayAuditFile(sqlite)) : chain;
}

/**
 * Verifies the store in full: the chain from genesis (and against `checkpoint`, when one is given), then replay,
 * in one read snapshot, so events appended meanwhile are neither half-checked nor taken for rows without events.
 */
export async function verifyAndReplayStore(
  db: DB,
  checkpoint?: ChainCheckpoint,
  onProgress?: (progress: VerificationProgress) => void,
): Promise<AuditVerification & { mismatches?: ReplayMismatch[] }> {
  return withSnapshot(async (snapshot) => {
    let total = 0;
    if (onProgress) {
      const [head] = await rows<{ total: number }>(sql`SELECT COALESCE(MAX(seq), 0) AS total FROM audit_events`, snapshot);
      total = Number(head?.total ?? 0);
      onProgress({ checked: 0, total });
    }
    const { ok, count, headHash, firstBadSeq, reason } = await verifyAuditStore(snapshot, {
      checkpoint,
      onProgress: onProgress && ((checked) => onProgress({ checked, total })),
    });
    onProgress?.({ checked: total, total, replaying: true });
    return withStoreReplay(snapshot, { ok, count, headHash, firstBadSeq, reason });
  }, db);
}

/** How far a full verification has come: events checked of the total, then the replay. */
export type VerificationProgress = { checked: number; total: number; replaying?: boolean };
