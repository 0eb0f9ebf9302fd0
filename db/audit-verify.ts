import type Database from "better-sqlite3";
import { z } from "zod";
import { GENESIS_HASH, verifyChain, type ActorType, type ChainCheckpoint, type ChainedAuditEvent } from "../lib/domain/audit-chain";

// No `server-only` here: `npm run audit:verify` runs this under plain Node, outside Next.js.

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

const EVENTS_AFTER = EVENTS_IN_ORDER.replace("ORDER BY seq", "WHERE seq > ? ORDER BY seq");

/** Streams the events row by row (after `afterSeq`), so a trail of any length is verified in constant memory. */
function* eventsInOrder(sqlite: Database.Database, afterSeq = 0, onProgress?: (checked: number) => void): Generator<ChainedAuditEvent> {
  let read = 0;
  const rows = (
    afterSeq ? sqlite.prepare(EVENTS_AFTER).iterate(afterSeq) : sqlite.prepare(EVENTS_IN_ORDER).iterate()
  ) as IterableIterator<EventRow>;
  for (const row of rows) {
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

/** Recomputes the whole chain from genesis, optionally against a checkpoint exported earlier. */
export function verifyAuditEvents(
  sqlite: Database.Database,
  checkpoint?: ChainCheckpoint,
  onProgress?: (checked: number) => void,
): AuditVerification {
  // One read transaction: the chain and the counts come from the same snapshot while writers go on.
  return sqlite.transaction(() => {
    const result = verifyChain(eventsInOrder(sqlite, 0, onProgress), undefined, checkpoint);
    if (result.ok) return { ok: true, count: result.checked, headHash: result.headHash, firstBadSeq: null, reason: null };
    return { ok: false, ...storedHead(sqlite), firstBadSeq: result.brokenAt, reason: result.reason };
  })();
}

/** The trail's head as it stands, to be kept elsewhere and verified against later. */
export function auditCheckpointOf(sqlite: Database.Database, now = Date.now()): AuditCheckpoint {
  const head = sqlite.prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").get() as
    { seq: number; hash: string } | undefined;
  return { count: head?.seq ?? 0, headHash: head?.hash ?? GENESIS_HASH, at: new Date(now).toISOString() };
}

/**
 * Verifies only the events appended after a head verified earlier (`from`): the event numbered
 * `from.count` must still carry `from.headHash`, and every later event must follow from it. This proves
 * nothing about the events up to `from.count` beyond that one hash: a full verification does.
 */
export function verifyAuditEventsSince(sqlite: Database.Database, from: ChainCheckpoint): AuditVerification & { checked: number } {
  return sqlite.transaction(() => {
    if (from.count > 0) {
      const anchor = sqlite.prepare("SELECT hash FROM audit_events WHERE seq = ?").get(from.count) as { hash: string } | undefined;
      if (anchor?.hash !== from.headHash) {
        const reason = anchor
          ? `event #${from.count} no longer has the hash it had when it was verified: the trail up to it was rewritten`
          : `event #${from.count}, verified earlier, is missing`;
        return { ok: false, ...storedHead(sqlite), firstBadSeq: from.count, reason, checked: 0 };
      }
    }
    const result = verifyChain(eventsInOrder(sqlite, from.count), { prevHash: from.headHash, seq: from.count });
    if (result.ok)
      return {
        ok: true,
        count: from.count + result.checked,
        headHash: result.headHash,
        firstBadSeq: null,
        reason: null,
        checked: result.checked,
      };
    return { ok: false, ...storedHead(sqlite), firstBadSeq: result.brokenAt, reason: result.reason, checked: result.checked };
  })();
}
