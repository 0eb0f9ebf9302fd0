import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, sqliteConnection, withTransaction, type DB } from "@/db";
import { agents, auditEvents, changeRecords } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { testStore } from "@/lib/testing/test-store";
import {
  approveAll,
  as,
  NOTE_READER_SPEC as spec,
  registration,
  releaseApproved,
  SIGNER,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { registerAgent } from "./agent-registration";
import { proposeChange, withdrawChange } from "./changes";
import { signOff } from "./signoffs";
import { listAgents, parseAgentFilters } from "./agents";
import { agentAsOf, getAgentRecord, getAgentVersion, recentEvalRuns } from "./registry";
import { agentRegistration } from "./agent-registration-form";
import { listDeployments } from "./deployments";
import { openRetroSignoffs } from "./retro-signoffs";
import { rollback, rollbackOptions } from "./rollback";
import { stillRunningRolledBack } from "./rolled-back-versions";

let db: DB;
const clock = testClock();
const engineer = () => as("engineer@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

const statusOf = async (slug: string) =>
  (await first(db.select({ status: agents.status }).from(agents).where(eq(agents.slug, slug))))?.status;
const eventsOn = async (entityId: string) =>
  (await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.entityId, entityId))).map((e) => e.action);

describe("registering an agent", () => {
  it("an engineer registers a proposed agent with a change that has no base version; a low workflow's new agent is medium", async () => {
    const { agent, change } = await registerAgent(await engineer(), registration("note-summariser"), clock.next());
    expect(agent).toMatchObject({
      slug: "note-summariser",
      status: "proposed",
      workflow: "account-notes",
      rollbackOwner: "ops@countersign.test",
    });
    expect(change).toMatchObject({ title: "Register Agent note-summariser", state: "in_review", riskTier: "medium", baseVersion: null });
    expect(change.rollbackOwner?.email).toBe("ops@countersign.test");
    expect(change.signoffs.map((s) => s.role).sort()).toEqual(["engineering", "operations", "security", "workflow_owner"]);
    const row = (await first(db.select().from(changeRecords).where(eq(changeRecords.id, change.id))))!;
    expect(row.baseVersionId).toBeNull();
    expect(row.headVersionId).not.toBeNull();
    expect(await eventsOn(agent.id)).toEqual(["agent.registered"]);
    expect(await eventsOn(change.id)).toEqual(["change.created", "change.submitted"]);
  });

  it("a new agent in a high-risk workflow is high", async () => {
    const { change } = await registerAgent(await engineer(), registration("refund-summariser", { workflow: "refunds" }), clock.next());
    expect(change.riskTier).toBe("high");
  });

  it("a workflow owner may save a draft registration", async () => {
    const { agent, change } = await registerAgent(
      await as("owner@countersign.test"),
      registration("draft-agent", { submit: false }),
      clock.next(),
    );
    expect(agent.status).toBe("proposed");
    expect(change.state).toBe("draft");
  });

  it("a token with changes:write registers an agent that goes through review, and cannot sign it", async () => {
    const token = await tokenWith(db, "registrar", ["changes:write"]);
    const { change } = await registerAgent(token, registration("ci-registered"), clock.next());
    expect(change.state).toBe("in_review");
    expect(change.signoffs.filter((s) => s.status === "pending").length).toBe(4);
    expect(
      (await errorOf(async () => await signOff(token, change.id, { role: "engineering", decision: "approve" }, clock.next()))).code,
    ).toBe("forbidden");
  });

  it("a taken slug, an unknown workflow and an owner outside engineering are field errors (422)", async () => {
    const error = await errorOf(
      async () =>
        await registerAgent(
          await engineer(),
          registration("refund-assistant", { workflow: "nowhere", engineeringOwner: "ops@countersign.test" }),
          clock.next(),
        ),
    );
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors ?? {}).sort()).toEqual(["engineeringOwner", "slug", "workflow"]);
    expect(
      (await errorOf(async () => await registerAgent(await engineer(), registration("Bad Slug!"), clock.next()))).details.fieldErrors?.slug,
    ).toBeDefined();
  });

  it("auditors, leaders and tokens without changes:write are refused before their input is read", async () => {
    for (const caller of [await as("auditor@countersign.test"), await as("leader@countersign.test"), await as("security@countersign.test")])
      expect((await errorOf(async () => await registerAgent(caller, { junk: true }, clock.next()))).code).toBe("forbidden");
    const reader = await tokenWith(db, "reader-only", ["read"]);
    expect((await errorOf(async () => await registerAgent(reader, { junk: true }, clock.next()))).code).toBe("forbidden");
  });
});

