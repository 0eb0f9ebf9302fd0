import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, sqliteConnection, openDatabase, withTransaction, type DB } from "@/db";
import { appendAuditEvent, appendAuditEvents } from "@/db/audit";
import { agents, apiTokens, changeRecords, deployments, evalRuns, incidents } from "@/db/schema";
import { chainEvent, GENESIS_HASH, type ActorType, type AuditEventContent } from "@/lib/domain/audit-chain";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
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
const sqlite = () => sqliteConnection().sqlite;
const count = (where: string, ...args: unknown[]) =>
  (
    sqlite()
      .prepare(`SELECT COUNT(*) AS n FROM audit_events WHERE ${where}`)
      .get(...args) as { n: number }
  ).n;

describe("listing the audit trail", () => {
  it("lists every event, newest first, with the fields its hash covers", async () => {
    const { items, total } = await list({});
    expect(total).toBe(count("1"));
    expect(items).toHaveLength(50);
    expect(items[0]!.seq).toBe(total);
    expect(items.map((e) => e.seq)).toEqual([...Array(50).keys()].map((i) => total - i));
    const stored = sqlite().prepare("SELECT * FROM audit_events WHERE seq = ?").get(total) as Record<string, unknown>;
    expect(items[0]).toMatchObject({
      at: stored.at,
      actor: { type: stored.actor_type, id: stored.actor_id, label: stored.actor_label },
      action: stored.action,
      entity: { type: stored.entity_type, id: stored.entity_id },
      payload: JSON.parse(stored.payload as string),
      prevHash: stored.prev_hash,
      hash: stored.hash,
    });
  });

  it("filters by actor: a person by email or id", async () => {
    const security = (await findActiveUser({ email: "security@countersign.test" }))!;
    const byEmail = await list({ actor: "Security@countersign.test" });
    expect(byEmail.total).toBe(count("actor_id = ?", security.id));
    expect(byEmail.total).toBeGreaterThan(0);
    expect(byEmail.items.every((e) => e.actor.label === "security@countersign.test" && e.actor.id === security.id)).toBe(true);
    expect((await list({ actor: security.id })).total).toBe(byEmail.total);
    expect((await list({ actor: "nobody@countersign.test" })).total).toBe(0);
  });

  it("filters by action: one action exactly, or a family by its prefix", async () => {
    const approved = await all({ action: "change.approved" });
    expect(approved.total).toBe(count("action = 'change.approved'"));
    expect(approved.items.every((e) => e.action === "change.approved")).toBe(true);

    const signoffs = count("action LIKE 'signoff.%'");
    expect(signoffs).toBeGreaterThan(approved.total / 2);
    for (const prefix of ["signoff.", "signoff", "signoff.*"]) expect((await list({ action: prefix })).total).toBe(signoffs);
    expect((await all({ action: "signoff." })).items.every((e) => e.action.startsWith("signoff."))).toBe(true);
    // A prefix is a whole family name: "sign" is not "signoff".
    expect((await list({ action: "sign." })).total).toBe(0);
    // "_" is an ordinary character, not a wildcard.
    expect((await list({ action: "change.changes_requested" })).total).toBe(count("action = 'change.changes_requested'"));
  });

  it("filters by entity type, or by one entity", async () => {
    expect((await list({ entity: "deployment" })).total).toBe(count("entity_type = 'deployment'"));
    const change = (await first(db.select().from(changeRecords)))!;
    const events = await all({ entity: `change_record:${change.id}` });
    expect(events.total).toBe(count("entity_type = 'change_record' AND entity_id = ?", change.id));
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
    const everything = sqlite().prepare("SELECT seq, entity_type AS type, entity_id AS id FROM audit_events ORDER BY seq DESC").all() as {
      seq: number;
      type: string;
      id: string;
    }[];
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
    expect(june.total).toBe(count("at >= ? AND at < ?", from, end));
    expect(june.total).toBeGreaterThan(0);
    expect(june.items.every((e) => e.at >= from && e.at < end)).toBe(true);
    expect((await list({ from: "2026-06-01T00:00:00Z", to: "2026-06-30T23:59:59.999Z" })).total).toBe(june.total);
    expect((await list({ from: "2026-06-01T00:00", to: "2026-07-01T02:00+02:00" })).total).toBe(count("at >= ? AND at <= ?", from, end));
  });

  it("includes events at exactly the `from` and `to` times", async () => {
    const at = (sqlite().prepare("SELECT at FROM audit_events WHERE seq = 1000").get() as { at: number }).at;
    const iso = new Date(at).toISOString();
    expect((await list({ from: iso, to: iso })).total).toBe(count("at = ?", at));
    expect((await list({ from: iso, to: iso })).total).toBeGreaterThan(0);
  });

  it("pages through the results with a stable total", async () => {
    const filter = { action: "change.", from: "2026-03-01" };
    const first = await list({ ...filter, pageSize: "7" });
    const second = await list({ ...filter, pageSize: "7", page: "2" });
    const both = await list({ ...filter, pageSize: "14" });
    expect(second.total).toBe(first.total);
    expect(first.total).toBe(count("action LIKE 'change.%' AND at >= ?", Date.UTC(2026, 2, 1)));
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
      count("actor_id = ? AND action LIKE 'deployment.%' AND json_extract(payload, '$.agent') = ?", rollback!.actor.id, agent),
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
    expect((await errorOf(async () => auditCheckpointFor(deployer))).code).toBe("forbidden");
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

/** A standalone copy of this test file's database, to tamper with. */
function copyOfDatabase(): { file: string; copy: Database.Database } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "countersign-audit-")), "copy.db");
  sqlite().prepare("VACUUM INTO ?").run(file);
  return { file, copy: new Database(file) };
}

