import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sqliteConnection, type DB } from "@/db";
import { verifyAuditEvents, verifyAuditEventsSince } from "@/db/audit-verify";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import * as checkpointRoute from "@/app/api/v1/audit/checkpoint/route";
import * as verifyRoute from "@/app/api/v1/audit/verify/route";
import { auditChainStatus, requestFullVerification, verifyInWorker } from "./audit-verification";

/**
 * Verification that never stalls the server (issue 14): a request verifies what was appended since the
 * last verified head; a full verification runs in a worker thread; neither hides a tampered old row.
 */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const clock = testClock();
const sqlite = () => sqliteConnection().sqlite;
const head = () => sqlite().prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").get() as { seq: number; hash: string };
const setting = (key: string) =>
  (sqlite().prepare("SELECT value FROM settings WHERE key = ?").get(key) as { value: string } | undefined)?.value ?? null;

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "verify-reader", ["read"]);
  await tokenWith(db, "verify-evals", ["evals:write"]);
});

function copyOfDatabase(): { file: string; copy: Database.Database } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "countersign-verify-")), "copy.db");
  sqlite().prepare("VACUUM INTO ?").run(file);
  return { file, copy: new Database(file) };
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
    expect(first).toMatchObject({ ok: true, count: head().seq, headHash: head().hash, firstBadSeq: null, running: null });
    expect(first.full).toMatchObject({ ok: true, mismatches: 0 });
    const fullCount = first.full!.count;

    await limitRaise(7010, clock.next());
    const after = await auditChainStatus();
    expect(after).toMatchObject({ ok: true, count: head().seq, headHash: head().hash });
    expect(after.full!.count).toBe(fullCount);
    expect(after.sinceFull).toMatchObject({ from: fullCount + 1, to: head().seq });
    expect(after.sinceFull!.checkedNow).toBeGreaterThan(0);
    expect(after.summary).toMatch(
      /^Events 1–[\d,]+ verified in full at \d{4}-.*; [\d,]+–[\d,]+ appended since, verified incrementally \([\d,]+ of them just now\)\.$/,
    );
    // The verified head moved: the next request checks nothing it has already checked.
    expect((await auditChainStatus()).sinceFull!.checkedNow).toBe(0);
  });

  it("an edit to an appended event breaks the incremental check; an edit to an older one is left to the full verification, which finds it", () => {
    const { copy } = copyOfDatabase();
    copy.exec("DROP TRIGGER audit_events_no_update");
    const total = (copy.prepare("SELECT MAX(seq) AS n FROM audit_events").get() as { n: number }).n;
    const anchor = copy.prepare("SELECT hash FROM audit_events WHERE seq = ?").get(total - 10) as { hash: string };
    copy.prepare("UPDATE audit_events SET payload = json_set(payload, '$.forged', 1) WHERE seq = ?").run(total - 3);
    expect(verifyAuditEventsSince(copy, { count: total - 10, headHash: anchor.hash })).toMatchObject({
      ok: false,
      firstBadSeq: total - 3,
      reason: `event #${total - 3} was altered after it was written`,
    });
    copy.prepare("UPDATE audit_events SET payload = json_remove(payload, '$.forged') WHERE seq = ?").run(total - 3);
    copy.prepare("UPDATE audit_events SET payload = json_set(payload, '$.forged', 1) WHERE seq = 42").run();
    // Event 42 is behind the verified head: the incremental check does not read it...
    expect(verifyAuditEventsSince(copy, { count: total - 10, headHash: anchor.hash })).toMatchObject({ ok: true, count: total });
    // ...the full verification does.
    expect(verifyAuditEvents(copy)).toMatchObject({ ok: false, firstBadSeq: 42 });
    // Rewriting the history up to the verified head with every hash recomputed changes the head's own hash: caught at once.
    copy.prepare("UPDATE audit_events SET hash = ? WHERE seq = ?").run("f".repeat(64), total - 10);
    expect(verifyAuditEventsSince(copy, { count: total - 10, headHash: anchor.hash })).toMatchObject({
      ok: false,
      firstBadSeq: total - 10,
      reason: `event #${total - 10} no longer has the hash it had when it was verified: the trail up to it was rewritten`,
    });
    copy.close();
  });

  it("a full verification older than a day is run again by the next status read", async () => {
    const before = (await auditChainStatus()).full!;
    const later = Date.parse(before.finishedAt) + 25 * 3_600_000;
    const again = (await auditChainStatus(sqlite(), later)).full!;
    expect(again.finishedAt).toBe(new Date(later).toISOString());
    expect(again).toMatchObject({ ok: true, count: head().seq });
  });
});