describe("the agent's lifecycle", () => {
  it("approved, evaluated in staging and released to production, the proposed agent becomes active", async () => {
    const { agent, change } = await registerAgent(await engineer(), registration("goes-live"), clock.next());
    // Before its first promotion the agent's page and as-of views have nothing running, and do not fail.
    const before = await getAgentRecord(await as("auditor@countersign.test"), "goes-live");
    expect(before.environments.production).toBeNull();
    expect((await agentAsOf(await as("auditor@countersign.test"), "goes-live", clock.peek())).environments.production).toBeNull();
    await approveAll(change.id, clock);
    await releaseApproved(change.id, clock);
    expect(await statusOf("goes-live")).toBe("active");
    expect(await eventsOn(agent.id)).toEqual(["agent.registered", "agent.activated"]);
    // Now active, it takes changes like any agent.
    const next = await proposeChange(
      await engineer(),
      { agent: "goes-live", title: "Longer traces", spec: { ...spec, traceRetentionDays: 60 } },
      clock.next(),
    );
    expect(next.state).toBe("draft");
  });

  it("one rejection leaves the agent withdrawn, kept for the record", async () => {
    const { agent, change } = await registerAgent(await engineer(), registration("rejected-agent"), clock.next());
    await signOff(await as(SIGNER.security!), change.id, { role: "security", decision: "reject", comment: "Reads too much" }, clock.next());
    expect(await statusOf("rejected-agent")).toBe("withdrawn");
    expect(await eventsOn(agent.id)).toEqual(["agent.registered", "agent.withdrawn"]);
    expect((await errorOf(async () => await proposeChange(await engineer(), { agent: "rejected-agent", spec }, clock.next()))).code).toBe(
      "conflict",
    );
  });

  it("withdrawing the registration leaves the agent withdrawn", async () => {
    const { change } = await registerAgent(await engineer(), registration("withdrawn-agent"), clock.next());
    await withdrawChange(await engineer(), change.id, { reason: "Not needed" }, clock.next());
    expect(await statusOf("withdrawn-agent")).toBe("withdrawn");
  });

  it("changes requested keep the agent proposed", async () => {
    const { change } = await registerAgent(await engineer(), registration("needs-work"), clock.next());
    await signOff(
      await as(SIGNER.operations!),
      change.id,
      { role: "operations", decision: "request_changes", comment: "Add a runbook" },
      clock.next(),
    );
    expect(await statusOf("needs-work")).toBe("proposed");
  });

  it("no other change may be proposed on an agent being registered (409, naming the registration)", async () => {
    const { change } = await registerAgent(await engineer(), registration("busy-agent"), clock.next());
    const error = await errorOf(async () => await proposeChange(await engineer(), { agent: "busy-agent", spec }, clock.next()));
    expect(error.code).toBe("conflict");
    expect(error.message).toBe(`busy-agent is being registered by ${change.label}; edit that change`);
  });

  it("no change may be proposed on a retired agent", async () => {
    await withTransaction(async (tx) => {
      await tx.update(agents).set({ status: "retired" }).where(eq(agents.slug, "note-summariser"));
    });
    expect(
      (await errorOf(async () => await proposeChange(await engineer(), { agent: "note-summariser", spec }, clock.next()))).message,
    ).toBe("note-summariser is retired: no change can be proposed on it");
    await withTransaction(async (tx) => {
      await tx.update(agents).set({ status: "proposed" }).where(eq(agents.slug, "note-summariser"));
    });
  });
});

