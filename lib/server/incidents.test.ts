import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { agents, auditEvents } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, HOUR, releaseApproved, retentionChange, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import type { Caller } from "./caller";
import { currentDeployment } from "./deployments";
import { recordEvalRun } from "./evals";
import { getIncident, incidentsOfChange, listIncidents, openIncident, parseIncidentFilters, updateIncident } from "./incidents";
import { evalRunsFor, getAgentRecord } from "./registry";

let db: DB;
const clock = testClock();
const ops = () => as("ops@countersign.test");
const reader = () => as("auditor@countersign.test");
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  db = await seedDemoEstate();
});

const productionHash = async (slug: string) => (await getAgentRecord(await reader(), slug)).environments.production!.specHash;
const eventsOf = async (entityId: string, action: string) =>
  await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.entityId, entityId), eq(auditEvents.action, action)));

describe("recording eval runs", () => {
  const run = (specHash: string, extra: Record<string, unknown> = {}) => ({
    agent: "refund-assistant",
    specHash,
    environment: "staging",
    suite: "refund-policy",
    passed: 48,
    failed: 2,
    regressions: 1,
    reportUrl: "https://ci.example.com/evals/812",
    ...extra,
  });

  it("by a person: stored against the version of that spec, with the person in the audit trail", async () => {
    const hash = await productionHash("refund-assistant");
    const record = await getAgentRecord(await reader(), "refund-assistant");
    const at = clock.next();
    const recorded = await recordEvalRun(await as("engineer2@countersign.test"), run(hash), at);
    expect(recorded).toMatchObject({
      agent: "refund-assistant",
      specHash: hash,
      version: record.environments.production!.version,
      environment: "staging",
      suite: "refund-policy",
      passed: 48,
      failed: 2,
      regressions: 1,
      recordedAt: at,
      recordedBy: "engineer2@countersign.test",
    });
    expect(recorded.changeNumber).toBe(record.environments.production!.approvedBy.changeNumber);
    expect(await eventsOf(recorded.id, "eval.recorded")).toMatchObject([
      {
        at,
        actorType: "user",
        actorId: "usr_engineer2",
        actorLabel: "engineer2@countersign.test",
        payload: { agent: "refund-assistant", specHash: hash, environment: "staging", passed: 48, failed: 2, regressions: 1 },
      },
    ]);
    expect((await evalRunsFor(await reader(), "refund-assistant", hash))[0]).toMatchObject({ suite: "refund-policy", recordedAt: at });
  });

  it("by a CI token with evals:write: the token is the recorder; without the scope it is refused, as are leaders and auditors", async () => {
    const ci = await tokenWith(db, "ci-evals", ["evals:write"]);
    const recorded = await recordEvalRun(ci, run(await productionHash("refund-assistant")), clock.next());
    expect(recorded.recordedBy).toBe("token:ci-evals");
    expect((await eventsOf(recorded.id, "eval.recorded"))[0]).toMatchObject({
      actorType: "token",
      actorId: "tok_ci-evals",
      actorLabel: "token:ci-evals",
    });

    const readOnly = await tokenWith(db, "ci-read", ["read", "deploy", "changes:write"]);
    expect(
      await errorOf(async () => await recordEvalRun(readOnly, run(await productionHash("refund-assistant")), clock.next())),
    ).toMatchObject({
      code: "forbidden",
      message: 'Token "ci-read" lacks the evals:write scope',
    });
    for (const email of ["leader@countersign.test", "auditor@countersign.test", "owner@countersign.test"]) {
      expect(
        (await errorOf(async () => await recordEvalRun(await as(email), run(await productionHash("refund-assistant")), clock.next()))).code,
      ).toBe("forbidden");
    }
  });

  it("refuses a spec hash no version of the agent has, naming the field, and stores nothing", async () => {
    const unknown = "0".repeat(64);
    const before = (await evalRunsFor(await reader(), "refund-assistant", unknown)).length;
    const error = await errorOf(async () => await recordEvalRun(await ops(), run(unknown), clock.next()));
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors!.specHash![0]).toMatch(/^refund-assistant has no version with spec hash 000000000000…/);
    // Another agent's spec is not this agent's either.
    expect(
      (await errorOf(async () => await recordEvalRun(await ops(), run(await productionHash("chargeback-responder")), clock.next()))).details
        .fieldErrors!.specHash,
    ).toBeDefined();
    expect(await evalRunsFor(await reader(), "refund-assistant", unknown)).toHaveLength(before);
  });

  it("validates the run itself: hash format, at least one case, regressions within failures, a change that proposes the spec", async () => {
    const hash = await productionHash("refund-assistant");
    expect((await errorOf(async () => await recordEvalRun(await ops(), run("abc123")))).details.fieldErrors!.specHash).toEqual([
      "specHash must be a SHA-256 hex digest (64 characters)",
    ]);
    expect(
      Object.keys(
        (await errorOf(async () => await recordEvalRun(await ops(), run(hash, { passed: 0, failed: 0, regressions: 0 })))).details
          .fieldErrors!,
      ),
    ).toEqual(["passed"]);
    expect(
      Object.keys(
        (await errorOf(async () => await recordEvalRun(await ops(), run(hash, { failed: 1, regressions: 2 })))).details.fieldErrors!,
      ),
    ).toEqual(["regressions"]);
    expect((await errorOf(async () => await recordEvalRun(await ops(), run(hash, { agent: "nope" })))).details.fieldErrors!.agent).toEqual([
      'No agent with slug "nope"',
    ]);
    const other = await retentionChange("refund-assistant", 3, clock.next());
    expect(
      (await errorOf(async () => await recordEvalRun(await ops(), run(hash, { change: other.label }), clock.next()))).details.fieldErrors!
        .specHash,
    ).toEqual([`${other.label} does not propose spec ${hash.slice(0, 12)}…`]);
    expect(await recordEvalRun(await ops(), run(other.specHash!, { change: other.label }), clock.next())).toMatchObject({
      changeNumber: other.number,
      version: other.headVersion,
    });
  });
});