describe("full verification in a worker thread", () => {
  it("verifies the whole trail and replays it off the request thread, reporting progress, and keeps the verdict", async () => {
    const auditor = await as("auditor@countersign.test");
    const job = requestFullVerification(auditor);
    // The same job while it runs: a second ask joins it.
    expect(requestFullVerification(auditor)).toBe(job);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const result = await job.done;
    clearInterval(timer);
    expect(result).toMatchObject({ ok: true, count: head().seq, headHash: head().hash, firstBadSeq: null });
    expect(ticks).toBeGreaterThan(0); // this thread went on running while the worker verified
    expect(JSON.parse(setting("audit.verification.full")!)).toMatchObject({ ok: true, count: head().seq, startedAt: job.startedAt });
    expect((await auditChainStatus()).running).toBeNull();
  });

  it("finds a tampered old row and a table edited behind the trail's back", async () => {
    const { file, copy } = copyOfDatabase();
    copy.exec("DROP TRIGGER audit_events_no_update");
    copy.prepare("UPDATE audit_events SET payload = json_set(payload, '$.forged', 1) WHERE seq = 5").run();
    copy.close();
    const progress: number[] = [];
    expect(await verifyInWorker(file, (p) => progress.push(p.checked))).toMatchObject({
      ok: false,
      firstBadSeq: 5,
      reason: "event #5 was altered after it was written",
    });
    expect(progress[0]).toBe(0);

    const second = copyOfDatabase();
    second.copy.exec("DROP TRIGGER IF EXISTS signoffs_no_update; DROP TRIGGER IF EXISTS signoffs_append_only");
    second.copy.prepare("UPDATE eval_runs SET passed = passed + 1 WHERE rowid = (SELECT MIN(rowid) FROM eval_runs)").run();
    second.copy.close();
    const replayed = await verifyInWorker(second.file);
    expect(replayed.ok).toBe(false);
    expect(replayed.mismatches?.length).toBeGreaterThan(0);
  });
});

describe("the verify API", () => {
  it("answers the status with the old fields, what was verified, and a checkpoint's check", async () => {
    const { status, json } = await call(verifyRoute.GET, "", "verify-reader");
    expect(status).toBe(200);
    expect(json).toMatchObject({
      mode: "incremental",
      ok: true,
      count: head().seq,
      headHash: head().hash,
      firstBadSeq: null,
      reason: null,
    });
    expect(json.summary).toMatch(/verified in full at/);
    const held = await call(verifyRoute.GET, `?count=${head().seq}&headHash=${head().hash}`, "verify-reader");
    expect(held.json).toMatchObject({ ok: true, checkpoint: { ok: true } });
  });

  it("a forged checkpoint is reported, never stored: no request sets what the server verified", async () => {
    const stored = [setting("audit.verification.full"), setting("audit.verification.through")];
    const forged = await call(verifyRoute.GET, `?count=3&headHash=${"a".repeat(64)}`, "verify-reader");
    expect(forged.json).toMatchObject({
      ok: false,
      firstBadSeq: 3,
      reason: "event #3 no longer has the checkpoint's head hash: the trail up to the checkpoint was rewritten",
    });
    expect([setting("audit.verification.full"), setting("audit.verification.through")]).toEqual(stored);
    // The checkpoint route only exports; nothing takes a checkpoint in.
    expect(Object.keys(checkpointRoute).filter((k) => ["POST", "PUT", "PATCH", "DELETE"].includes(k))).toEqual([]);
    expect(Object.keys(verifyRoute).filter((k) => ["PUT", "PATCH", "DELETE"].includes(k))).toEqual([]);
  });

  it("mode=full answers with the worker's verdict; a token without the read scope may not ask", async () => {
    const full = await call(verifyRoute.GET, "?mode=full", "verify-reader");
    expect(full.json).toMatchObject({ mode: "full", ok: true, count: head().seq });
    expect((await call(verifyRoute.GET, "", "verify-evals")).status).toBe(403);
    expect((await call(verifyRoute.POST, "", "verify-evals", "POST")).status).toBe(403);
    const started = await call(verifyRoute.POST, "", "verify-reader", "POST");
    expect(started.status).toBe(202);
    await requestFullVerification(await as("auditor@countersign.test")).done;
  });
});
