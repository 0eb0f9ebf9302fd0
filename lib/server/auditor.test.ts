import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { execute, first, rows, sqliteConnection, withTransaction, type DB } from "@/db";
import { auditEvents, breaches, notifications, signoffs, users } from "@/db/schema";
import { DEFAULT_POLICY, SIGNER_ROLES } from "@/lib/domain/signoff-policy";
import { decodeJsonExport } from "@/lib/otlp/decode";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { otlpJson, recordSpans, type Decision } from "@/lib/testing/otel-spans";
import { testStore } from "@/lib/testing/test-store";
import {
  approveAll,
  as,
  attested,
  HOUR,
  limitRaise,
  productionSpec,
  releaseApproved,
  stagingEval,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { registerAgent } from "./agent-registration";
import { updateAgentDetails } from "./agent-details";
import { issueToken, revokeToken } from "./api-tokens";
import { addPerson, issueResetLink, updatePerson } from "./people";
import type { ChangeRecordView } from "./change-records";
import { editChange, getChange, proposeChange, proposeFromSource, submitChange, withdrawChange } from "./changes";
import { updateFromProduction } from "./change-update";
import { recordEvalRun } from "./evals";
import { listIncidents, openIncident, updateIncident } from "./incidents";
import { markNotificationsRead, myNotifications } from "./notifications";
import { publishPolicy } from "./policy";
import { promote } from "./promotion";
import { releaseRetirement } from "./retirement";
import { rollback } from "./rollback";
import { signOff } from "./signoffs";
import { createWebhook, deleteWebhook, redeliver, rotateWebhookSecret, sendTestEvent, updateWebhook } from "./webhooks";
import { createWorkflow, updateWorkflow } from "./workflows";
import { resolveDrift } from "./drift";
import { recordObservation } from "./observations";
import { agentRuntime } from "./runtime-evidence";
import { ingestTraces } from "./runtime-ingest";
import { recordSignals } from "./signals";

/**
 * DESIGN.md: "Auditors read everything and export evidence; they change nothing." Every mutating use
 * case refuses the auditor and writes nothing; and each use case that succeeds writes one audit event
 * per state change it makes, no more and no fewer.
 */

let db: DB;
const clock = testClock();
const auditor = () => as("auditor@countersign.test");
const engineer = () => as("engineer@countersign.test");
const ops = () => as("ops@countersign.test");
const admin = () => as("admin@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  if (testStore === "postgres") await countWrites();
});

/** engineer@ saves a draft of a small change to refund-assistant (not submitted). */
async function draft(title: string, now: number) {
  const spec = await productionSpec("refund-assistant");
  spec.traceRetentionDays += 1;
  return await proposeChange(await engineer(), { agent: "refund-assistant", title, spec, ...attested }, now);
}

/** An export as an OpenTelemetry SDK sends it, from an agent's production runtime answering with its approved model. */
async function productionExport(slug: string, decisions: Omit<Decision, "model">[]) {
  const { name, version } = (await productionSpec(slug)).model;
  const model = version ? `${name}-${version}` : name;
  const spans = recordSpans(
    { "deployment.environment.name": "production", "countersign.agent": slug },
    decisions.map((d) => ({ ...d, model })),
  );
  return decodeJsonExport(otlpJson(spans));
}

/**
 * Every row written since the file's tests began: unchanged means nothing was written, not even a write rolled back
 * later. SQLite counts them on its writing connection (total_changes()); on PostgreSQL a trigger on every table
 * counts them in a sequence, which no rollback winds back.
 */
const totalChanges = async () =>
  testStore === "postgres"
    ? (await rows<{ n: number }>(sql`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM test_rows_written`))[0]!.n
    : (sqliteConnection().sqlite.prepare("SELECT total_changes() AS n").get() as { n: number }).n;

