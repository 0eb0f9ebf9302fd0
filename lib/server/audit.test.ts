import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { asc, desc, eq, gt, gte, sql, type SQL } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { execute, first, rows, withTransaction, type DB } from "@/db";
import { appendAuditEvent, appendAuditEvents } from "@/db/audit";
import { agents, apiTokens, auditEvents, changeRecords, deployments, evalRuns, incidents } from "@/db/schema";
import { chainEvent, GENESIS_HASH, type AuditEventContent } from "@/lib/domain/audit-chain";
import { errorOf } from "@/lib/testing/app-error";
import { copyOfStore, emptyStore, rolledBack, unguard, type StoreCopy } from "@/lib/testing/audit-tamper";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { testStore } from "@/lib/testing/test-store";
import {
  auditCheckpoint,
  auditCheckpointFor,
  listAuditEvents,
  parseAuditFilters,
  parseCheckpointParams,
  verifyAuditTrail,
  verifyAuditTrailFor,
  type AuditEventItem,
  type AuditFilters,
} from "./audit";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { findActiveUser } from "./users";

let db: DB;
let auditor: Caller;
beforeAll(async () => {
  db = await seedDemoEstate();
  auditor = userCaller((await findActiveUser({ email: "auditor@countersign.test" }))!);
});

const list = (params: Record<string, string>, caller = auditor) => listAuditEvents(caller, parseAuditFilters(params));
const all = (params: Record<string, string>) => list({ ...params, pageSize: "500" });
/** How many events of the trail (as `on` reads it) match `where`. */
const count = async (where: SQL = sql`1 = 1`, on?: DB) =>
  (await rows<{ n: number }>(sql`SELECT COUNT(*) AS n FROM audit_events WHERE ${where}`, on))[0]!.n;
/** A field of an event's payload, as SQL: PostgreSQL stores the payload as jsonb, SQLite as JSON text. */
const payloadField = (field: string) =>
  testStore === "postgres" ? sql.raw(`payload ->> '${field}'`) : sql.raw(`json_extract(payload, '$.${field}')`);
const eventAt = async (seq: number, on: DB = db) => (await first(on.select().from(auditEvents).where(eq(auditEvents.seq, seq))))!;

