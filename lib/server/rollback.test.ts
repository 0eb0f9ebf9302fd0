import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { agents, agentVersions, auditEvents, changeRecords, deployments, incidents } from "@/db/schema";
import { specHash } from "@/lib/domain/spec";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import {
  approveAll,
  as,
  DAY,
  HOUR,
  limitRaise,
  productionSpec,
  releaseApproved,
  retentionChange,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { editChange, getChange } from "./changes";
import { listDeployments } from "./deployments";
import { getIncident, listIncidents, openIncident, updateIncident } from "./incidents";
import { promote } from "./promotion";
import { agentAsOf, getAgentRecord } from "./registry";
import { rollback, rollbackOptions } from "./rollback";

let db: DB;
const clock = testClock();
const ops = () => as("ops@countersign.test");
const reader = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

const incidentCount = async (slug: string) => (await listIncidents(await reader(), { agent: slug })).total;
const productionVersion = async (slug: string, at?: number) =>
  (at === undefined ? await getAgentRecord(await reader(), slug) : await agentAsOf(await reader(), slug, at)).environments.production!
    .version;

/** A new version of the agent, reviewed and released to production; returns the change and its deployment. */
async function releaseNew(slug: string) {
  const change = await retentionChange(slug, 7, clock.next());
  await approveAll(change.id, clock);
  return { change, deployment: await releaseApproved(change.id, clock) };
}

describe("rolling back production", () => {
  it("restores the previous approved version; 'as of' shows the new one just before and the old one from then on", async () => {
    const previous = await productionVersion("refund-assistant");
    const change = await limitRaise(600, clock.next());
    await approveAll(change.id, clock);
    const released = await releaseApproved(change.id, clock);
    const t1 = released.deployedAt;
    expect(
      (await rollbackOptions(await ops(), "refund-assistant")).options.find((o) => o.environment === "production")!.plan,
    ).toMatchObject({
      current: { versionNumber: change.headVersion },
      target: { versionNumber: previous },
    });

    const t2 = t1 + 3 * HOUR;
    const result = await rollback(
      await ops(),
      "refund-assistant",
      { environment: "production", reason: "Refund reversals doubled overnight", severity: "sev2" },
      t2,
    );
    expect(result.deployment).toMatchObject({
      environment: "production",
      kind: "rollback",
      version: previous,
      replacedVersion: change.headVersion,
      deployedAt: t2,
      deployedBy: "ops@countersign.test",
      changeNumber: null,
      reason: "Refund reversals doubled overnight",
    });
    expect(result.rolledBackChange).toBe(change.label);
    expect(await getChange(await reader(), change.id)).toMatchObject({ state: "rolled_back", closedAt: t2 });

    expect(await productionVersion("refund-assistant", t1 - 1)).toBe(previous);
    expect(await productionVersion("refund-assistant", t1)).toBe(change.headVersion);
    expect(await productionVersion("refund-assistant", t2 - 1)).toBe(change.headVersion);
    expect(await productionVersion("refund-assistant", t2)).toBe(previous);
    expect(await productionVersion("refund-assistant", t2 + 30 * DAY)).toBe(previous);
    expect((await agentAsOf(await reader(), "refund-assistant", t2)).environments.production).toMatchObject({
      kind: "rollback",
      reason: "Refund reversals doubled overnight",
    });
    expect(await productionVersion("refund-assistant")).toBe(previous);

    // An incident is opened on the bad deployment, and the whole rollback is one audited step.
    expect(result.incident).toMatchObject({
      agent: "refund-assistant",
      deploymentId: released.id,
      deployment: { environment: "production", version: change.headVersion, changeNumber: change.number },
      severity: "sev2",
      detectedAt: t2,
      resolvedAt: null,
      openedBy: "ops@countersign.test",
    });
    expect(result.incident!.title).toContain("Refund reversals doubled overnight");
    const events = await db.select().from(auditEvents).where(eq(auditEvents.at, t2)).orderBy(asc(auditEvents.seq));
    expect(events.map((e) => [e.action, e.entityId])).toEqual([
      ["deployment.rolled_back", result.deployment.id],
      ["change.rolled_back", change.id],
      ["incident.opened", result.incident!.id],
    ]);

    // The rolled-back change cannot go back out.
    const refused = await errorOf(async () => promote(await ops(), change.id, { environment: "production" }, clock.next()));
    expect(refused.code).toBe("gate_failed");
    expect(refused.message).toContain(`${change.label} is rolled back`);
  });

  it("a second rollback walks further back and never restores the rolled-back version", async () => {
    const [current, earlier, older] = (await listDeployments(await reader(), { agent: "gdpr-request-handler", environment: "production" }))
      .items;
    const incidentsBefore = await incidentCount("gdpr-request-handler");
    const { change, deployment } = await releaseNew("gdpr-request-handler");
    const first = await rollback(
      await ops(),
      "gdpr-request-handler",
      { environment: "production", reason: "Erasure requests stalled" },
      clock.next(),
    );
    expect(first.deployment.version).toBe(current!.version);
    const second = await rollback(
      await ops(),
      "gdpr-request-handler",
      { environment: "production", reason: "Still stalled on the previous version", incident: first.incident!.id },
      clock.next(),
    );
    expect(second.deployment).toMatchObject({ version: earlier!.version, replacedVersion: current!.version });
    // The version it replaced is rolled back too; the named incident is the one linked, not a new one.
    expect(second.rolledBackChange).toBe(`CR-${current!.changeNumber}`);
    expect(second.incident).toMatchObject({ id: first.incident!.id, deploymentId: deployment.id });
    expect(await incidentCount("gdpr-request-handler")).toBe(incidentsBefore + 1);
    const third = await rollback(await ops(), "gdpr-request-handler", { environment: "production", reason: "Back further" }, clock.next());
    expect(third.deployment.version).toBe(older!.version);
    expect(
      (await listDeployments(await reader(), { agent: "gdpr-request-handler", environment: "production" })).items
        .filter((d) => d.kind === "rollback")
        .map((d) => d.version),
    ).not.toContain(change.headVersion);
  });

  it("links an open incident of the agent that is not yet tied to a deployment, instead of opening another", async () => {
    const { deployment } = await releaseNew("ticket-escalation-router");
    const incidentsBefore = await incidentCount("ticket-escalation-router");
    const opened = await openIncident(
      await as("owner2@countersign.test"),
      { agent: "ticket-escalation-router", severity: "sev1", title: "Escalations land in the wrong queue" },
      clock.next(),
    );
    expect(opened.deploymentId).toBeNull();
    const at = clock.next();
    const result = await rollback(
      await ops(),
      "ticket-escalation-router",
      { environment: "production", reason: "Wrong queue", severity: "sev3" },
      at,
    );
    expect(result.incident).toMatchObject({
      id: opened.id,
      deploymentId: deployment.id,
      severity: "sev1",
      title: "Escalations land in the wrong queue",
    });
    expect(await incidentCount("ticket-escalation-router")).toBe(incidentsBefore + 1);
    const linked = (await first(
      db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, opened.id), eq(auditEvents.action, "incident.updated"))),
    ))!;
    expect(linked).toMatchObject({
      at,
      actorLabel: "ops@countersign.test",
      payload: { before: { deploymentId: null }, after: { deploymentId: deployment.id } },
    });
  });

  it("links the open incident already raised on the bad deployment", async () => {
    const { deployment } = await releaseNew("meeting-brief-writer");
    const incidentsBefore = await incidentCount("meeting-brief-writer");
    const opened = await openIncident(
      await ops(),
      { agent: "meeting-brief-writer", deploymentId: deployment.id, severity: "sev2", title: "Briefs cite the wrong account" },
      clock.next(),
    );
    const result = await rollback(
      await ops(),
      "meeting-brief-writer",
      { environment: "production", reason: "Wrong account cited" },
      clock.next(),
    );
    expect(result.incident!.id).toBe(opened.id);
    expect(await incidentCount("meeting-brief-writer")).toBe(incidentsBefore + 1);
    expect((await getIncident(await reader(), opened.id)).deploymentId).toBe(deployment.id);
  });
});

