import { desc, eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { execute, first, withTransaction, type DB } from "@/db";
import { verifyAuditStore } from "@/db/audit-verify-store";
import { auditEvents, settings } from "@/db/schema";
import { copyOfStore, rolledBack, unguard } from "@/lib/testing/audit-tamper";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { testStore } from "@/lib/testing/test-store";
import * as checkpointRoute from "@/app/api/v1/audit/checkpoint/route";
import * as verifyRoute from "@/app/api/v1/audit/verify/route";
import { auditChainStatus, requestFullVerification, verifyInWorker } from "./audit-verification";

/**
 * Verification that never stalls the server (issue 14): a request verifies what was appended since the
 * last verified head; a full verification runs in the background (a worker thread on SQLite, awaited reads on
 * PostgreSQL); neither hides a tampered old row.
 */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const clock = testClock();
/** The trail's last event, and the seq and hash of any other. */
const head = async (on: DB = db) => (await first(on.select().from(auditEvents).orderBy(desc(auditEvents.seq))))!;
const eventAt = async (seq: number, on: DB = db) => (await first(on.select().from(auditEvents).where(eq(auditEvents.seq, seq))))!;
const setting = async (key: string) =>
  (await first(db.select({ value: settings.value }).from(settings).where(eq(settings.key, key))))?.value ?? null;

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "verify-reader", ["read"]);
  await tokenWith(db, "verify-evals", ["evals:write"]);
});

/** Makes an event's payload say something it did not say (`forged: 1`), or, with `payload`, restores what it said. */
async function setPayload(tx: DB, seq: number, payload?: unknown) {
  const forged = payload ?? { ...((await eventAt(seq, tx)).payload as object), forged: 1 };
  await tx.update(auditEvents).set({ payload: forged }).where(eq(auditEvents.seq, seq));
}

/**
 * A full verification, as the server runs it in the background (in a worker thread), of a copy of the store
 * as `tamper` leaves it: on SQLite a copy of this file's database, on PostgreSQL a database made from the demo estate.
 */
async function fullyVerifiedAfter(tamper: (tx: DB) => Promise<void>, onProgress?: (progress: { checked: number }) => void) {
  const copy = await copyOfStore();
  try {
    await withTransaction(tamper, copy.db);
    const store = testStore === "postgres" ? { databaseUrl: copy.env.DATABASE_URL! } : { databasePath: copy.env.DATABASE_PATH! };
    return await verifyInWorker(store, onProgress);
  } finally {
    await copy.close();
  }
}