async function countWrites() {
  await withTransaction(async (tx) => {
    await execute(sql`CREATE SEQUENCE test_rows_written`, tx);
    await execute(
      sql.raw(`CREATE FUNCTION test_count_row_written() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM nextval('test_rows_written'); RETURN NULL; END $$`),
      tx,
    );
    const tables = await rows<{ name: string }>(sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`, tx);
    for (const { name } of tables)
      await execute(
        sql.raw(`CREATE TRIGGER test_count_rows_written AFTER INSERT OR UPDATE OR DELETE ON "${name}"
          FOR EACH ROW EXECUTE FUNCTION test_count_row_written()`),
        tx,
      );
  });
}
const auditCount = async () => (await first(db.select({ n: sql<number>`COUNT(*)` }).from(auditEvents)))!.n;

/**
 * The mutating use cases of lib/server, each called by the auditor with a request that the right
 * person could make. markNotificationsRead is not among them: it marks the caller's own in-app
 * notifications read — personal inbox state, not the governed record, and never audited — so an
 * auditor may clear their bell (checked below).
 */
async function auditorAttempts(): Promise<Record<string, () => unknown>> {
  const inReview = await limitRaise(901, clock.next());
  const saved = await draft("Keep traces a day longer", clock.next());
  const ready = await limitRaise(902, clock.next());
  await approveAll(ready.id, clock);
  await promote(await as("engineer2@countersign.test"), ready.id, { environment: "development" }, clock.next());
  await promote(await as("engineer2@countersign.test"), ready.id, { environment: "staging" }, clock.next());
  await stagingEval("refund-assistant", ready.specHash!, clock.next());
  const incident = await openIncident(await ops(), { agent: "refund-assistant", severity: "sev3", title: "Reversals up" }, clock.next());
  const token = (await issueToken(await admin(), { name: "ci-auditor-test", scopes: ["read"] }, clock.next())).view;
  const retiring = await proposeChange(
    await engineer(),
    { agent: "postmortem-drafter", retire: true, title: "Retire", rationale: "Done by hand again", ...attested, submit: true },
    clock.next(),
  );
  await approveAll(retiring.id, clock);
  const drifted = await productionSpec("incident-triage-bot");
  drifted.model.version = "";
  const drift = (
    await recordObservation(
      await tokenWith(db, "auditor-test-observer", ["observe"]),
      "incident-triage-bot",
      { environment: "production", spec: drifted, source: "nightly export" },
      clock.next(),
    )
  ).drift!.id;
  const now = clock.next();
  // A forbidden call in production: taken from a runtime's token, it would record a breach and open an incident.
  const breaching = await productionExport("refund-assistant", [{ at: now - 1_000, tools: [{ tool: "stripe:customers.delete" }] }]);
  const a = await auditor();
  return {
    proposeChange: async () =>
      proposeChange(
        a,
        { agent: "refund-assistant", title: "Auditor's change", spec: await productionSpec("refund-assistant"), ...attested, submit: true },
        now,
      ),
    proposeFromSource: async () =>
      proposeFromSource(
        a,
        {
          agent: "refund-assistant",
          branch: saved.branch ?? "auditor-branch",
          title: "Auditor's branch",
          spec: await productionSpec("refund-assistant"),
        },
        now,
      ),
    editChange: async () => editChange(a, saved.id, { rationale: "Edited by the auditor" }, now),
    submitChange: async () => submitChange(a, saved.id, now),
    withdrawChange: async () => withdrawChange(a, inReview.id, { reason: "Withdrawn by the auditor" }, now),
    updateFromProduction: async () => updateFromProduction(a, inReview.id, {}, now),
    ...Object.fromEntries(
      SIGNER_ROLES.map((role) => [`signOff as ${role}`, async () => signOff(a, inReview.id, { role, decision: "approve" }, now)]),
    ),
    "signOff as auditor": async () => signOff(a, inReview.id, { role: "auditor", decision: "approve" }, now),
    "promote to development": async () => promote(a, inReview.id, { environment: "development" }, now),
    "promote to production": async () => promote(a, ready.id, { environment: "production" }, now),
    rollback: async () => rollback(a, "refund-assistant", { environment: "production", reason: "The auditor rolls back" }, now),
    releaseRetirement: async () => releaseRetirement(a, retiring.id, {}, now),
    recordEvalRun: async () =>
      recordEvalRun(
        a,
        { agent: "refund-assistant", specHash: inReview.specHash, environment: "staging", suite: "regression", passed: 10, failed: 0 },
        now,
      ),
    openIncident: async () => openIncident(a, { agent: "refund-assistant", severity: "sev2", title: "Opened by the auditor" }, now),
    updateIncident: async () => updateIncident(a, incident.id, { severity: "sev1" }, now),
    "updateIncident (resolve)": async () => updateIncident(a, incident.id, { resolution: "no_action" }, now),
    publishPolicy: async () => publishPolicy(a, DEFAULT_POLICY, now),
    issueToken: async () => issueToken(a, { name: "auditor-token", scopes: ["read"] }, now),
    revokeToken: async () => revokeToken(a, token.id, now),
    addPerson: async () => addPerson(a, { email: "auditor-added@example.com", name: "Added by the auditor", roles: ["auditor"] }, now),
    updatePerson: async () => updatePerson(a, "engineer@countersign.test", { roles: ["engineering", "admin"] }, now),
    issueResetLink: async () => issueResetLink(a, "engineer@countersign.test", now),
    registerAgent: async () =>
      registerAgent(
        a,
        {
          slug: "auditors-agent",
          name: "Auditor's agent",
          platform: "custom",
          workflow: "account-notes",
          engineeringOwner: "engineer@countersign.test",
          spec: await productionSpec("refund-assistant"),
          ...attested,
          submit: true,
        },
        now,
      ),
    createWorkflow: async () =>
      createWorkflow(a, { name: "Auditor's workflow", owner: "owner@countersign.test", riskClass: "low", riskReason: "read-only" }, now),
    updateWorkflow: async () => updateWorkflow(a, "refunds", { riskClass: "low", riskReason: "the auditor says so" }, now),
    updateAgentDetails: async () => updateAgentDetails(a, "refund-assistant", { workflow: "account-notes" }, now),
    recordObservation: async () =>
      recordObservation(
        a,
        "refund-assistant",
        { environment: "production", spec: await productionSpec("refund-assistant"), source: "the auditor" },
        now,
      ),
    resolveDrift: async () => resolveDrift(a, drift, { action: "restore", reason: "The auditor restored it" }, now),
    ingestTraces: async () => ingestTraces(a, breaching, now),
    recordSignals: async () =>
      recordSignals(a, { agent: "refund-assistant", environment: "production", metric: "refund_reversal_rate", value: 9 }, now),
    createWebhook: () =>
      createWebhook(a, { name: "Auditor's hook", url: "https://example.com/hook", format: "json", events: ["change.approved"] }, now),
    updateWebhook: () => updateWebhook(a, "any-webhook", { enabled: false }, now),
    rotateWebhookSecret: async () => rotateWebhookSecret(a, "any-webhook", now),
    deleteWebhook: async () => deleteWebhook(a, "any-webhook", now),
    redeliver: async () => redeliver(a, "any-delivery", now),
    sendTestEvent: async () => sendTestEvent(a, "any-webhook", now),
  };
}

const ATTEMPTS = [
  "proposeChange",
  "proposeFromSource",
  "editChange",
  "submitChange",
  "withdrawChange",
  "updateFromProduction",
  ...SIGNER_ROLES.map((role) => `signOff as ${role}`),
  "signOff as auditor",
  "promote to development",
  "promote to production",
  "rollback",
  "releaseRetirement",
  "recordEvalRun",
  "openIncident",
  "updateIncident",
  "updateIncident (resolve)",
  "publishPolicy",
  "issueToken",
  "revokeToken",
  "addPerson",
  "updatePerson",
  "issueResetLink",
  "registerAgent",
  "createWorkflow",
  "updateWorkflow",
  "updateAgentDetails",
  "recordObservation",
  "resolveDrift",
  "ingestTraces",
  "recordSignals",
  "createWebhook",
  "updateWebhook",
  "rotateWebhookSecret",
  "deleteWebhook",
  "redeliver",
  "sendTestEvent",
];

describe("the auditor changes nothing", () => {
  let attempts: Record<string, () => unknown>;
  beforeAll(async () => {
    attempts = await auditorAttempts();
    expect(Object.keys(attempts).sort()).toEqual([...ATTEMPTS].sort());
  });

  it.each(ATTEMPTS)("%s: refused as forbidden, nothing written", async (name) => {
    const [events, writes] = [await auditCount(), await totalChanges()];
    expect(await errorOf(attempts[name]!)).toMatchObject({ code: "forbidden" });
    expect(await auditCount()).toBe(events);
    expect(await totalChanges()).toBe(writes);
  });

  it("signing as an auditor is refused for the role itself, not because no such sign-off is asked", async () => {
    expect((await errorOf(attempts["signOff as auditor"]!)).message).toBe(
      "Only workflow owners, security, engineering, operations and compliance sign off changes",
    );
  });

  it("reading an agent's runtime evidence writes nothing", async () => {
    const [events, writes] = [await auditCount(), await totalChanges()];
    const view = await agentRuntime(await auditor(), "refund-assistant", { environment: "production" }, clock.next());
    expect({ agent: view.agent, environment: view.environment }).toEqual({ agent: "refund-assistant", environment: "production" });
    expect(await auditCount()).toBe(events);
    expect(await totalChanges()).toBe(writes);
  });

  it("marking their own notifications read writes no audit event and touches nobody else's", async () => {
    const unread = async (email: string) =>
      (await first(
        db
          .select({ n: sql<number>`COUNT(*)` })
          .from(notifications)
          .innerJoin(users, eq(users.id, notifications.userId))
          .where(and(isNull(notifications.readAt), eq(users.email, email))),
      ))!.n;
    // Nothing ever notifies an auditor today; one is planted so there is something to mark read.
    await withTransaction(async (tx) => {
      await tx
        .insert(notifications)
        .values({ id: "ntf_auditor", userId: "usr_auditor", kind: "change_approved", message: "planted", createdAt: clock.next() });
    });
    expect(await unread("auditor@countersign.test")).toBe(1);
    const others = await unread("security@countersign.test");
    expect(others).toBeGreaterThan(0);
    const events = await auditCount();
    await markNotificationsRead(await auditor(), clock.next());
    expect((await myNotifications(await auditor())).unread).toBe(0);
    expect(await unread("security@countersign.test")).toBe(others);
    expect(await auditCount()).toBe(events);
  });

  it("no mutating use case of lib/server is left out of this list", () => {
    // Every use case taking a caller, in a module that writes, is either a mutation tried above or a read.
    // Your own name and password are personal, like your notifications: an auditor may change theirs
    // (lib/server/account.test.ts), and each change is audited.
    const tried = new Set([
      ...ATTEMPTS.map((k) => k.split(" ")[0]!),
      "markNotificationsRead",
      "updateMyName",
      "changeMyPassword",
      "updateMyEmailPreferences",
    ]);
    const reads = new Set([
      "actorOf",
      "assertCanRead",
      "canManageTokens",
      "listTokens",
      "getChange",
      "listChanges",
      "previewChange",
      "canRecordEvals",
      "canHandleIncidents",
      "listIncidents",
      "getIncident",
      "incidentsOfChange",
      "myNotifications",
      "canDeploy",
      "releaseSteps",
      "canRollBack",
      "rollbackOptions",
      "mySignoffQueue",
      "mySignoffCounts",
      "changeTimeline",
      "rolesToDecide",
      "recentFailedLogins",
      "assertCanRollBack",
      "canManagePeople",
      "listPeople",
      "gettingStarted",
      "retirementStep",
      "canManageWorkflows",
      "listWorkflows",
      "getWorkflow",
      "workflowOwnerCandidates",
      "canEditAgentDetails",
      "getAgentDetails",
      "agentDetailsChoices",
      "lastProductionObservation",
      "listDrift",
      "getDrift",
      "driftOverview",
      "agentRuntime",
      "overdueRetroSignoffCount",
      "openRetroSignoffs",
      "canManageWebhooks",
      "listWebhooks",
      "getWebhook",
      "listDeliveries",
      "myEmailPreferences",
      "mailHealth",
      // Verifying the trail keeps the verifier's own verdict in settings: the record it checks is untouched.
      "auditChainStatusFor",
      "requestFullVerification",
    ]);
    const dir = path.join(process.cwd(), "lib/server");
    const unclassified = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .flatMap((f) => {
        const source = readFileSync(path.join(dir, f), "utf8");
        if (!/@\/db\/audit"|\.insert\(|\.update\(|\.delete\(/.test(source)) return [];
        return [...source.matchAll(/export (?:async )?function (\w+)\(\w+: Caller\b/g)].map((m) => m[1]!);
      })
      .filter((name) => !tried.has(name) && !reads.has(name));
    expect(unclassified).toEqual([]);
  });
});

describe("every use case writes exactly one audit event per state change", () => {
  /** Runs a use case and returns the events it appended, as "action entityType:entityId". */
  async function eventsOf(run: () => unknown): Promise<string[]> {
    const last = (await first(db.select({ seq: sql<number>`COALESCE(MAX(${auditEvents.seq}), 0)` }).from(auditEvents)))!.seq;
    await run();
    return (await db.select().from(auditEvents).where(gt(auditEvents.seq, last)).orderBy(asc(auditEvents.seq))).map(
      (e) => `${e.action} ${e.entityType}:${e.entityId}`,
    );
  }
  const times = (n: number, event: string) => Array.from({ length: n }, () => event);
  const dismissedOn = async (changeId: string) =>
    (
      await db
        .select()
        .from(signoffs)
        .where(and(eq(signoffs.changeRecordId, changeId), eq(signoffs.status, "dismissed")))
    ).length;

  it("a change's life: created, edited, submitted, signed, approved, promoted, evaluated, released, rolled back", async () => {
    let change!: ChangeRecordView;
    expect(await eventsOf(async () => (change = await draft("Keep traces two days longer", clock.next())))).toEqual([
      `change.created change_record:${change.id}`,
    ]);
    const d = `change_record:${change.id}`;
    expect(
      await eventsOf(async () => editChange(await engineer(), change.id, { rationale: "Traces help the incident review." }, clock.next())),
    ).toEqual([`change.edited ${d}`]);
    expect(await eventsOf(async () => submitChange(await engineer(), change.id, clock.next()))).toEqual([`change.submitted ${d}`]);
    let submitted!: ChangeRecordView;
    expect(await eventsOf(async () => (submitted = await limitRaise(905, clock.next())))).toEqual([
      `change.created change_record:${submitted.id}`,
      `change.submitted change_record:${submitted.id}`,
    ]);

    const raise = await limitRaise(910, clock.next());
    const r = `change_record:${raise.id}`;
    const roles = raise.signoffs.map((s) => s.role);
    expect(roles.length).toBeGreaterThan(1);
    const signers: Record<string, string> = {
      workflow_owner: "owner@countersign.test",
      security: "security@countersign.test",
      engineering: "engineer2@countersign.test",
      operations: "ops@countersign.test",
    };
    for (const role of roles.slice(0, -1))
      expect(await eventsOf(async () => signOff(await as(signers[role]!), raise.id, { role, decision: "approve" }, clock.next()))).toEqual([
        `signoff.approved ${r}`,
      ]);
    const lastRole = roles.at(-1)!;
    expect(
      await eventsOf(async () => signOff(await as(signers[lastRole]!), raise.id, { role: lastRole, decision: "approve" }, clock.next())),
    ).toEqual([`signoff.approved ${r}`, `change.approved ${r}`]);

    const engineer2 = await as("engineer2@countersign.test");
    let dev = "";
    expect(
      await eventsOf(async () => (dev = (await promote(engineer2, raise.id, { environment: "development" }, clock.next())).id)),
    ).toEqual([`deployment.promoted deployment:${dev}`]);
    let staged = "";
    expect(
      await eventsOf(async () => (staged = (await promote(engineer2, raise.id, { environment: "staging" }, clock.next())).id)),
    ).toEqual([`deployment.promoted deployment:${staged}`]);
    let evalId = "";
    expect(await eventsOf(async () => (evalId = (await stagingEval("refund-assistant", raise.specHash!, clock.next())).id))).toEqual([
      `eval.recorded eval_run:${evalId}`,
    ]);
    let released = "";
    expect(
      await eventsOf(async () => (released = (await promote(await ops(), raise.id, { environment: "production" }, clock.next())).id)),
    ).toEqual([`deployment.promoted deployment:${released}`, `change.released ${r}`]);

    // With no open incident to link, the rollback opens one.
    for (const open of (await listIncidents(await ops(), { agent: "refund-assistant", open: "true" })).items)
      await updateIncident(await ops(), open.id, { resolution: "no_action" }, clock.next());
    let result!: Awaited<ReturnType<typeof rollback>>;
    expect(
      await eventsOf(
        async () =>
          (result = await rollback(
            await ops(),
            "refund-assistant",
            { environment: "production", reason: "Reversals doubled" },
            clock.next(),
          )),
      ),
    ).toEqual([
      `deployment.rolled_back deployment:${result.deployment.id}`,
      `change.rolled_back ${r}`,
      `incident.opened incident:${result.incident!.id}`,
    ]);
  });

  it("a rollback that links the open incident records the link as an incident update", async () => {
    const change = await limitRaise(911, clock.next());
    await approveAll(change.id, clock);
    await releaseApproved(change.id, clock);
    const incident = await openIncident(
      await ops(),
      { agent: "refund-assistant", severity: "sev2", title: "Refunds issued twice" },
      clock.next(),
    );
    let result!: Awaited<ReturnType<typeof rollback>>;
    expect(
      await eventsOf(
        async () =>
          (result = await rollback(await ops(), "refund-assistant", { environment: "production", reason: "Double refunds" }, clock.next())),
      ),
    ).toEqual([
      `deployment.rolled_back deployment:${result.deployment.id}`,
      `change.rolled_back change_record:${change.id}`,
      `incident.updated incident:${incident.id}`,
    ]);
    expect(result.incident!.deploymentId).not.toBeNull();
  });

  it("dismissals: an edit in review, a withdrawal, a rejection and a request for changes dismiss each open sign-off with its own event", async () => {
    const edited = await limitRaise(920, clock.next());
    await signOff(await as("security@countersign.test"), edited.id, { role: "security", decision: "approve" }, clock.next());
    const e = `change_record:${edited.id}`;
    const asked = edited.signoffs.length;
    expect(await eventsOf(async () => editChange(await engineer(), edited.id, { rationale: "More context" }, clock.next()))).toEqual([
      ...times(asked, `signoff.dismissed ${e}`),
      `change.edited ${e}`,
    ]);
    expect(await dismissedOn(edited.id)).toBe(asked);

    const withdrawn = await limitRaise(921, clock.next());
    const w = `change_record:${withdrawn.id}`;
    expect(await eventsOf(async () => withdrawChange(await engineer(), withdrawn.id, { reason: "Superseded" }, clock.next()))).toEqual([
      ...times(asked, `signoff.dismissed ${w}`),
      `change.withdrawn ${w}`,
    ]);

    const rejected = await limitRaise(922, clock.next());
    const j = `change_record:${rejected.id}`;
    expect(
      await eventsOf(async () =>
        signOff(
          await as("security@countersign.test"),
          rejected.id,
          { role: "security", decision: "reject", comment: "Too broad" },
          clock.next(),
        ),
      ),
    ).toEqual([`signoff.rejected ${j}`, `change.rejected ${j}`, ...times(asked - 1, `signoff.dismissed ${j}`)]);

    const sentBack = await limitRaise(923, clock.next());
    const s = `change_record:${sentBack.id}`;
    expect(
      await eventsOf(async () =>
        signOff(
          await as("security@countersign.test"),
          sentBack.id,
          { role: "security", decision: "request_changes", comment: "Add a metric" },
          clock.next(),
        ),
      ),
    ).toEqual([`signoff.changes_requested ${s}`, `change.changes_requested ${s}`, ...times(asked - 1, `signoff.dismissed ${s}`)]);
  });

  it("an emergency release and its retro sign-off", async () => {
    const change = await limitRaise(930, clock.next(), { emergency: { justification: "Refunds fail for everyone." } });
    const c = `change_record:${change.id}`;
    await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
    let deployment = "";
    expect(
      await eventsOf(async () => (deployment = (await promote(await ops(), change.id, { environment: "production" }, clock.next())).id)),
    ).toEqual([`deployment.emergency deployment:${deployment}`, `change.released ${c}`]);
    const pending = (await getChange(await auditor(), change.id)).signoffs.filter((s) => s.status === "pending");
    const signers: Record<string, string> = {
      workflow_owner: "owner@countersign.test",
      engineering: "engineer2@countersign.test",
      operations: "ops@countersign.test",
    };
    for (const s of pending.slice(0, -1))
      expect(
        await eventsOf(async () => signOff(await as(signers[s.role]!), change.id, { role: s.role, decision: "approve" }, clock.next())),
      ).toEqual([`signoff.approved ${c}`]);
    const last = pending.at(-1)!;
    expect(
      await eventsOf(async () =>
        signOff(await as(signers[last.role]!), change.id, { role: last.role, decision: "approve" }, clock.next(HOUR)),
      ),
    ).toEqual([`signoff.approved ${c}`, `change.retro_signoff_completed ${c}`]);
  });

  it("incidents, the policy and API tokens", async () => {
    let incident = "";
    expect(
      await eventsOf(
        async () =>
          (incident = (
            await openIncident(await ops(), { agent: "refund-assistant", severity: "sev3", title: "Reversals up" }, clock.next())
          ).id),
      ),
    ).toEqual([`incident.opened incident:${incident}`]);
    const i = `incident:${incident}`;
    expect(await eventsOf(async () => updateIncident(await ops(), incident, { severity: "sev2" }, clock.next()))).toEqual([
      `incident.updated ${i}`,
    ]);
    expect(await eventsOf(async () => updateIncident(await ops(), incident, { severity: "sev2" }, clock.next()))).toEqual([]); // nothing changed, nothing recorded
    expect(
      await eventsOf(async () =>
        updateIncident(await ops(), incident, { title: "Reversals up 3%", resolution: "no_action" }, clock.next()),
      ),
    ).toEqual([`incident.updated ${i}`, `incident.resolved ${i}`]);

    const published = await eventsOf(async () => publishPolicy(await admin(), DEFAULT_POLICY, clock.next()));
    expect(published).toHaveLength(1);
    expect(published[0]).toMatch(/^policy\.published policy:/);

    let token = "";
    expect(
      await eventsOf(
        async () => (token = (await issueToken(await admin(), { name: "ci-events", scopes: ["read"] }, clock.next())).view.id),
      ),
    ).toEqual([`token.issued api_token:${token}`]);
    expect(await eventsOf(async () => revokeToken(await admin(), token, clock.next()))).toEqual([`token.revoked api_token:${token}`]);
  });

  it("people: added with an invitation, roles changed, disabled, enabled, a reset link issued", async () => {
    let id = "";
    expect(
      await eventsOf(
        async () =>
          (id = (await addPerson(await admin(), { email: "events@example.com", name: "Eve Ents", roles: ["leader"] }, clock.next())).person
            .id),
      ),
    ).toEqual([`person.created user:${id}`, `person.invited user:${id}`]);
    const u = `user:${id}`;
    expect(
      await eventsOf(async () => updatePerson(await admin(), "events@example.com", { roles: ["leader", "auditor"] }, clock.next())),
    ).toEqual([`person.roles_changed ${u}`]);
    expect(
      await eventsOf(async () => updatePerson(await admin(), "events@example.com", { roles: ["auditor", "leader"] }, clock.next())),
    ).toEqual([]);
    expect(await eventsOf(async () => updatePerson(await admin(), "events@example.com", { disabled: true }, clock.next()))).toEqual([
      `person.disabled ${u}`,
    ]);
    expect(
      await eventsOf(async () => updatePerson(await admin(), "events@example.com", { disabled: false, name: "Eve" }, clock.next())),
    ).toEqual([`person.name_changed ${u}`, `person.enabled ${u}`]);
    expect(await eventsOf(async () => issueResetLink(await admin(), "security@countersign.test", clock.next()))).toEqual([
      "person.reset_link_issued user:usr_security",
    ]);
  });

  it("workflows and agent details: one event per change made, one per change re-assessed", async () => {
    let slug = "";
    let id = "";
    const created = await eventsOf(async () => {
      const w = await createWorkflow(await admin(), {
        name: "Payouts",
        owner: "owner@countersign.test",
        riskClass: "critical",
        riskReason: "pays out",
      });
      [slug, id] = [w.slug, w.id];
    });
    expect(created).toEqual([`workflow.created workflow:${id}`]);
    expect(
      await eventsOf(async () =>
        updateWorkflow(await admin(), slug, { name: "Payouts EU", riskClass: "high", riskReason: "smaller sums" }),
      ),
    ).toEqual([`workflow.renamed workflow:${id}`, `workflow.risk_class_changed workflow:${id}`]);
    // meeting-brief-writer, with one change in review on it, moves up to the high-class workflow.
    const spec = await productionSpec("meeting-brief-writer");
    spec.traceRetentionDays += 2;
    const change = await proposeChange(
      await engineer(),
      { agent: "meeting-brief-writer", title: "Keep briefs' traces longer", spec, ...attested, submit: true },
      clock.next(),
    );
    const events = await eventsOf(async () => updateAgentDetails(await admin(), "meeting-brief-writer", { workflow: slug }, clock.next()));
    expect(events[0]).toMatch(/^agent\.updated agent:/);
    expect(events).toContain(`change.reassessed change_record:${change.id}`);
  });

  it("runtime evidence: a new breach is one event and the incident it opens another; a repeat that day adds to it without one", async () => {
    const slug = "meeting-brief-writer";
    for (const open of (await listIncidents(await ops(), { agent: slug, open: "true" })).items)
      await updateIncident(await ops(), open.id, { resolution: "no_action" }, clock.next());
    const exporter = await tokenWith(db, "auditor-test-exporter", ["evidence:write"]);
    const at = clock.next();
    const purge = [{ tool: "admin:records.purge_all" }];
    const events = await eventsOf(async () => ingestTraces(exporter, await productionExport(slug, [{ at, tools: purge }]), clock.next()));
    const breach = (await first(db.select().from(breaches).where(eq(breaches.subject, "admin:records.purge_all"))))!;
    expect(breach).toMatchObject({ kind: "ungranted_action", occurrences: 1, incidentId: expect.any(String) });
    expect(events).toEqual([`incident.opened incident:${breach.incidentId}`, `breach.recorded breach:${breach.id}`]);
    // The same call later that day: one more occurrence of the same breach, not a new state to record.
    expect(
      await eventsOf(async () => ingestTraces(exporter, await productionExport(slug, [{ at: at + 1_000, tools: purge }]), clock.next())),
    ).toEqual([]);
    expect((await first(db.select().from(breaches).where(eq(breaches.id, breach.id))))!.occurrences).toBe(2);
  });

  it("a whole release, development to production, one event per step", async () => {
    const change = await limitRaise(940, clock.next());
    await approveAll(change.id, clock);
    const events = await eventsOf(async () => releaseApproved(change.id, clock));
    expect(events.map((e) => e.split(" ")[0])).toEqual([
      "deployment.promoted",
      "deployment.promoted",
      "eval.recorded",
      "deployment.promoted",
      "change.released",
    ]);
  });
});