describe("rollbacks after a review", () => {
  it("a rollback made by someone else meanwhile is a conflict, not a second rollback", async () => {
    const { change } = await releaseNew("sla-breach-watcher");
    const seen = await productionVersion("sla-breach-watcher");
    expect(seen).toBe(change.headVersion);
    await rollback(
      await ops(),
      "sla-breach-watcher",
      { environment: "production", reason: "First on call", expectedVersion: seen },
      clock.next(),
    );
    const second = await errorOf(async () =>
      rollback(
        await ops(),
        "sla-breach-watcher",
        { environment: "production", reason: "Second on call, same alert", expectedVersion: seen },
        clock.next(),
      ),
    );
    expect(second).toMatchObject({ code: "conflict" });
    expect(second.message).toMatch(new RegExp(`not v${seen}: someone changed it meanwhile`));
  });

  it("does not pull in an old unlinked incident detected before the bad release, and refuses a named resolved one", async () => {
    const old = await openIncident(await ops(), { agent: "postmortem-drafter", severity: "sev4", title: "Old typo report" }, clock.next());
    const { deployment } = await releaseNew("postmortem-drafter");
    const resolvedElsewhere = await openIncident(
      await ops(),
      { agent: "postmortem-drafter", severity: "sev3", title: "Already handled" },
      clock.next(),
    );
    await updateIncident(await ops(), resolvedElsewhere.id, { resolution: "no_action" }, clock.next());
    expect(
      (
        await errorOf(async () =>
          rollback(
            await ops(),
            "postmortem-drafter",
            { environment: "production", reason: "Bad drafts", incident: resolvedElsewhere.id },
            clock.next(),
          ),
        )
      ).details.fieldErrors,
    ).toEqual({ incident: ["This incident is already resolved"] });
    const result = await rollback(await ops(), "postmortem-drafter", { environment: "production", reason: "Bad drafts" }, clock.next());
    expect(result.incident!.id).not.toBe(old.id);
    expect(result.incident!.deploymentId).toBe(deployment.id);
    expect((await getIncident(await reader(), old.id)).deploymentId).toBeNull();
  });
});