async function call(handler: unknown, query: string, token: string, method = "GET") {
  const request = new NextRequest(new URL(`/api/v1/audit/verify${query}`, "http://countersign.test"), {
    method,
    headers: { authorization: `Bearer cs_${token}` },
  });
  const response = await (handler as (r: NextRequest, c: object) => Promise<Response>)(request, { params: Promise.resolve({}) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("incremental verification", () => {
  it("verifies the events appended since the last verified head, and says what was verified in full and when", async () => {
    const first = await auditChainStatus();
    let last = await head();
    expect(first).toMatchObject({ ok: true, count: last.seq, headHash: last.hash, firstBadSeq: null, running: null });
    expect(first.full).toMatchObject({ ok: true, mismatches: 0 });
    const fullCount = first.full!.count;

    await limitRaise(7010, clock.next());
    const after = await auditChainStatus();
    last = await head();
    expect(after).toMatchObject({ ok: true, count: last.seq, headHash: last.hash });
    expect(after.full!.count).toBe(fullCount);
    expect(after.sinceFull).toMatchObject({ from: fullCount + 1, to: last.seq });
    expect(after.sinceFull!.checkedNow).toBeGreaterThan(0);
    expect(after.summary).toMatch(
      /^Events 1–[\d,]+ verified in full at \d{4}-.*; [\d,]+–[\d,]+ appended since, verified incrementally \([\d,]+ of them just now\)\.$/,
    );
    // The verified head moved: the next request checks nothing it has already checked.
    expect((await auditChainStatus()).sinceFull!.checkedNow).toBe(0);
  });

  it("an edit to an appended event breaks the incremental check; an edit to an older one is left to the full verification, which finds it", async () => {
    await rolledBack(async (tx) => {
      await unguard(tx, "audit_events");
      const total = (await head(tx)).seq;
      const anchor = { count: total - 10, headHash: (await eventAt(total - 10, tx)).hash };
      const original = (await eventAt(total - 3, tx)).payload;
      await setPayload(tx, total - 3);
      expect(await verifyAuditStore(tx, { from: anchor })).toMatchObject({
        ok: false,
        firstBadSeq: total - 3,
        reason: `event #${total - 3} was altered after it was written`,
      });
      await setPayload(tx, total - 3, original);
      await setPayload(tx, 42);
      // Event 42 is behind the verified head: the incremental check does not read it...
      expect(await verifyAuditStore(tx, { from: anchor })).toMatchObject({ ok: true, count: total });
      // ...the full verification does.
      expect(await verifyAuditStore(tx)).toMatchObject({ ok: false, firstBadSeq: 42 });
      // Rewriting the history up to the verified head with every hash recomputed changes the head's own hash: caught at once.
      await tx
        .update(auditEvents)
        .set({ hash: "f".repeat(64) })
        .where(eq(auditEvents.seq, total - 10));
      expect(await verifyAuditStore(tx, { from: anchor })).toMatchObject({
        ok: false,
        firstBadSeq: total - 10,
        reason: `event #${total - 10} no longer has the hash it had when it was verified: the trail up to it was rewritten`,
      });
    });
  });

  it("a full verification older than a day is run again by the next status read", async () => {
    const before = (await auditChainStatus()).full!;
    const later = Date.parse(before.finishedAt) + 25 * 3_600_000;
    const again = (await auditChainStatus(db, later)).full!;
    expect(again.finishedAt).toBe(new Date(later).toISOString());
    expect(again).toMatchObject({ ok: true, count: (await head()).seq });
  });
});

describe("full verification in the background", () => {
  it("verifies the whole trail and replays it off the request's path, reporting progress, and keeps the verdict", async () => {
    const auditor = await as("auditor@countersign.test");
    const job = requestFullVerification(auditor);
    // The same job while it runs: a second ask joins it.
    expect(requestFullVerification(auditor)).toBe(job);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const result = await job.done;
    clearInterval(timer);
    const last = await head();
    expect(result).toMatchObject({ ok: true, count: last.seq, headHash: last.hash, firstBadSeq: null });
    expect(ticks).toBeGreaterThan(0); // this thread went on running while the trail was verified
    expect(JSON.parse((await setting("audit.verification.full"))!)).toMatchObject({ ok: true, count: last.seq, startedAt: job.startedAt });
    expect((await auditChainStatus()).running).toBeNull();
  });

  it("finds a tampered old row and a table edited behind the trail's back", async () => {
    const progress: number[] = [];
    const tampered = await fullyVerifiedAfter(
      async (tx) => {
        await unguard(tx, "audit_events");
        await setPayload(tx, 5);
      },
      (p) => progress.push(p.checked),
    );
    expect(tampered).toMatchObject({ ok: false, firstBadSeq: 5, reason: "event #5 was altered after it was written" });
    expect(progress[0]).toBe(0);

    const replayed = await fullyVerifiedAfter(async (tx) => {
      await execute(sql`UPDATE eval_runs SET passed = passed + 1 WHERE rowid = (SELECT MIN(rowid) FROM eval_runs)`, tx);
    });
    expect(replayed.ok).toBe(false);
    expect(replayed.mismatches?.length).toBeGreaterThan(0);
  });
});

describe("the verify API", () => {
  it("answers the status with the old fields, what was verified, and a checkpoint's check", async () => {
    const { status, json } = await call(verifyRoute.GET, "", "verify-reader");
    const last = await head();
    expect(status).toBe(200);
    expect(json).toMatchObject({
      mode: "incremental",
      ok: true,
      count: last.seq,
      headHash: last.hash,
      firstBadSeq: null,
      reason: null,
    });
    expect(json.summary).toMatch(/verified in full at/);
    const held = await call(verifyRoute.GET, `?count=${last.seq}&headHash=${last.hash}`, "verify-reader");
    expect(held.json).toMatchObject({ ok: true, checkpoint: { ok: true } });
  });

  it("a forged checkpoint is reported, never stored: no request sets what the server verified", async () => {
    const stored = [await setting("audit.verification.full"), await setting("audit.verification.through")];
    const forged = await call(verifyRoute.GET, `?count=3&headHash=${"a".repeat(64)}`, "verify-reader");
    expect(forged.json).toMatchObject({
      ok: false,
      firstBadSeq: 3,
      reason: "event #3 no longer has the checkpoint's head hash: the trail up to the checkpoint was rewritten",
    });
    expect([await setting("audit.verification.full"), await setting("audit.verification.through")]).toEqual(stored);
    // The checkpoint route only exports; nothing takes a checkpoint in.
    expect(Object.keys(checkpointRoute).filter((k) => ["POST", "PUT", "PATCH", "DELETE"].includes(k))).toEqual([]);
    expect(Object.keys(verifyRoute).filter((k) => ["PUT", "PATCH", "DELETE"].includes(k))).toEqual([]);
  });

  it("mode=full answers with the full verification's verdict; a token without the read scope may not ask", async () => {
    const full = await call(verifyRoute.GET, "?mode=full", "verify-reader");
    expect(full.json).toMatchObject({ mode: "full", ok: true, count: (await head()).seq });
    expect((await call(verifyRoute.GET, "", "verify-evals")).status).toBe(403);
    expect((await call(verifyRoute.POST, "", "verify-evals", "POST")).status).toBe(403);
    const started = await call(verifyRoute.POST, "", "verify-reader", "POST");
    expect(started.status).toBe(202);
    await requestFullVerification(await as("auditor@countersign.test")).done;
  });
});