describe("listing the audit trail", () => {
  it("lists every event, newest first, with the fields its hash covers", async () => {
    const { items, total } = await list({});
    expect(total).toBe(await count());
    expect(items).toHaveLength(50);
    expect(items[0]!.seq).toBe(total);
    expect(items.map((e) => e.seq)).toEqual([...Array(50).keys()].map((i) => total - i));
    const stored = await eventAt(total);
    expect(items[0]).toMatchObject({
      at: stored.at,
      actor: { type: stored.actorType, id: stored.actorId, label: stored.actorLabel },
      action: stored.action,
      entity: { type: stored.entityType, id: stored.entityId },
      payload: stored.payload,
      prevHash: stored.prevHash,
      hash: stored.hash,
    });
  });

  it("filters by actor: a person by email or id", async () => {
    const security = (await findActiveUser({ email: "security@countersign.test" }))!;
    const byEmail = await list({ actor: "Security@countersign.test" });
    expect(byEmail.total).toBe(await count(sql`actor_id = ${security.id}`));
    expect(byEmail.total).toBeGreaterThan(0);
    expect(byEmail.items.every((e) => e.actor.label === "security@countersign.test" && e.actor.id === security.id)).toBe(true);
    expect((await list({ actor: security.id })).total).toBe(byEmail.total);
    expect((await list({ actor: "nobody@countersign.test" })).total).toBe(0);
  });

  it("filters by action: one action exactly, or a family by its prefix", async () => {
    const approved = await all({ action: "change.approved" });
    expect(approved.total).toBe(await count(sql`action = 'change.approved'`));
    expect(approved.items.every((e) => e.action === "change.approved")).toBe(true);

    const signoffs = await count(sql`action LIKE 'signoff.%'`);
    expect(signoffs).toBeGreaterThan(approved.total / 2);
    for (const prefix of ["signoff.", "signoff", "signoff.*"]) expect((await list({ action: prefix })).total).toBe(signoffs);
    expect((await all({ action: "signoff." })).items.every((e) => e.action.startsWith("signoff."))).toBe(true);
    // A prefix is a whole family name: "sign" is not "signoff".
    expect((await list({ action: "sign." })).total).toBe(0);
    // "_" is an ordinary character, not a wildcard.
    expect((await list({ action: "change.changes_requested" })).total).toBe(await count(sql`action = 'change.changes_requested'`));
  });

  it("filters by entity type, or by one entity", async () => {
    expect((await list({ entity: "deployment" })).total).toBe(await count(sql`entity_type = 'deployment'`));
    const change = (await first(db.select().from(changeRecords)))!;
    const events = await all({ entity: `change_record:${change.id}` });
    expect(events.total).toBe(await count(sql`entity_type = 'change_record' AND entity_id = ${change.id}`));
    expect(events.items.map((e) => e.action)).toContain("change.created");
    expect(events.items.every((e) => e.entity.id === change.id && e.entity.changeNumber === change.number)).toBe(true);
  });

  it("filters by agent: the agent's own events and those of its change records, deployments, eval runs and incidents", async () => {
    // An agent with history of every kind, incidents included.
    const agent = (await first(
      db
        .select()
        .from(agents)
        .where(eq(agents.id, (await first(db.select().from(incidents)))!.agentId)),
    ))!;
    const idsOf = (rows: { id: string }[]) => new Set(rows.map((r) => r.id));
    const owned: Record<string, Set<string>> = {
      agent: new Set([agent.id]),
      change_record: idsOf(await db.select({ id: changeRecords.id }).from(changeRecords).where(eq(changeRecords.agentId, agent.id))),
      deployment: idsOf(await db.select({ id: deployments.id }).from(deployments).where(eq(deployments.agentId, agent.id))),
      eval_run: idsOf(await db.select({ id: evalRuns.id }).from(evalRuns).where(eq(evalRuns.agentId, agent.id))),
      incident: idsOf(await db.select({ id: incidents.id }).from(incidents).where(eq(incidents.agentId, agent.id))),
    };
    const everything = await db
      .select({ seq: auditEvents.seq, type: auditEvents.entityType, id: auditEvents.entityId })
      .from(auditEvents)
      .orderBy(desc(auditEvents.seq));
    const expected = everything.filter((e) => owned[e.type]?.has(e.id)).map((e) => e.seq);

    const { total } = await list({ agent: agent.slug });
    expect(total).toBe(expected.length);
    const pages: AuditEventItem[] = [];
    for (let page = 1; page <= Math.ceil(total / 100); page++)
      pages.push(...(await list({ agent: agent.slug, pageSize: "100", page: String(page) })).items);
    expect(pages.map((e) => e.seq)).toEqual(expected);
    expect(new Set(pages.map((e) => e.entity.type))).toEqual(new Set(["agent", "change_record", "deployment", "eval_run", "incident"]));
    // Sign-offs carry no agent in their payload; they are found through their change record.
    expect(pages.some((e) => e.action.startsWith("signoff.") && !(e.payload as { agent?: string }).agent)).toBe(true);
    expect(pages.every((e) => e.entity.agent === agent.slug)).toBe(true);
    expect((await list({ agent: "no-such-agent" })).total).toBe(0);
  });

  it("filters by a date range, a day as `to` including that whole day", async () => {
    const from = Date.UTC(2026, 5, 1);
    const end = Date.UTC(2026, 6, 1);
    const june = await all({ from: "2026-06-01", to: "2026-06-30" });
    expect(june.total).toBe(await count(sql`at >= ${from} AND at < ${end}`));
    expect(june.total).toBeGreaterThan(0);
    expect(june.items.every((e) => e.at >= from && e.at < end)).toBe(true);
    expect((await list({ from: "2026-06-01T00:00:00Z", to: "2026-06-30T23:59:59.999Z" })).total).toBe(june.total);
    expect((await list({ from: "2026-06-01T00:00", to: "2026-07-01T02:00+02:00" })).total).toBe(
      await count(sql`at >= ${from} AND at <= ${end}`),
    );
  });

  it("includes events at exactly the `from` and `to` times", async () => {
    const { at } = await eventAt(1000);
    const iso = new Date(at).toISOString();
    expect((await list({ from: iso, to: iso })).total).toBe(await count(sql`at = ${at}`));
    expect((await list({ from: iso, to: iso })).total).toBeGreaterThan(0);
  });

  it("pages through the results with a stable total", async () => {
    const filter = { action: "change.", from: "2026-03-01" };
    const first = await list({ ...filter, pageSize: "7" });
    const second = await list({ ...filter, pageSize: "7", page: "2" });
    const both = await list({ ...filter, pageSize: "14" });
    expect(second.total).toBe(first.total);
    expect(first.total).toBe(await count(sql`action LIKE 'change.%' AND at >= ${Date.UTC(2026, 2, 1)}`));
    expect([...first.items, ...second.items].map((e) => e.seq)).toEqual(both.items.map((e) => e.seq));
    const last = Math.ceil(first.total / 7);
    expect((await list({ ...filter, pageSize: "7", page: String(last) })).items.length).toBe(first.total - (last - 1) * 7);
    expect((await list({ ...filter, pageSize: "7", page: String(last + 1) })).items).toEqual([]);
  });

  it("combines filters", async () => {
    const [rollback] = (await list({ action: "deployment.rolled_back", pageSize: "1" })).items;
    const agent = (rollback!.payload as { agent: string }).agent;
    const result = await all({ actor: rollback!.actor.label, action: "deployment.", agent });
    expect(result.total).toBe(
      await count(sql`actor_id = ${rollback!.actor.id} AND action LIKE 'deployment.%' AND ${payloadField("agent")} = ${agent}`),
    );
    expect(result.items.map((e) => e.seq)).toContain(rollback!.seq);
    expect(
      result.items.every((e) => e.actor.id === rollback!.actor.id && e.action.startsWith("deployment.") && e.entity.agent === agent),
    ).toBe(true);
  });

  it("names the entity's agent and change record so the log can link to them", async () => {
    const { items } = await list({ pageSize: "500" });
    const deployment = items.find((e) => e.entity.type === "deployment")!;
    expect(deployment.entity.agent).toBe((deployment.payload as { agent: string }).agent);
    const change = items.find((e) => e.entity.type === "change_record")!;
    expect(change.entity.changeNumber).toBe((change.payload as { number: number }).number);
    const [agentEvent] = (await list({ entity: "agent", pageSize: "1" })).items;
    expect(agentEvent!.entity.agent).toBe((agentEvent!.payload as { slug: string }).slug);
    expect((await list({ entity: "policy" })).items[0]!.entity).toMatchObject({ agent: null, changeNumber: null });
  });

  it("rejects a malformed filter with a 400 naming the parameter", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: "2026-02-30" }, "from"],
      [{ from: "yesterday" }, "from"],
      [{ to: "2026-13-01" }, "to"],
      [{ from: "2026-06-02", to: "2026-06-01" }, "to"],
      [{ entity: "Change Record" }, "entity"],
      [{ pageSize: "501" }, "pageSize"],
      [{ page: "0" }, "page"],
    ];
    for (const [params, parameter] of cases) {
      const error = await errorOf(() => parseAuditFilters(params));
      expect(error.code).toBe("bad_request");
      expect(error.details.parameter).toBe(parameter);
      expect(error.message).toMatch(new RegExp(`^${parameter}\\b`));
    }
    expect(parseAuditFilters({ from: "", actor: "" }) satisfies AuditFilters).toMatchObject({ page: 1, pageSize: 50 });
  });
});