describe("rolling back staging", () => {
  it("never restores a version its change was never approved on (the one replaced by an edit in review)", async () => {
    const before = (await getAgentRecord(await reader(), "onboarding-concierge")).environments.staging!.version;
    const engineer2 = await as("engineer2@countersign.test");
    const change = await retentionChange("onboarding-concierge", 5, clock.next());
    await promote(engineer2, change.id, { environment: "development" }, clock.next());
    await promote(engineer2, change.id, { environment: "staging" }, clock.next());
    const spec = await productionSpec("onboarding-concierge");
    spec.traceRetentionDays += 8;
    const edited = await editChange(
      await as("engineer@countersign.test"),
      change.id,
      { spec: spec as unknown as Record<string, unknown> },
      clock.next(),
    );
    expect(edited.headVersion).not.toBe(change.headVersion);
    await approveAll(change.id, clock);
    await promote(engineer2, change.id, { environment: "development" }, clock.next());
    await promote(engineer2, change.id, { environment: "staging" }, clock.next());
    const result = await rollback(
      await ops(),
      "onboarding-concierge",
      { environment: "staging", reason: "Staging traces fill the disk" },
      clock.next(),
    );
    expect(result.deployment).toMatchObject({ version: before, replacedVersion: edited.headVersion });
  });
});

