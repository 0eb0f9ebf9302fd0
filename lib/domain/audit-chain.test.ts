import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, auditEventHash, chainEvent, verifyChain, type AuditEventContent, type ChainedAuditEvent } from "./audit-chain";

const CREATED: AuditEventContent = {
  seq: 1,
  at: 1_700_000_000_000,
  actorType: "user",
  actorId: "u_alice",
  actorLabel: "Alice Adams",
  action: "change.created",
  entityType: "change_record",
  entityId: "cr_42",
  payload: { title: "Raise refund limit", after: { limit: 500 } },
};
const APPROVED: AuditEventContent = {
  seq: 2,
  at: 1_700_000_060_000,
  actorType: "user",
  actorId: "u_sam",
  actorLabel: "Sam Shah",
  action: "signoff.approved",
  entityType: "signoff",
  entityId: "so_7",
  payload: { role: "security" },
};
const RELEASED: AuditEventContent = {
  seq: 3,
  at: 1_700_000_120_000,
  actorType: "system",
  actorId: null,
  actorLabel: "Countersign",
  action: "deployment.created",
  entityType: "deployment",
  entityId: "dep_9",
  payload: { environment: "production", kind: "promote" },
};

/** A well-formed three-event chain, built fresh for each test. */
function threeEvents(): ChainedAuditEvent[] {
  const first = chainEvent(GENESIS_HASH, CREATED);
  const second = chainEvent(first.hash, APPROVED);
  const third = chainEvent(second.hash, RELEASED);
  return [first, second, third];
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

describe("audit event hash", () => {
  it("is SHA-256 of the previous hash followed by the canonical event, computed independently", () => {
    // Canonical forms written by hand (keys sorted, no whitespace); digests from `sha256sum`.
    const canonical1 =
      '{"action":"change.created","actorId":"u_alice","actorLabel":"Alice Adams","actorType":"user","at":1700000000000,"entityId":"cr_42",' +
      '"entityType":"change_record","payload":{"after":{"limit":500},"title":"Raise refund limit"},"seq":1}';
    const hash1 = "66178a15e0cde2b19d8f855c66daf33f72727daabf522dd751b7bc89d0c5a216";
    expect(sha256(GENESIS_HASH + canonical1)).toBe(hash1);
    expect(auditEventHash(GENESIS_HASH, CREATED)).toBe(hash1);

    const canonical2 =
      '{"action":"signoff.approved","actorId":"u_sam","actorLabel":"Sam Shah","actorType":"user","at":1700000060000,"entityId":"so_7",' +
      '"entityType":"signoff","payload":{"role":"security"},"seq":2}';
    const hash2 = "dcb0e15e9aec0ae52805e1f356d31a39eeede106b5530cfdc5587794677a16c7";
    expect(sha256(hash1 + canonical2)).toBe(hash2);
    expect(auditEventHash(hash1, APPROVED)).toBe(hash2);
  });

  it("starts from a genesis hash of 64 zeros", () => {
    expect(GENESIS_HASH).toBe("0000000000000000000000000000000000000000000000000000000000000000");
  });

  it("does not depend on the order in which the event's or payload's keys were written", () => {
    const reordered = {
      payload: { after: { limit: 500 }, title: "Raise refund limit" },
      entityId: "cr_42",
      entityType: "change_record",
      action: "change.created",
      actorId: "u_alice",
      actorLabel: "Alice Adams",
      actorType: "user",
      at: 1_700_000_000_000,
      seq: 1,
    } satisfies AuditEventContent;
    expect(auditEventHash(GENESIS_HASH, reordered)).toBe(auditEventHash(GENESIS_HASH, CREATED));
  });

  it("depends on the previous hash, so the same event in another chain hashes differently", () => {
    expect(auditEventHash("f".repeat(64), CREATED)).not.toBe(auditEventHash(GENESIS_HASH, CREATED));
  });
});

describe("chainEvent", () => {
  it("keeps the event's content and records the previous hash and its own hash", () => {
    const [first, second] = threeEvents();
    expect(first).toEqual({ ...CREATED, prevHash: GENESIS_HASH, hash: "66178a15e0cde2b19d8f855c66daf33f72727daabf522dd751b7bc89d0c5a216" });
    expect(second).toEqual({
      ...APPROVED,
      prevHash: first!.hash,
      hash: "dcb0e15e9aec0ae52805e1f356d31a39eeede106b5530cfdc5587794677a16c7",
    });
  });
});

describe("verifyChain: an intact chain", () => {
  it("verifies three chained events and reports the last hash as the head", () => {
    const events = threeEvents();
    expect(verifyChain(events)).toEqual({ ok: true, checked: 3, headHash: events[2]!.hash });
  });

  it("verifies an empty chain with the genesis hash as the head", () => {
    expect(verifyChain([])).toEqual({ ok: true, checked: 0, headHash: GENESIS_HASH });
  });

  it("verifies events read back from the database (JSON round-trip, extra columns)", () => {
    const stored = threeEvents().map((e, i) => ({ id: `ae_${i}`, ...(JSON.parse(JSON.stringify(e)) as ChainedAuditEvent) }));
    expect(verifyChain(stored)).toMatchObject({ ok: true, checked: 3 });
  });

  it("verifies a payload whose undefined members were dropped on storage", () => {
    const event = chainEvent(GENESIS_HASH, { ...CREATED, payload: { title: "x", note: undefined } });
    const stored = JSON.parse(JSON.stringify(event)) as ChainedAuditEvent;
    expect(stored.payload).toEqual({ title: "x" });
    expect(verifyChain([stored])).toMatchObject({ ok: true, checked: 1 });
  });

  it("accepts any iterable, such as a generator streaming rows", () => {
    const events = threeEvents();
    function* rows() {
      yield* events;
    }
    expect(verifyChain(rows())).toEqual({ ok: true, checked: 3, headHash: events[2]!.hash });
  });

  it("verifies the rest of a chain from a trusted checkpoint", () => {
    const [first, ...rest] = threeEvents();
    expect(verifyChain(rest, { prevHash: first!.hash, seq: 1 })).toEqual({ ok: true, checked: 2, headHash: rest[1]!.hash });
  });

  it("rejects a checkpoint whose hash is not that of the event before", () => {
    const [, ...rest] = threeEvents();
    expect(verifyChain(rest, { prevHash: "a".repeat(64), seq: 1 })).toEqual({
      ok: false,
      checked: 0,
      brokenAt: 2,
      reason: "event #2 does not point at the hash of the event before it",
    });
  });
});

describe("verifyChain: tampering is detected at the right event", () => {
  it("detects an edited payload at that event", () => {
    const events = threeEvents();
    events[1] = { ...events[1]!, payload: { role: "compliance" } };
    expect(verifyChain(events)).toEqual({ ok: false, checked: 1, brokenAt: 2, reason: "event #2 was altered after it was written" });
  });

  it("detects a changed display name of the actor, so the log cannot show someone else", () => {
    const relabelled = threeEvents();
    relabelled[1] = { ...relabelled[1]!, actorLabel: "Chief Security Officer" };
    expect(verifyChain(relabelled)).toEqual({ ok: false, checked: 1, brokenAt: 2, reason: "event #2 was altered after it was written" });
  });

  it("detects a changed actor or time at that event", () => {
    const byActor = threeEvents();
    byActor[2] = { ...byActor[2]!, actorType: "user", actorId: "u_mallory" };
    expect(verifyChain(byActor)).toEqual({ ok: false, checked: 2, brokenAt: 3, reason: "event #3 was altered after it was written" });

    const byTime = threeEvents();
    byTime[0] = { ...byTime[0]!, at: byTime[0]!.at - 86_400_000 };
    expect(verifyChain(byTime)).toEqual({ ok: false, checked: 0, brokenAt: 1, reason: "event #1 was altered after it was written" });
  });

  it("detects an edit whose own hash was recomputed, at the next event", () => {
    const events = threeEvents();
    events[1] = chainEvent(events[0]!.hash, { ...APPROVED, payload: { role: "compliance" } });
    expect(verifyChain(events)).toEqual({
      ok: false,
      checked: 2,
      brokenAt: 3,
      reason: "event #3 does not point at the hash of the event before it",
    });
  });

  it("detects a deleted event at the event after the gap", () => {
    const events = threeEvents();
    events.splice(1, 1);
    expect(verifyChain(events)).toEqual({ ok: false, checked: 1, brokenAt: 3, reason: "expected event #2, found #3" });
  });

  it("detects a deleted first event", () => {
    const events = threeEvents().slice(1);
    expect(verifyChain(events)).toEqual({ ok: false, checked: 0, brokenAt: 2, reason: "expected event #1, found #2" });
  });

  it("detects reordered events", () => {
    const [first, second, third] = threeEvents();
    expect(verifyChain([first!, third!, second!])).toEqual({ ok: false, checked: 1, brokenAt: 3, reason: "expected event #2, found #3" });
  });

  it("detects reordered events that were renumbered to hide the swap", () => {
    const [first, second, third] = threeEvents();
    const swapped = [first!, { ...third!, seq: 2 }, { ...second!, seq: 3 }];
    expect(verifyChain(swapped)).toEqual({
      ok: false,
      checked: 1,
      brokenAt: 2,
      reason: "event #2 does not point at the hash of the event before it",
    });
  });

  it("detects a changed previous hash", () => {
    const events = threeEvents();
    events[1] = { ...events[1]!, prevHash: GENESIS_HASH };
    expect(verifyChain(events)).toEqual({
      ok: false,
      checked: 1,
      brokenAt: 2,
      reason: "event #2 does not point at the hash of the event before it",
    });
  });

  it("detects an inserted event, even one chained correctly to its predecessor", () => {
    const [first, second, third] = threeEvents();
    const forged = chainEvent(first!.hash, { ...APPROVED, actorId: "u_mallory" });
    expect(verifyChain([first!, forged, second!, third!])).toEqual({
      ok: false,
      checked: 2,
      brokenAt: 2,
      reason: "expected event #3, found #2",
    });
  });

  it("cannot see a truncated tail by itself: the head hash must be compared with a recorded one", () => {
    const events = threeEvents();
    const truncated = verifyChain(events.slice(0, 2));
    expect(truncated).toEqual({ ok: true, checked: 2, headHash: events[1]!.hash });
    expect(truncated.ok && truncated.headHash).not.toBe(events[2]!.hash);
  });
});

describe("verifyChain against a checkpoint", () => {
  it("passes when the chain still holds the checkpoint's head, or has grown beyond it", () => {
    const events = threeEvents();
    expect(verifyChain(events, undefined, { count: 3, headHash: events[2]!.hash })).toEqual({
      ok: true,
      checked: 3,
      headHash: events[2]!.hash,
    });
    expect(verifyChain(events, undefined, { count: 2, headHash: events[1]!.hash })).toEqual({
      ok: true,
      checked: 3,
      headHash: events[2]!.hash,
    });
    expect(verifyChain(events, undefined, { count: 0, headHash: GENESIS_HASH })).toMatchObject({ ok: true, checked: 3 });
  });

  it("detects a truncated tail, naming the first missing event", () => {
    const events = threeEvents();
    expect(verifyChain(events.slice(0, 1), undefined, { count: 3, headHash: events[2]!.hash })).toEqual({
      ok: false,
      checked: 1,
      brokenAt: 2,
      reason: "the trail ends at event #1, but the checkpoint recorded 3: events #2–#3 are missing",
    });
    expect(verifyChain(events.slice(0, 2), undefined, { count: 3, headHash: events[2]!.hash })).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: "the trail ends at event #2, but the checkpoint recorded 3: event #3 is missing",
    });
  });

  it("detects an emptied trail", () => {
    const events = threeEvents();
    expect(verifyChain([], undefined, { count: 3, headHash: events[2]!.hash })).toMatchObject({ ok: false, checked: 0, brokenAt: 1 });
  });

  it("detects a history rewritten with every hash recomputed, at the checkpoint's event", () => {
    const [first] = threeEvents();
    const original = threeEvents();
    const rewrittenSecond = chainEvent(first!.hash, { ...APPROVED, payload: { role: "compliance" } });
    const rewritten = [first!, rewrittenSecond, chainEvent(rewrittenSecond.hash, RELEASED)];
    expect(verifyChain(rewritten)).toMatchObject({ ok: true, checked: 3 });
    expect(verifyChain(rewritten, undefined, { count: 3, headHash: original[2]!.hash })).toEqual({
      ok: false,
      checked: 2,
      brokenAt: 3,
      reason: "event #3 no longer has the checkpoint's head hash: the trail up to the checkpoint was rewritten",
    });
  });

  it("still reports a break in the chain before the checkpoint's event first", () => {
    const events = threeEvents();
    const checkpoint = { count: 3, headHash: events[2]!.hash };
    events[0] = { ...events[0]!, payload: { title: "forged" } };
    expect(verifyChain(events, undefined, checkpoint)).toMatchObject({
      ok: false,
      brokenAt: 1,
      reason: "event #1 was altered after it was written",
    });
  });
});