describe("who may read the audit trail", () => {
  beforeAll(async () => {
    const admin = (await findActiveUser({ email: "admin@countersign.test" }))!;
    await withTransaction(async (tx) => {
      await tx.insert(apiTokens).values([
        {
          id: "tok_monitor",
          name: "monitor",
          tokenHash: hashToken("cs_monitor"),
          scopes: ["read"],
          createdById: admin.id,
          createdAt: Date.now(),
        },
        {
          id: "tok_deployer",
          name: "deployer",
          tokenHash: hashToken("cs_deployer"),
          scopes: ["deploy"],
          createdById: admin.id,
          createdAt: Date.now(),
        },
      ]);
    });
  });

  it("lets every person and read-scoped tokens read, and refuses tokens without the read scope", async () => {
    expect((await list({}, userCaller((await findActiveUser({ email: "engineer@countersign.test" }))!))).total).toBeGreaterThan(0);
    expect((await list({}, (await tokenCaller("cs_monitor"))!)).total).toBeGreaterThan(0);
    const deployer = (await tokenCaller("cs_deployer"))!;
    expect((await errorOf(async () => await list({}, deployer))).code).toBe("forbidden");
    expect((await errorOf(async () => await verifyAuditTrailFor(deployer))).code).toBe("forbidden");
    expect((await errorOf(async () => await auditCheckpointFor(deployer))).code).toBe("forbidden");
  });

  it("finds a token's events by its name, with or without the token: prefix", async () => {
    await withTransaction(async (tx) => {
      await appendAuditEvent(tx, {
        at: Date.now(),
        actor: { type: "token", id: "tok_monitor", label: "token:monitor" },
        action: "observation.reported",
        entityType: "observation",
        entityId: "obs_1",
        payload: { agent: "refund-assistant" },
      });
    });
    for (const actor of ["monitor", "token:monitor", "tok_monitor"]) {
      const { items, total } = await list({ actor });
      expect(total).toBe(1);
      expect(items[0]!.actor).toEqual({ type: "token", id: "tok_monitor", label: "token:monitor" });
    }
  });
});