const rowOf = (copy: Database.Database, seq: number) =>
  copy.prepare("SELECT * FROM audit_events WHERE seq = ?").get(seq) as Record<string, unknown>;

describe("verifying the audit trail", () => {
  it("verifies the intact seeded chain, reporting its length and head hash", async () => {
    const head = sqlite().prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").get() as { seq: number; hash: string };
    expect(head.seq).toBe(count("1"));
    expect(verifyAuditTrail()).toEqual({ ok: true, count: head.seq, headHash: head.hash, firstBadSeq: null, reason: null });
    expect(await verifyAuditTrailFor(auditor)).toEqual(verifyAuditTrail());
  });

  it("exports a checkpoint of the head and verifies against it", () => {
    const now = Date.UTC(2026, 10, 21, 12);
    const checkpoint = auditCheckpoint(undefined, now);
    expect(checkpoint).toEqual({ count: count("1"), headHash: verifyAuditTrail().headHash, at: "2026-11-21T12:00:00.000Z" });
    expect(verifyAuditTrail(undefined, checkpoint)).toMatchObject({ ok: true, count: checkpoint.count });
  });

  it("verifies an empty trail, whose head is the genesis hash", () => {
    const empty = new Database(":memory:");
    empty.exec(`CREATE TABLE audit_events (seq INTEGER PRIMARY KEY, at INTEGER, actor_type TEXT, actor_id TEXT, actor_label TEXT, action TEXT,
      entity_type TEXT, entity_id TEXT, payload TEXT, prev_hash TEXT, hash TEXT)`);
    expect(verifyAuditTrail(empty)).toEqual({ ok: true, count: 0, headHash: GENESIS_HASH, firstBadSeq: null, reason: null });
    expect(auditCheckpoint(empty, 0)).toEqual({ count: 0, headHash: GENESIS_HASH, at: "1970-01-01T00:00:00.000Z" });
  });

  it("detects an edited payload at that event", () => {
    const { copy } = copyOfDatabase();
    copy.exec("DROP TRIGGER audit_events_no_update");
    copy.prepare("UPDATE audit_events SET payload = json_set(payload, '$.forged', 1) WHERE seq = 100").run();
    const total = count("1");
    expect(verifyAuditTrail(copy)).toEqual({
      ok: false,
      count: total,
      headHash: rowOf(copy, total).hash,
      firstBadSeq: 100,
      reason: "event #100 was altered after it was written",
    });
    copy.close();
  });

  it("detects a payload edited into invalid JSON at that event", () => {
    const { copy } = copyOfDatabase();
    copy.exec("DROP TRIGGER audit_events_no_update");
    copy.prepare("UPDATE audit_events SET payload = '{not json' WHERE seq = 7").run();
    expect(verifyAuditTrail(copy)).toMatchObject({ ok: false, firstBadSeq: 7, reason: "event #7 was altered after it was written" });
    copy.close();
  });

  it("detects a deleted event at the event after the gap, naming the missing one", () => {
    const { copy } = copyOfDatabase();
    copy.exec("DROP TRIGGER audit_events_no_delete");
    copy.prepare("DELETE FROM audit_events WHERE seq = 200").run();
    expect(verifyAuditTrail(copy)).toMatchObject({
      ok: false,
      count: count("1") - 1,
      firstBadSeq: 201,
      reason: "expected event #200, found #201",
    });
    copy.close();
  });

  it("detects two events whose contents were swapped, at the lower one", () => {
    const { copy } = copyOfDatabase();
    copy.exec("DROP TRIGGER audit_events_no_update");
    const columns = ["at", "actor_type", "actor_id", "actor_label", "action", "entity_type", "entity_id", "payload", "prev_hash", "hash"];
    const [low, high] = [rowOf(copy, 300), rowOf(copy, 310)];
    const update = copy.prepare(`UPDATE audit_events SET ${columns.map((c) => `${c} = @${c}`).join(", ")} WHERE seq = @seq`);
    copy.transaction(() => {
      update.run({ ...high, seq: 300 });
      update.run({ ...low, seq: 310 });
    })();
    expect(verifyAuditTrail(copy)).toMatchObject({
      ok: false,
      firstBadSeq: 300,
      reason: "event #300 does not point at the hash of the event before it",
    });
    copy.close();
  });

  it("detects a truncated tail by replay, and against a checkpoint names the first missing event", () => {
    const { copy } = copyOfDatabase();
    const checkpoint = auditCheckpoint(copy);
    copy.exec("DROP TRIGGER audit_events_no_delete");
    copy.prepare("DELETE FROM audit_events WHERE seq > ?").run(checkpoint.count - 5);
    const remaining = checkpoint.count - 5;
    // The chain that is left is consistent, but the tables still hold what the cut events recorded.
    expect(verifyAuditTrail(copy)).toMatchObject({
      ok: false,
      count: remaining,
      headHash: rowOf(copy, remaining).hash,
      reason: expect.stringMatching(/^the tables disagree with the trail: /),
    });
    expect(verifyAuditTrail(copy, checkpoint)).toEqual({
      ok: false,
      count: remaining,
      headHash: rowOf(copy, remaining).hash,
      firstBadSeq: remaining + 1,
      reason: `the trail ends at event #${remaining}, but the checkpoint recorded ${checkpoint.count}: events #${remaining + 1}–#${checkpoint.count} are missing`,
    });
    copy.close();
  });

  it("detects a history rewritten with every hash recomputed only against a checkpoint, at the checkpoint's event", () => {
    const { copy } = copyOfDatabase();
    const checkpoint = auditCheckpoint(copy);
    copy.exec("DROP TRIGGER audit_events_no_update");
    // Forge event 50 and re-chain everything after it, as an attacker with write access would.
    const rows = copy.prepare("SELECT * FROM audit_events WHERE seq >= 50 ORDER BY seq").all() as Record<string, unknown>[];
    let prevHash = rowOf(copy, 49).hash as string;
    const rewrite = copy.prepare("UPDATE audit_events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?");
    copy.transaction(() => {
      for (const r of rows) {
        const content: AuditEventContent = {
          seq: r.seq as number,
          at: r.at as number,
          actorType: r.actor_type as ActorType,
          actorId: r.actor_id as string | null,
          actorLabel: r.actor_label as string,
          action: r.action as string,
          entityType: r.entity_type as string,
          entityId: r.entity_id as string,
          // Only the comment is forged: replay checks what the tables hold, and a comment is not in them.
          payload: r.seq === 50 ? { ...JSON.parse(r.payload as string), comment: "forged" } : JSON.parse(r.payload as string),
        };
        const forged = chainEvent(prevHash, content);
        rewrite.run(JSON.stringify(forged.payload), forged.prevHash, forged.hash, forged.seq);
        prevHash = forged.hash;
      }
    })();
    expect(verifyAuditTrail(copy)).toMatchObject({ ok: true, count: checkpoint.count });
    expect(verifyAuditTrail(copy, checkpoint)).toMatchObject({
      ok: false,
      firstBadSeq: checkpoint.count,
      reason: `event #${checkpoint.count} no longer has the checkpoint's head hash: the trail up to the checkpoint was rewritten`,
    });
    copy.close();
  });

  it("still verifies against a checkpoint once more events have been appended", async () => {
    // Opened as the app opens its database, so that events are appended the app's way, in a transaction.
    const { file, copy: handle } = copyOfDatabase();
    handle.close();
    const { sqlite: copy, reader, db: copyDb } = openDatabase(file);
    const checkpoint = auditCheckpoint(copy);
    await withTransaction(async (tx) => {
      await appendAuditEvents(tx, [
        {
          at: Date.now(),
          actor: { type: "system", id: null, label: "Countersign" },
          action: "policy.published",
          entityType: "policy",
          entityId: "p_2",
          payload: { version: 2 },
        },
        {
          at: Date.now(),
          actor: { type: "system", id: null, label: "Countersign" },
          action: "policy.published",
          entityType: "policy",
          entityId: "p_3",
          payload: { version: 3 },
        },
      ]);
    }, copyDb);
    expect(verifyAuditTrail(copy, checkpoint)).toMatchObject({ ok: true, count: checkpoint.count + 2 });
    reader.close();
    copy.close();
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
  const run = (databasePath: string, ...args: string[]) => {
    const result = spawnSync("npx", ["tsx", "scripts/audit-verify.ts", ...args], {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_PATH: databasePath },
      encoding: "utf8",
    });
    return { status: result.status, out: result.stdout + result.stderr };
  };

  it("exits 0 with the count and head hash on an intact trail, and writes a checkpoint", () => {
    const { file, copy } = copyOfDatabase();
    const expected = verifyAuditTrail(copy);
    copy.close();
    const checkpointFile = path.join(path.dirname(file), "checkpoint.json");
    const { status, out } = run(file, "--write-checkpoint", checkpointFile);
    expect(status).toBe(0);
    expect(out).toMatch(new RegExp(`^Events: +${expected.count}$`, "m"));
    expect(out).toMatch(new RegExp(`^Head hash: +${expected.headHash}$`, "m"));
    expect(out).toMatch(/OK: the audit trail is intact/);
    expect(existsSync(checkpointFile)).toBe(true);
    expect(run(file, "--checkpoint", checkpointFile).status).toBe(0);
  });

  it("exits 1 naming the first bad event on a tampered trail", () => {
    const { file, copy } = copyOfDatabase();
    copy.exec("DROP TRIGGER audit_events_no_update");
    copy.prepare("UPDATE audit_events SET actor_label = 'x', action = 'change.forged' WHERE seq = 42").run();
    copy.close();
    const tampered = run(file);
    expect(tampered.status).toBe(1);
    expect(tampered.out).toMatch(/TAMPERED: the audit trail is broken at event #42: event #42 was altered after it was written/);
  });

  it("exits 1 on a truncated tail: by replay alone, and with the checkpoint naming the first missing event", () => {
    const { file, copy } = copyOfDatabase();
    const checkpointFile = path.join(path.dirname(file), "checkpoint.json");
    const checkpoint = auditCheckpoint(copy);
    writeFileSync(checkpointFile, JSON.stringify(checkpoint));
    copy.exec("DROP TRIGGER audit_events_no_delete");
    copy.prepare("DELETE FROM audit_events WHERE seq > ?").run(checkpoint.count - 3);
    copy.close();
    const replayed = run(file);
    expect(replayed.status).toBe(1);
    expect(replayed.out).toMatch(/TAMPERED: \d+ rows disagree with the audit trail/);
    const truncated = run(file, "--checkpoint", checkpointFile);
    expect(truncated.status).toBe(1);
    expect(truncated.out).toContain(`broken at event #${checkpoint.count - 2}`);
  });

  it("says so, and creates nothing, when there is no database", () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), "countersign-none-")), "missing.db");
    const { status, out } = run(missing);
    expect(status).toBe(2);
    expect(out).toContain(`No database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });
});