describe("what a rollback needs", () => {
  it("a reason: without one it is a validation error on the reason field", async () => {
    for (const input of [{ environment: "production" }, { environment: "production", reason: "  " }]) {
      const error = await errorOf(async () => rollback(await ops(), "refund-assistant", input, clock.next()));
      expect(error.code).toBe("validation_failed");
      expect(error.details.fieldErrors!.reason).toEqual(["Say why you roll back"]);
    }
    expect(
      (await errorOf(async () => rollback(await ops(), "refund-assistant", { environment: "prod", reason: "Broken" }))).details.fieldErrors!
        .environment,
    ).toBeDefined();
    expect((await errorOf(async () => rollback(await ops(), "no-such-agent", { environment: "production", reason: "Broken" }))).code).toBe(
      "not_found",
    );
  });

  it("the rollback owner or operations; a workflow owner, engineer, leader or auditor who is not the owner is refused; a token needs deploy", async () => {
    await withTransaction(async (tx) => {
      await tx.update(agents).set({ rollbackOwnerId: "usr_engineer2" }).where(eq(agents.slug, "call-notes-digest"));
    });
    for (const email of [
      "owner@countersign.test",
      "owner2@countersign.test",
      "engineer@countersign.test",
      "leader@countersign.test",
      "auditor@countersign.test",
    ]) {
      expect((await rollbackOptions(await as(email), "call-notes-digest")).allowed).toBe(false);
      expect(
        await errorOf(async () => rollback(await as(email), "call-notes-digest", { environment: "staging", reason: "Bad" }, clock.next())),
      ).toMatchObject({ code: "forbidden", message: "Only the rollback owner of Call Notes Digest or operations can roll it back" });
    }
    const noDeploy = await tokenWith(db, "ci-read", ["read", "evals:write"]);
    expect(
      await errorOf(() => rollback(noDeploy, "call-notes-digest", { environment: "staging", reason: "Bad" }, clock.next())),
    ).toMatchObject({
      code: "forbidden",
      message: 'Token "ci-read" lacks the deploy scope',
    });

    // The rollback owner (engineering, not operations) rolls staging back: no change is marked, no incident opened.
    expect((await rollbackOptions(await as("engineer2@countersign.test"), "call-notes-digest")).allowed).toBe(true);
    const stagingBefore = (await getAgentRecord(await reader(), "call-notes-digest")).environments.staging!;
    const staging = await rollback(
      await as("engineer2@countersign.test"),
      "call-notes-digest",
      { environment: "staging", reason: "Eval flakes in staging" },
      clock.next(),
    );
    expect(staging).toMatchObject({
      rolledBackChange: null,
      incident: null,
      deployment: { kind: "rollback", replacedVersion: stagingBefore.version, deployedBy: "engineer2@countersign.test" },
    });
    expect((await getChange(await reader(), String(stagingBefore.changeNumber))).state).toBe("approved");

    expect(
      (await rollback(await ops(), "call-notes-digest", { environment: "development", reason: "Dev is broken" }, clock.next())).deployment
        .deployedBy,
    ).toBe("ops@countersign.test");
    const deployer = await tokenWith(db, "pager", ["read", "deploy"]);
    const byToken = await rollback(
      deployer,
      "call-notes-digest",
      { environment: "production", reason: "Pager alert: digests empty" },
      clock.next(),
    );
    expect(byToken.deployment.deployedBy).toBe("token:pager");
    expect(byToken.incident!.openedBy).toBe("token:pager");
    expect(await first(db.select().from(auditEvents).where(eq(auditEvents.entityId, byToken.deployment.id)))).toMatchObject({
      actorType: "token",
      actorLabel: "token:pager",
    });
  });

  it("an earlier approved version: with none, it is a conflict; an unapproved version is never a target", async () => {
    const base = await productionSpec("meeting-brief-writer");
    const at = TEST_UNTIL + HOUR;
    await withTransaction(async (tx) => {
      await tx.insert(agents).values({
        id: "agt_solo",
        slug: "solo-agent",
        name: "Solo Agent",
        platform: "custom",
        workflowId: "wf_account-notes",
        engineeringOwnerId: "usr_engineer",
        rollbackOwnerId: "usr_ops",
        createdAt: at,
      });
      await tx.insert(changeRecords).values({
        id: "cr_solo1",
        number: 90_001,
        agentId: "agt_solo",
        title: "Register",
        state: "released",
        authorId: "usr_engineer",
        rollbackPlan: "Retire it",
        rollbackOwnerId: "usr_ops",
        createdAt: at,
        updatedAt: at,
        approvedAt: at,
        releasedAt: at,
      });
      await tx.insert(agentVersions).values({
        id: "ver_solo1",
        agentId: "agt_solo",
        number: 1,
        spec: base,
        specHash: specHash(base),
        autonomy: base.autonomy,
        changeRecordId: "cr_solo1",
        createdAt: at,
      });
      await tx.update(changeRecords).set({ headVersionId: "ver_solo1" }).where(eq(changeRecords.id, "cr_solo1"));
      for (const environment of ["development", "production"] as const) {
        await tx.insert(deployments).values({
          id: `dep_solo_${environment}`,
          agentId: "agt_solo",
          environment,
          versionId: "ver_solo1",
          kind: "promote",
          deployedAt: at,
          deployedById: "usr_ops",
          changeRecordId: "cr_solo1",
        });
      }
    });
    const none = await errorOf(async () =>
      rollback(await ops(), "solo-agent", { environment: "production", reason: "Broken" }, clock.next()),
    );
    expect(none).toMatchObject({ code: "conflict", message: "Solo Agent has no earlier approved version in production to roll back to" });

    // A change in review reaches development; rolling development back restores v1, and nothing after that.
    const change = await retentionChange("solo-agent", 3, clock.next());
    expect(change.state).toBe("in_review");
    await promote(await as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
    expect(
      (await rollback(await ops(), "solo-agent", { environment: "development", reason: "Broke dev" }, clock.next())).deployment.version,
    ).toBe(1);
    expect(
      (await errorOf(async () => rollback(await ops(), "solo-agent", { environment: "development", reason: "Again" }, clock.next()))).code,
    ).toBe("conflict");
    expect(await db.select().from(incidents).where(eq(incidents.agentId, "agt_solo"))).toHaveLength(0);
  });
});