describe("the inventory's statuses", () => {
  const slugs = async (status?: string) =>
    (await listAgents(await as("leader@countersign.test"), parseAgentFilters({ q: "", status, pageSize: "500" }), { all: true })).items.map(
      (a) => a.slug,
    );

  it("shows active and proposed agents by default, and each status on its own", async () => {
    const shown = await slugs();
    expect(shown).toEqual(expect.arrayContaining(["refund-assistant", "busy-agent", "goes-live"]));
    expect(shown).not.toContain("rejected-agent");
    expect(await slugs("proposed")).toEqual(expect.arrayContaining(["busy-agent", "needs-work"]));
    expect(await slugs("proposed")).not.toContain("refund-assistant");
    expect(await slugs("active")).toContain("goes-live");
    expect(await slugs("active")).not.toContain("busy-agent");
    expect((await slugs("withdrawn")).sort()).toEqual(["rejected-agent", "withdrawn-agent"]);
    expect(await slugs("all")).toEqual(expect.arrayContaining(["rejected-agent", "busy-agent", "refund-assistant"]));
  });

  it("a proposed agent shows no environment and links to its registration", async () => {
    const item = (await listAgents(await as("leader@countersign.test"), parseAgentFilters({ q: "busy-agent" }))).items[0]!;
    expect(item).toMatchObject({ status: "proposed", environments: { development: null, staging: null, production: null } });
    expect(item.registration).toMatch(/^CR-\d+$/);
  });

  it("an unknown status is refused, naming the parameter", async () => {
    expect((await errorOf(() => parseAgentFilters({ status: "sleeping" }))).message).toContain("status must be one of");
  });

  // SQLite's query plan, read through its own connections; PostgreSQL reads the index by one query (lib/server/agents.ts).
  it.skipIf(testStore === "postgres")(
    "the default page reads the (status, name) index in order: two seeks merged, no scan, no sort of the inventory",
    async () => {
      // Reads run on the store's reading connection (the writing one inside a transaction): watch both.
      const { sqlite, reader } = sqliteConnection();
      const connections = reader === sqlite ? [sqlite] : [sqlite, reader];
      const originals = connections.map((connection) => connection.prepare.bind(connection));
      const prepare = originals[0]!;
      const seen: string[] = [];
      connections.forEach((connection, i) => {
        connection.prepare = ((source: string) => (seen.push(source), originals[i]!(source))) as typeof connection.prepare;
      });
      try {
        await listAgents(await as("leader@countersign.test"), parseAgentFilters({}));
      } finally {
        connections.forEach((connection, i) => (connection.prepare = originals[i]!));
      }
      const page = seen.find((sql) => /union all/i.test(sql))!;
      const plan = (
        prepare(`EXPLAIN QUERY PLAN ${page}`).all(...Array<null>(page.split("?").length - 1).fill(null)) as { detail: string }[]
      ).map((r) => r.detail);
      expect(plan).toContain("MERGE (UNION ALL)");
      expect(plan.filter((step) => /agents_status_idx/.test(step))).toHaveLength(2);
      expect(plan.filter((step) => /^SCAN a|^SCAN agents|TEMP B-TREE FOR ORDER BY$/.test(step))).toEqual([]);
    },
  );
});

describe("a proposed agent with nothing deployed reads sensibly everywhere", () => {
  it("its page's reads answer with nothing running, and a rollback is refused plainly", async () => {
    const reader = await as("ops@countersign.test");
    const slug = "busy-agent";
    const record = await getAgentRecord(reader, slug);
    expect(record).toMatchObject({ status: "proposed", environments: { development: null, staging: null, production: null } });
    expect(record.versions).toHaveLength(1);
    expect((await getAgentVersion(reader, slug, 1)).spec.instructions).toBe(spec.instructions);
    expect(await agentRegistration(reader, slug)).toMatchObject({ label: expect.stringMatching(/^CR-/), state: "in_review" });
    expect((await rollbackOptions(reader, slug)).options.every((o) => o.plan === null)).toBe(true);
    expect(await stillRunningRolledBack(reader, slug)).toEqual([]);
    expect((await listDeployments(reader, { agent: slug })).total).toBe(0);
    expect(await recentEvalRuns(reader, slug)).toEqual([]);
    expect(await openRetroSignoffs(reader, { agent: slug })).toEqual([]);
    expect(
      (
        await errorOf(
          async () => await rollback(reader, slug, { environment: "production", reason: "Nothing to roll back to" }, clock.next()),
        )
      ).code,
    ).not.toBe("internal");
  });

  it("a draft registration whose spec does not parse yet has no version, and its record still reads", async () => {
    const { change } = await registerAgent(await engineer(), registration("half-typed", { submit: false, spec: "model: [" }), clock.next());
    expect(change.state).toBe("draft");
    expect((await getAgentRecord(await as("auditor@countersign.test"), "half-typed")).versions).toEqual([]);
    expect((await agentRegistration(await as("auditor@countersign.test"), "half-typed"))?.label).toBe(change.label);
  });
});