/** Makes an event's payload say something it did not say: the hash no longer matches. */
async function forgePayload(tx: DB, seq: number) {
  const event = await eventAt(seq, tx);
  await tx
    .update(auditEvents)
    .set({ payload: { ...(event.payload as object), forged: 1 } })
    .where(eq(auditEvents.seq, seq));
}

describe("verifying the audit trail", () => {
  it("verifies the intact seeded chain, reporting its length and head hash", async () => {
    const head = (await first(db.select().from(auditEvents).orderBy(desc(auditEvents.seq))))!;
    expect(head.seq).toBe(await count());
    expect(await verifyAuditTrail()).toEqual({ ok: true, count: head.seq, headHash: head.hash, firstBadSeq: null, reason: null });
    expect(await verifyAuditTrailFor(auditor)).toEqual(await verifyAuditTrail());
  });

  it("exports a checkpoint of the head and verifies against it", async () => {
    const now = Date.UTC(2026, 10, 21, 12);
    const checkpoint = await auditCheckpoint(undefined, now);
    expect(checkpoint).toEqual({ count: await count(), headHash: (await verifyAuditTrail()).headHash, at: "2026-11-21T12:00:00.000Z" });
    expect(await verifyAuditTrail(undefined, checkpoint)).toMatchObject({ ok: true, count: checkpoint.count });
  });

  it("verifies an empty trail, whose head is the genesis hash", async () => {
    const empty = await emptyStore();
    try {
      expect(await verifyAuditTrail(empty.db)).toEqual({ ok: true, count: 0, headHash: GENESIS_HASH, firstBadSeq: null, reason: null });
      expect(await auditCheckpoint(empty.db, 0)).toEqual({ count: 0, headHash: GENESIS_HASH, at: "1970-01-01T00:00:00.000Z" });
    } finally {
      await empty.close();
    }
  });

  it("detects an edited payload at that event", async () => {
    await rolledBack(async (tx) => {
      await unguard(tx, "audit_events");
      await forgePayload(tx, 100);
      const total = await count(undefined, tx);
      expect(await verifyAuditTrail(tx)).toEqual({
        ok: false,
        count: total,
        headHash: (await eventAt(total, tx)).hash,
        firstBadSeq: 100,
        reason: "event #100 was altered after it was written",
      });
    });
  });

  // PostgreSQL keeps the payload as jsonb, which refuses text that is not JSON: the edit cannot be made there.
  it.skipIf(testStore === "postgres")("detects a payload edited into invalid JSON at that event", async () => {
    await rolledBack(async (tx) => {
      await unguard(tx, "audit_events");
      await execute(sql`UPDATE audit_events SET payload = '{not json' WHERE seq = 7`, tx);
      expect(await verifyAuditTrail(tx)).toMatchObject({ ok: false, firstBadSeq: 7, reason: "event #7 was altered after it was written" });
    });
  });

  it("detects a deleted event at the event after the gap, naming the missing one", async () => {
    const total = await count();
    await rolledBack(async (tx) => {
      await unguard(tx, "audit_events");
      await tx.delete(auditEvents).where(eq(auditEvents.seq, 200));
      expect(await verifyAuditTrail(tx)).toMatchObject({
        ok: false,
        count: total - 1,
        firstBadSeq: 201,
        reason: "expected event #200, found #201",
      });
    });
  });

  it("detects two events whose contents were swapped, at the lower one", async () => {
    await rolledBack(async (tx) => {
      await unguard(tx, "audit_events");
      const [low, high] = [await eventAt(300, tx), await eventAt(310, tx)];
      await tx
        .update(auditEvents)
        .set({ ...high, seq: 300 })
        .where(eq(auditEvents.seq, 300));
      await tx
        .update(auditEvents)
        .set({ ...low, seq: 310 })
        .where(eq(auditEvents.seq, 310));
      expect(await verifyAuditTrail(tx)).toMatchObject({
        ok: false,
        firstBadSeq: 300,
        reason: "event #300 does not point at the hash of the event before it",
      });
    });
  });

  it("detects a truncated tail by replay, and against a checkpoint names the first missing event", async () => {
    const checkpoint = await auditCheckpoint();
    const remaining = checkpoint.count - 5;
    await rolledBack(async (tx) => {
      await unguard(tx, "audit_events");
      await tx.delete(auditEvents).where(gt(auditEvents.seq, remaining));
      const headHash = (await eventAt(remaining, tx)).hash;
      // The chain that is left is consistent, but the tables still hold what the cut events recorded.
      expect(await verifyAuditTrail(tx)).toMatchObject({
        ok: false,
        count: remaining,
        headHash,
        reason: expect.stringMatching(/^the tables disagree with the trail: /),
      });
      expect(await verifyAuditTrail(tx, checkpoint)).toEqual({
        ok: false,
        count: remaining,
        headHash,
        firstBadSeq: remaining + 1,
        reason: `the trail ends at event #${remaining}, but the checkpoint recorded ${checkpoint.count}: events #${remaining + 1}–#${checkpoint.count} are missing`,
      });
    });
  });

  it("detects a history rewritten with every hash recomputed only against a checkpoint, at the checkpoint's event", async () => {
    const checkpoint = await auditCheckpoint();
    await rolledBack(async (tx) => {
      await unguard(tx, "audit_events");
      // Forge event 50 and re-chain everything after it, as an attacker with write access would.
      const events = await tx.select().from(auditEvents).where(gte(auditEvents.seq, 50)).orderBy(asc(auditEvents.seq));
      let prevHash = (await eventAt(49, tx)).hash;
      for (const e of events) {
        const content: AuditEventContent = {
          seq: e.seq,
          at: e.at,
          actorType: e.actorType,
          actorId: e.actorId,
          actorLabel: e.actorLabel,
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId,
          // Only the comment is forged: replay checks what the tables hold, and a comment is not in them.
          payload: e.seq === 50 ? { ...(e.payload as object), comment: "forged" } : e.payload,
        };
        const forged = chainEvent(prevHash, content);
        await tx
          .update(auditEvents)
          .set({ payload: forged.payload, prevHash: forged.prevHash, hash: forged.hash })
          .where(eq(auditEvents.seq, forged.seq));
        prevHash = forged.hash;
      }
      expect(await verifyAuditTrail(tx)).toMatchObject({ ok: true, count: checkpoint.count });
      expect(await verifyAuditTrail(tx, checkpoint)).toMatchObject({
        ok: false,
        firstBadSeq: checkpoint.count,
        reason: `event #${checkpoint.count} no longer has the checkpoint's head hash: the trail up to the checkpoint was rewritten`,
      });
    });
  });

  it("still verifies against a checkpoint once more events have been appended", async () => {
    const checkpoint = await auditCheckpoint();
    await rolledBack(async (tx) => {
      const system = { type: "system", id: null, label: "Countersign" } as const;
      await appendAuditEvents(tx, [
        { at: Date.now(), actor: system, action: "policy.published", entityType: "policy", entityId: "p_2", payload: { version: 2 } },
        { at: Date.now(), actor: system, action: "policy.published", entityType: "policy", entityId: "p_3", payload: { version: 3 } },
      ]);
      expect(await verifyAuditTrail(tx, checkpoint)).toMatchObject({ ok: true, count: checkpoint.count + 2 });
    });
  });

  it("reads a checkpoint from URL parameters: both or neither", async () => {
    const hash = "a".repeat(64);
    expect(parseCheckpointParams(new URLSearchParams())).toBeUndefined();
    expect(parseCheckpointParams(new URLSearchParams({ count: "12", headHash: hash }))).toEqual({ count: 12, headHash: hash });
    expect((await errorOf(() => parseCheckpointParams(new URLSearchParams({ count: "12" })))).details.parameter).toBe("headHash");
    expect((await errorOf(() => parseCheckpointParams(new URLSearchParams({ headHash: hash })))).details.parameter).toBe("count");
    expect((await errorOf(() => parseCheckpointParams(new URLSearchParams({ count: "x", headHash: hash })))).details.parameter).toBe(
      "count",
    );
    expect((await errorOf(() => parseCheckpointParams(new URLSearchParams({ count: "1", headHash: "xyz" })))).details.parameter).toBe(
      "headHash",
    );
  });
});

