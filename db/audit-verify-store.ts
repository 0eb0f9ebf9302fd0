import { sql } from "drizzle-orm";
import { GENESIS_HASH, verifyChain, type ActorType, type ChainCheckpoint, type ChainedAuditEvent } from "../lib/domain/audit-chain";
import type { AuditVerification } from "./audit-verify";
import { rows, withSnapshot, type DB } from "./index";

/** Events are read in pages of this many: a trail of any length is verified in bounded memory. */
const PAGE = 2_000;

type EventRow = Omit<ChainedAuditEvent, "payload" | "actorType"> & { actorType: string; payload: unknown };

// The payload comes back parsed from PostgreSQL's jsonb and as text from SQLite; text edited into invalid
// JSON is hashed as its raw text, so it is reported as altered.
function payloadOf(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

async function page(db: DB, afterSeq: number): Promise<ChainedAuditEvent[]> {
  const found = await rows<EventRow>(
    sql`SELECT seq, at, actor_type AS "actorType", actor_id AS "actorId", action, entity_type AS "entityType",
      entity_id AS "entityId", actor_label AS "actorLabel", payload, prev_hash AS "prevHash", hash
      FROM audit_events WHERE seq > ${afterSeq} ORDER BY seq LIMIT ${PAGE}`,
    db,
  );
  return found.map((row) => ({ ...row, actorType: row.actorType as ActorType, payload: payloadOf(row.payload) }));
}

/**
 * Recomputes the chain from genesis (or from `from`, a head verified earlier), on either engine, through
 * the store's handle and in one read snapshot: the chain and the counts come from the same moment while
 * writers go on. Pages of events are read one after another, so memory stays bounded.
 */
export async function verifyAuditStore(
  db: DB,
  options: { checkpoint?: ChainCheckpoint; from?: ChainCheckpoint; onProgress?: (checked: number) => void } = {},
): Promise<AuditVerification & { checked: number }> {
  return withSnapshot(async (snapshot) => {
    const from = options.from ?? { count: 0, headHash: GENESIS_HASH };
    if (from.count > 0) {
      const [anchor] = await rows<{ hash: string }>(sql`SELECT hash FROM audit_events WHERE seq = ${from.count}`, snapshot);
      if (anchor?.hash !== from.headHash) {
        const reason = anchor
          ? `event #${from.count} no longer has the hash it had when it was verified: the trail up to it was rewritten`
          : `event #${from.count}, verified earlier, is missing`;
        return { ok: false, ...(await storedHead(snapshot)), firstBadSeq: from.count, reason, checked: 0 };
      }
    }
    const checkpoint = options.checkpoint;
    let start = { prevHash: from.headHash, seq: from.count };
    let checked = 0;
    const broken = async (brokenAt: number, reason: string) =>
      ({ ok: false, ...(await storedHead(snapshot)), firstBadSeq: brokenAt, reason, checked }) as const;
    for (;;) {
      const events = await page(snapshot, start.seq);
      // The checkpoint's event is checked in the page that holds it; after the last page, whether the trail reaches it.
      const last = events.length > 0 ? events[events.length - 1]!.seq : start.seq;
      const here = checkpoint && (events.length === 0 || checkpoint.count <= last) ? checkpoint : undefined;
      const result = verifyChain(events, start, here);
      if (!result.ok) {
        checked += result.checked;
        return broken(result.brokenAt, result.reason);
      }
      checked += result.checked;
      if (events.length === 0) break;
      start = { prevHash: result.headHash, seq: last };
      options.onProgress?.(checked);
    }
    return { ok: true, count: start.seq, headHash: start.prevHash, firstBadSeq: null, reason: null, checked };
  }, db);
}

async function storedHead(db: DB): Promise<{ count: number; headHash: string }> {
  const [row] = await rows<{ count: number; head: string | null }>(
    sql`SELECT COUNT(*) AS count, (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS head FROM audit_events`,
    db,
  );
  return { count: Number(row?.count ?? 0), headHash: row?.head ?? GENESIS_HASH };
}