describe("incidents", () => {
  it("are opened with a severity, a title and when they were detected — never in the future", async () => {
    const now = clock.next();
    const opened = await openIncident(
      await ops(),
      { agent: "refund-assistant", severity: "sev2", title: "Duplicate refunds on split orders", detectedAt: iso(now - 2 * HOUR) },
      now,
    );
    expect(opened).toMatchObject({
      agent: "refund-assistant",
      agentName: "Refund Assistant",
      severity: "sev2",
      title: "Duplicate refunds on split orders",
      detectedAt: now - 2 * HOUR,
      resolvedAt: null,
      resolution: null,
      deploymentId: null,
      openedBy: "ops@countersign.test",
    });
    expect(await eventsOf(opened.id, "incident.opened")).toMatchObject([
      { at: now, actorLabel: "ops@countersign.test", payload: { agent: "refund-assistant", severity: "sev2" } },
    ]);
    expect(
      (await openIncident(await ops(), { agent: "refund-assistant", severity: "sev4", title: "Slow replies" }, clock.peek())).detectedAt,
    ).toBe(clock.peek());

    const future = await errorOf(
      async () =>
        await openIncident(
          await ops(),
          { agent: "refund-assistant", severity: "sev3", title: "Not yet", detectedAt: iso(now + HOUR) },
          now,
        ),
    );
    expect(future).toMatchObject({
      code: "validation_failed",
      details: { fieldErrors: { detectedAt: ["An incident cannot be detected in the future"] } },
    });
    const bad = await errorOf(
      async () =>
        await openIncident(await ops(), { agent: "refund-assistant", severity: "sev9", title: " ", detectedAt: "yesterday" }, now),
    );
    expect(Object.keys(bad.details.fieldErrors!).sort()).toEqual(["detectedAt", "severity", "title"]);
    expect(
      (await errorOf(async () => await openIncident(await ops(), { agent: "ghost", severity: "sev3", title: "x" }, now))).details
        .fieldErrors!.agent,
    ).toEqual(['No agent with slug "ghost"']);
  });

  it("may name the suspected deployment, which must be one of the agent's", async () => {
    const agentId = (await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, "refund-assistant"))))!.id;
    const deployment = (await currentDeployment(db, agentId, "production"))!.deployment;
    const opened = await openIncident(
      await ops(),
      { agent: "refund-assistant", deploymentId: deployment.id, severity: "sev1", title: "Refunds above the limit" },
      clock.next(),
    );
    expect(opened.deployment).toMatchObject({
      environment: "production",
      version: (await getAgentRecord(await reader(), "refund-assistant")).environments.production!.version,
    });
    expect(
      (
        await errorOf(
          async () =>
            await openIncident(
              await ops(),
              { agent: "chargeback-responder", deploymentId: deployment.id, severity: "sev3", title: "x" },
              clock.next(),
            ),
        )
      ).details.fieldErrors!.deploymentId,
    ).toBeDefined();
  });

  it("are listed open first, filtered by agent, open or resolved, and severity", async () => {
    const slug = "store-credit-issuer";
    const a = await openIncident(await ops(), { agent: slug, severity: "sev3", title: "Credits issued twice" }, clock.next());
    const b = await openIncident(await ops(), { agent: slug, severity: "sev2", title: "Credits not issued" }, clock.next());
    await updateIncident(await ops(), a.id, { resolution: "no_action" }, clock.next());
    const all = await listIncidents(await reader(), parseIncidentFilters({ agent: slug, pageSize: "500" }));
    expect(all.items.every((i) => i.agent === slug)).toBe(true);
    expect(all.items.map((i) => i.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    const firstResolved = all.items.findIndex((i) => i.resolvedAt !== null);
    expect(all.items.slice(firstResolved).every((i) => i.resolvedAt !== null)).toBe(true);

    const open = await listIncidents(await reader(), parseIncidentFilters({ agent: slug, open: "true" }));
    expect(open.items.map((i) => i.id)).toEqual([b.id]);
    const resolved = await listIncidents(await reader(), parseIncidentFilters({ agent: slug, open: "false", pageSize: "500" }));
    expect(resolved.items.map((i) => i.id)).toContain(a.id);
    expect(resolved.total).toBe(all.total - 1);
    expect(
      (await listIncidents(await reader(), parseIncidentFilters({ open: "1", severity: "sev2" }))).items.every(
        (i) => i.severity === "sev2" && i.resolvedAt === null,
      ),
    ).toBe(true);
    expect(() => parseIncidentFilters({ open: "maybe" })).toThrow(/open must be "true" or "false"/);
  });

  it("are edited and resolved once, with a resolution; resolving again is a conflict", async () => {
    const now = clock.next();
    const opened = await openIncident(
      await ops(),
      { agent: "incident-triage-bot", severity: "sev3", title: "Pages for sev4 alerts", detectedAt: iso(now - HOUR) },
      now,
    );
    const edited = await updateIncident(
      await as("engineer@countersign.test"),
      opened.id,
      { severity: "sev2", title: "Pages on-call for sev4 alerts" },
      clock.next(),
    );
    expect(edited).toMatchObject({ severity: "sev2", title: "Pages on-call for sev4 alerts", resolvedAt: null });
    expect((await eventsOf(opened.id, "incident.updated"))[0]!.payload).toEqual({
      before: { severity: "sev3", title: "Pages for sev4 alerts" },
      after: { severity: "sev2", title: "Pages on-call for sev4 alerts" },
    });

    expect(
      (await errorOf(async () => await updateIncident(await ops(), opened.id, { resolvedAt: iso(now) }, clock.next()))).details.fieldErrors!
        .resolution,
    ).toEqual(["Choose how the incident was resolved"]);
    expect(
      (
        await errorOf(
          async () =>
            await updateIncident(await ops(), opened.id, { resolution: "rollback", resolvedAt: iso(now - 2 * HOUR) }, clock.next()),
        )
      ).details.fieldErrors!.resolvedAt,
    ).toEqual(["An incident cannot be resolved before it was detected"]);
    const at = clock.next();
    expect(
      (await errorOf(async () => await updateIncident(await ops(), opened.id, { resolution: "rollback", resolvedAt: iso(at + HOUR) }, at)))
        .details.fieldErrors!.resolvedAt,
    ).toEqual(["An incident cannot be resolved in the future"]);
    const resolved = await updateIncident(await ops(), opened.id, { resolution: "permission_revoked" }, at);
    expect(resolved).toMatchObject({ resolvedAt: at, resolution: "permission_revoked" });
    expect(await eventsOf(opened.id, "incident.resolved")).toMatchObject([
      { at, payload: { resolution: "permission_revoked", resolvedAt: at } },
    ]);

    const again = await errorOf(async () => await updateIncident(await ops(), opened.id, { resolution: "no_action" }, clock.next()));
    expect(again).toMatchObject({ code: "conflict", message: "This incident was already resolved (permission revoked)" });
    expect((await getIncident(await reader(), opened.id)).resolution).toBe("permission_revoked");
  });

  it("resolved by fixing forward name the fix, a change of the same agent; the change then lists the incident", async () => {
    const opened = await openIncident(
      await ops(),
      { agent: "alert-deduplicator", severity: "sev2", title: "Customer-facing alerts grouped away" },
      clock.next(),
    );
    expect(
      await errorOf(async () => await updateIncident(await ops(), opened.id, { resolution: "fix_forward" }, clock.next())),
    ).toMatchObject({
      code: "validation_failed",
      details: { fieldErrors: { fixChange: ["Name the change record that fixed it forward"] } },
    });
    const elsewhere = await retentionChange("refund-assistant", 2, clock.next());
    expect(
      (
        await errorOf(
          async () => await updateIncident(await ops(), opened.id, { resolution: "fix_forward", fixChange: elsewhere.label }, clock.next()),
        )
      ).details.fieldErrors!.fixChange,
    ).toEqual([`${elsewhere.label} changes another agent`]);
    const fix = await retentionChange("alert-deduplicator", 2, clock.next());
    await approveAll(fix.id, clock);
    await releaseApproved(fix.id, clock);
    const resolved = await updateIncident(await ops(), opened.id, { resolution: "fix_forward", fixChange: fix.label }, clock.next());
    expect(resolved).toMatchObject({ resolution: "fix_forward", fixChangeNumber: fix.number });
    expect((await incidentsOfChange(await reader(), fix.id)).map((i) => i.id)).toEqual([opened.id]);
  });

  it("are handled by the people who run agents and deploy tokens; auditors and leaders only read", async () => {
    const opened = await openIncident(
      await as("owner@countersign.test"),
      { agent: "refund-assistant", severity: "sev4", title: "Tone too curt" },
      clock.next(),
    );
    const readers: Caller[] = [
      await as("auditor@countersign.test"),
      await as("leader@countersign.test"),
      await tokenWith(db, "evals-only", ["read", "evals:write"]),
    ];
    for (const caller of readers) {
      expect(
        (await errorOf(async () => await openIncident(caller, { agent: "refund-assistant", severity: "sev4", title: "x" }, clock.next())))
          .code,
      ).toBe("forbidden");
      expect((await errorOf(async () => await updateIncident(caller, opened.id, { resolution: "no_action" }, clock.next()))).code).toBe(
        "forbidden",
      );
    }
    expect(
      (await listIncidents(await as("auditor@countersign.test"), { agent: "refund-assistant", open: "true" })).items.map((i) => i.id),
    ).toContain(opened.id);
    const pager = await tokenWith(db, "pager", ["read", "deploy"]);
    expect(
      (await openIncident(pager, { agent: "refund-assistant", severity: "sev3", title: "Error rate alert" }, clock.next())).openedBy,
    ).toBe("token:pager");
    expect((await errorOf(async () => await getIncident(await reader(), "no-such-incident"))).code).toBe("not_found");
  });
});