describe("npm run audit:verify", () => {
  /** Runs the command on the store `env` names: a SQLite file (DATABASE_PATH) or a PostgreSQL database (DATABASE_URL). */
  const run = (env: Record<string, string>, ...args: string[]) => {
    const result = spawnSync("npx", ["tsx", "scripts/audit-verify.ts", ...args], {
      cwd: process.cwd(),
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
    return { status: result.status, out: result.stdout + result.stderr };
  };
  /** A copy of the store, tampered with by `tamper` (committed), closed (and on PostgreSQL dropped) once `check` is done. */
  const withCopy = async (tamper: ((tx: DB) => Promise<void>) | null, check: (copy: StoreCopy) => Promise<void>) => {
    const copy = await copyOfStore();
    try {
      if (tamper) await withTransaction(tamper, copy.db);
      await check(copy);
    } finally {
      await copy.close();
    }
  };

  it("exits 0 with the count and head hash on an intact trail, and writes a checkpoint", async () => {
    await withCopy(null, async (copy) => {
      const expected = await verifyAuditTrail(copy.db);
      const checkpointFile = path.join(mkdtempSync(path.join(tmpdir(), "countersign-checkpoint-")), "checkpoint.json");
      const { status, out } = run(copy.env, "--write-checkpoint", checkpointFile);
      expect(status).toBe(0);
      expect(out).toMatch(new RegExp(`^Events: +${expected.count}$`, "m"));
      expect(out).toMatch(new RegExp(`^Head hash: +${expected.headHash}$`, "m"));
      expect(out).toMatch(/OK: the audit trail is intact/);
      expect(existsSync(checkpointFile)).toBe(true);
      expect(run(copy.env, "--checkpoint", checkpointFile).status).toBe(0);
    });
  });

  it("exits 1 naming the first bad event on a tampered trail", async () => {
    const tamper = async (tx: DB) => {
      await unguard(tx, "audit_events");
      await tx.update(auditEvents).set({ actorLabel: "x", action: "change.forged" }).where(eq(auditEvents.seq, 42));
    };
    await withCopy(tamper, async (copy) => {
      const tampered = run(copy.env);
      expect(tampered.status).toBe(1);
      expect(tampered.out).toMatch(/TAMPERED: the audit trail is broken at event #42: event #42 was altered after it was written/);
    });
  });

  it("exits 1 on a truncated tail: by replay alone, and with the checkpoint naming the first missing event", async () => {
    await withCopy(null, async (copy) => {
      const checkpointFile = path.join(mkdtempSync(path.join(tmpdir(), "countersign-checkpoint-")), "checkpoint.json");
      const checkpoint = await auditCheckpoint(copy.db);
      writeFileSync(checkpointFile, JSON.stringify(checkpoint));
      await withTransaction(async (tx) => {
        await unguard(tx, "audit_events");
        await tx.delete(auditEvents).where(gt(auditEvents.seq, checkpoint.count - 3));
      }, copy.db);
      const replayed = run(copy.env);
      expect(replayed.status).toBe(1);
      expect(replayed.out).toMatch(/TAMPERED: \d+ rows disagree with the audit trail/);
      const truncated = run(copy.env, "--checkpoint", checkpointFile);
      expect(truncated.status).toBe(1);
      expect(truncated.out).toContain(`broken at event #${checkpoint.count - 2}`);
    });
  });

  it("says so, and creates nothing, when there is no database", () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), "countersign-none-")), "missing.db");
    const { status, out } = run({ DATABASE_PATH: missing, DATABASE_URL: "" });
    expect(status).toBe(2);
    expect(out).toContain(`No database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });
});
