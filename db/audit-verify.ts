import type Database from "better-sqlite3";
import { z } from "zod";
import { GENESIS_HASH, verifyChain, type ActorType, type ChainCheckpoint, type ChainedAuditEvent } from "../lib/domain/audit-chain";

// No `server-only` here: `npm run audit:verify`, `db:backup` and the verification worker run this under plain
// Node, outside Next.js. The functions that take a better-sqlite3 handle verify a SQLite file opened by hand
// (a backup, the file the worker reads); the store itself, on either engine, is verified by audit-verify-store.ts.

/** A recorded head of the trail, exported to be kept outside the database (see ChainCheckpoint). */
export type AuditCheckpoint = ChainCheckpoint & { at: string };

export const auditCheckpointSchema = z.object({
  count: z.number({ error: "count must be the number of events" }).int().min(0),
  headHash: z.string({ error: "headHash must be a SHA-256 hex digest" }).regex(/^[0-9a-f]{64}$/, "headHash must be a SHA-256 hex digest"),
  at: z.string({ error: "at must be the ISO time the checkpoint was exported" }),
});

/**
 * The outcome of recomputing the chain. `count` and `headHash` describe the trail as stored (on success,
 * the verified head). `firstBadSeq` is the first event that does not follow from the one before it; for
 * a gap, the event just after it; for a tail cut off after a checkpoint, the first missing event.
 */
export type AuditVerification = { ok: boolean; count: number; headHash: string; firstBadSeq: number | null; reason: string | null };

type EventRow = Omit<ChainedAuditEvent, "payload"> & { payload: string };

const EVENTS_IN_ORDER = `SELECT seq, at, actor_type AS actorType, actor_id AS actorId, action, entity_type AS entityType,
  entity_id AS entityId, actor_label AS actorLabel, payload, prev_hash AS prevHash, hash FROM audit_events ORDER BY seq`;

/** Streams the events row by row, so a trail of any length is verified in constant memory. */
function* eventsInOrder(sqlite: Database.Database, onProgress?: (checked: number) => void): Generator<ChainedAuditEvent> {
  let read = 0;
  for (const row of sqlite.prepare(EVENTS_IN_ORDER).iterate() as IterableIterator<EventRow>) {
    if (onProgress && ++read % 10_000 === 0) onProgress(read);
    yield { ...row, actorType: row.actorType as ActorType, payload: parsePayload(row.payload) };
  }
}

// A payload edited into invalid JSON is hashed as its raw text, so it is reported as altered.
function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function storedHead(sqlite: Database.Database): { count: number; headHash: string } {
  const row = sqlite
    .prepare("SELECT COUNT(*) AS count, (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS head FROM audit_events")
    .get() as {
    count: number;
    head: string | null;
  };
  return { count: row.count, headHash: row.head ?? GENESIS_HASH };
}

/** Recomputes the whole chain of a SQLite file from genesis, optionally against a checkpoint exported earlier. */
export function verifyAuditEvents(
  sqlite: Database.Database,
  checkpoint?: ChainCheckpoint,
  onProgress?: (checked: number) => void,
): AuditVerification {
  // One read transaction: the chain and the counts come from the same snapshot while writers go on.
  return sqlite.transaction(() => {
    const result = verifyChain(eventsInOrder(sqlite, onProgress), undefined, checkpoint);
    if (result.ok) return { ok: true, count: result.checked, headHash: result.headHash, firstBadSeq: null, reason: null };
    return { ok: false, ...storedHead(sqlite), firstBadSeq: result.brokenAt, reason: result.reason };
  })();
}

/**
 * Runs `work` in one read transaction of a SQLite file, handing it a function that returns a query's raw rows:
 * lib/server/audit-replay.ts replays a file's trail with the same queries it runs on the store.
 */
export function readSqliteFile<T>(sqlite: Database.Database, work: (read: (query: string) => unknown[]) => T): T {
  return sqlite.transaction(() => work((query) => sqlite.prepare(query).all()))();
}

/** Whether a SQLite file has a table of that name. */
export function sqliteFileHasTable(sqlite: Database.Database, name: string): boolean {
  return sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
