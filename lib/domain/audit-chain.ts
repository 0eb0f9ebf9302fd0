import { canonicalJson, sha256Hex } from "./canonical-json";

/** The hash that precedes the first event of a chain. */
export const GENESIS_HASH = "0".repeat(64);

export type ActorType = "user" | "token" | "system";

/** The fields of an audit event that its hash covers. */
export type AuditEventContent = {
  seq: number;
  at: number;
  actorType: ActorType;
  actorId: string | null;
  /** The actor's name as shown in the log: inside the hash, so the log cannot be made to show someone else. */
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string;
  payload: unknown;
};

export type ChainedAuditEvent = AuditEventContent & { prevHash: string; hash: string };

/** hash = SHA-256(previous hash ‖ canonical event) */
export function auditEventHash(prevHash: string, event: AuditEventContent): string {
  return sha256Hex(prevHash + canonicalJson(event));
}

export function chainEvent(prevHash: string, event: AuditEventContent): ChainedAuditEvent {
  return { ...event, prevHash, hash: auditEventHash(prevHash, event) };
}

export type ChainVerification =
  { ok: true; checked: number; headHash: string } | { ok: false; checked: number; brokenAt: number; reason: string };

/**
 * A head recorded earlier and kept elsewhere: "the trail had `count` events, the last with `headHash`".
 * A chain only proves that each event follows from the one before it, so deleting its tail, or rewriting
 * it and recomputing every hash, leaves a chain that verifies. Comparing with a checkpoint catches both.
 */
export type ChainCheckpoint = { count: number; headHash: string };

/**
 * Recomputes the chain in sequence order. Any edited, removed, inserted or reordered event breaks
 * it at the first event whose stored hashes no longer follow from its predecessor. With a checkpoint,
 * the event numbered `checkpoint.count` must still carry the checkpoint's head hash (else the chain is
 * broken at that event), and a chain that ends before it is broken at its first missing event.
 */
export function verifyChain(
  events: Iterable<ChainedAuditEvent>,
  start = { prevHash: GENESIS_HASH, seq: 0 },
  checkpoint?: ChainCheckpoint,
): ChainVerification {
  let prevHash = start.prevHash;
  let expectedSeq = start.seq + 1;
  let checked = 0;
  for (const event of events) {
    if (event.seq !== expectedSeq) {
      return { ok: false, checked, brokenAt: event.seq, reason: `expected event #${expectedSeq}, found #${event.seq}` };
    }
    if (event.prevHash !== prevHash) {
      return { ok: false, checked, brokenAt: event.seq, reason: `event #${event.seq} does not point at the hash of the event before it` };
    }
    const content: AuditEventContent = {
      seq: event.seq,
      at: event.at,
      actorType: event.actorType,
      actorId: event.actorId,
      actorLabel: event.actorLabel,
      action: event.action,
      entityType: event.entityType,
      entityId: event.entityId,
      payload: event.payload,
    };
    if (auditEventHash(prevHash, content) !== event.hash) {
      return { ok: false, checked, brokenAt: event.seq, reason: `event #${event.seq} was altered after it was written` };
    }
    if (checkpoint && event.seq === checkpoint.count && event.hash !== checkpoint.headHash) {
      return {
        ok: false,
        checked,
        brokenAt: event.seq,
        reason: `event #${event.seq} no longer has the checkpoint's head hash: the trail up to the checkpoint was rewritten`,
      };
    }
    prevHash = event.hash;
    expectedSeq++;
    checked++;
  }
  if (checkpoint && expectedSeq <= checkpoint.count) {
    const missing = expectedSeq === checkpoint.count ? `event #${expectedSeq} is` : `events #${expectedSeq}–#${checkpoint.count} are`;
    return {
      ok: false,
      checked,
      brokenAt: expectedSeq,
      reason: `the trail ends at event #${expectedSeq - 1}, but the checkpoint recorded ${checkpoint.count}: ${missing} missing`,
    };
  }
  return { ok: true, checked, headHash: prevHash };
}
