import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DB } from "@/db";
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

const incidentCount = (slug: string) => listIncidents(reader(), { agent: slug }).total;
const productionVersion = (slug: string, at?: number) =>
  (at === undefined ? getAgentRecord(reader(), slug) : agentAsOf(reader(), slug, at)).environments.production!.version;

/** A new version of the agent, reviewed and released to production; returns the change and its deployment. */
function releaseNew(slug: string) {
  const change = retentionChange(slug, 7, clock.next());
  approveAll(change.id, clock);
  return { change, deployment: releaseApproved(change.id, clock) };
}

describe("rolling back production", () => {
  it("restores the previous approved version; 'as of' shows the new one just before and the old one from then on", () => {
    const previous = productionVersion("refund-assistant");
    const change = limitRaise(600, clock.next());
    approveAll(change.id, clock);
    const released = releaseApproved(change.id, clock);
    const t1 = released.deployedAt;
    expect(rollbackOptions(ops(), "refund-assistant").options.find((o) => o.environment === "production")!.plan).toMatchObject({
      current: { versionNumber: change.headVersion },
      target: { versionNumber: previous },
    });

    const t2 = t1 + 3 * HOUR;
    const result = rollback(
      ops(),
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
    expect(getChange(reader(), change.id)).toMatchObject({ state: "rolled_back", closedAt: t2 });

    expect(productionVersion("refund-assistant", t1 - 1)).toBe(previous);
    expect(productionVersion("refund-assistant", t1)).toBe(change.headVersion);
    expect(productionVersion("refund-assistant", t2 - 1)).toBe(change.headVersion);
    expect(productionVersion("refund-assistant", t2)).toBe(previous);
    expect(productionVersion("refund-assistant", t2 + 30 * DAY)).toBe(previous);
    expect(agentAsOf(reader(), "refund-assistant", t2).environments.production).toMatchObject({
      kind: "rollback",
      reason: "Refund reversals doubled overnight",
    });
    expect(productionVersion("refund-assistant")).toBe(previous);

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
    const events = db.select().from(auditEvents).where(eq(auditEvents.at, t2)).orderBy(asc(auditEvents.seq)).all();
    expect(events.map((e) => [e.action, e.entityId])).toEqual([
      ["deployment.rolled_back", result.deployment.id],
      ["change.rolled_back", change.id],
      ["incident.opened", result.incident!.id],
    ]);

    // The rolled-back change cannot go back out.
    const refused = errorOf(() => promote(ops(), change.id, { environment: "production" }, clock.next()));
    expect(refused.code).toBe("gate_failed");
    expect(refused.message).toContain(`${change.label} is rolled back`);
  });

  it("a second rollback walks further back and never restores the rolled-back version", () => {
    const [current, earlier, older] = listDeployments(reader(), { agent: "gdpr-request-handler", environment: "production" }).items;
    const incidentsBefore = incidentCount("gdpr-request-handler");
    const { change, deployment } = releaseNew("gdpr-request-handler");
    const first = rollback(ops(), "gdpr-request-handler", { environment: "production", reason: "Erasure requests stalled" }, clock.next());
    expect(first.deployment.version).toBe(current!.version);
    const second = rollback(
      ops(),
      "gdpr-request-handler",
      { environment: "production", reason: "Still stalled on the previous version", incident: first.incident!.id },
      clock.next(),
    );
    expect(second.deployment).toMatchObject({ version: earlier!.version, replacedVersion: current!.version });
    // The version it replaced is rolled back too; the named incident is the one linked, not a new one.
    expect(second.rolledBackChange).toBe(`CR-${current!.changeNumber}`);
    expect(second.incident).toMatchObject({ id: first.incident!.id, deploymentId: deployment.id });
    expect(incidentCount("gdpr-request-handler")).toBe(incidentsBefore + 1);
    const third = rollback(ops(), "gdpr-request-handler", { environment: "production", reason: "Back further" }, clock.next());
    expect(third.deployment.version).toBe(older!.version);
    expect(
      listDeployments(reader(), { agent: "gdpr-request-handler", environment: "production" })
        .items.filter((d) => d.kind === "rollback")
        .map((d) => d.version),
    ).not.toContain(change.headVersion);
  });

  it("links an open incident of the agent that is not yet tied to a deployment, instead of opening another", () => {
    const { deployment } = releaseNew("ticket-escalation-router");
    const incidentsBefore = incidentCount("ticket-escalation-router");
    const opened = openIncident(
      as("owner2@countersign.test"),
      { agent: "ticket-escalation-router", severity: "sev1", title: "Escalations land in the wrong queue" },
      clock.next(),
    );
    expect(opened.deploymentId).toBeNull();
    const at = clock.next();
    const result = rollback(ops(), "ticket-escalation-router", { environment: "production", reason: "Wrong queue", severity: "sev3" }, at);
    expect(result.incident).toMatchObject({
      id: opened.id,
      deploymentId: deployment.id,
      severity: "sev1",
      title: "Escalations land in the wrong queue",
    });
    expect(incidentCount("ticket-escalation-router")).toBe(incidentsBefore + 1);
    const linked = db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, opened.id), eq(auditEvents.action, "incident.updated")))
      .get()!;
    expect(linked).toMatchObject({
      at,
      actorLabel: "ops@countersign.test",
      payload: { before: { deploymentId: null }, after: { deploymentId: deployment.id } },
    });
  });

  it("links the open incident already raised on the bad deployment", () => {
    const { deployment } = releaseNew("meeting-brief-writer");
    const incidentsBefore = incidentCount("meeting-brief-writer");
    const opened = openIncident(
      ops(),
      { agent: "meeting-brief-writer", deploymentId: deployment.id, severity: "sev2", title: "Briefs cite the wrong account" },
      clock.next(),
    );
    const result = rollback(ops(), "meeting-brief-writer", { environment: "production", reason: "Wrong account cited" }, clock.next());
    expect(result.incident!.id).toBe(opened.id);
    expect(incidentCount("meeting-brief-writer")).toBe(incidentsBefore + 1);
    expect(getIncident(reader(), opened.id).deploymentId).toBe(deployment.id);
  });
});

describe("rollbacks after a review", () => {
  it("a rollback made by someone else meanwhile is a conflict, not a second rollback", () => {
    const { change } = releaseNew("sla-breach-watcher");
    const seen = productionVersion("sla-breach-watcher");
    expect(seen).toBe(change.headVersion);
    rollback(ops(), "sla-breach-watcher", { environment: "production", reason: "First on call", expectedVersion: seen }, clock.next());
    const second = errorOf(() =>
      rollback(
        ops(),
        "sla-breach-watcher",
        { environment: "production", reason: "Second on call, same alert", expectedVersion: seen },
        clock.next(),
      ),
    );
    expect(second).toMatchObject({ code: "conflict" });
    expect(second.message).toMatch(new RegExp(`not v${seen}: someone changed it meanwhile`));
  });

  it("does not pull in an old unlinked incident detected before the bad release, and refuses a named resolved one", () => {
    const old = openIncident(ops(), { agent: "postmortem-drafter", severity: "sev4", title: "Old typo report" }, clock.next());
    const { deployment } = releaseNew("postmortem-drafter");
    const resolvedElsewhere = openIncident(
      ops(),
      { agent: "postmortem-drafter", severity: "sev3", title: "Already handled" },
      clock.next(),
    );
    updateIncident(ops(), resolvedElsewhere.id, { resolution: "no_action" }, clock.next());
    expect(
      errorOf(() =>
        rollback(
          ops(),
          "postmortem-drafter",
          { environment: "production", reason: "Bad drafts", incident: resolvedElsewhere.id },
          clock.next(),
        ),
      ).details.fieldErrors,
    ).toEqual({ incident: ["This incident is already resolved"] });
    const result = rollback(ops(), "postmortem-drafter", { environment: "production", reason: "Bad drafts" }, clock.next());
    expect(result.incident!.id).not.toBe(old.id);
    expect(result.incident!.deploymentId).toBe(deployment.id);
    expect(getIncident(reader(), old.id).deploymentId).toBeNull();
  });
});

describe("rolling back staging", () => {
  it("never restores a version its change was never approved on (the one replaced by an edit in review)", () => {
    const before = getAgentRecord(reader(), "onboarding-concierge").environments.staging!.version;
    const engineer2 = as("engineer2@countersign.test");
    const change = retentionChange("onboarding-concierge", 5, clock.next());
    promote(engineer2, change.id, { environment: "development" }, clock.next());
    promote(engineer2, change.id, { environment: "staging" }, clock.next());
    const spec = productionSpec("onboarding-concierge");
    spec.traceRetentionDays += 8;
    const edited = editChange(
      as("engineer@countersign.test"),
      change.id,
      { spec: spec as unknown as Record<string, unknown> },
      clock.next(),
    );
    expect(edited.headVersion).not.toBe(change.headVersion);
    approveAll(change.id, clock);
    promote(engineer2, change.id, { environment: "development" }, clock.next());
    promote(engineer2, change.id, { environment: "staging" }, clock.next());
    const result = rollback(
      ops(),
      "onboarding-concierge",
      { environment: "staging", reason: "Staging traces fill the disk" },
      clock.next(),
    );
    expect(result.deployment).toMatchObject({ version: before, replacedVersion: edited.headVersion });
  });
});

describe("what a rollback needs", () => {
  it("a reason: without one it is a validation error on the reason field", () => {
    for (const input of [{ environment: "production" }, { environment: "production", reason: "  " }]) {
      const error = errorOf(() => rollback(ops(), "refund-assistant", input, clock.next()));
      expect(error.code).toBe("validation_failed");
      expect(error.details.fieldErrors!.reason).toEqual(["Say why you roll back"]);
    }
    expect(
      errorOf(() => rollback(ops(), "refund-assistant", { environment: "prod", reason: "Broken" })).details.fieldErrors!.environment,
    ).toBeDefined();
    expect(errorOf(() => rollback(ops(), "no-such-agent", { environment: "production", reason: "Broken" })).code).toBe("not_found");
  });

  it("the rollback owner or operations; a workflow owner, engineer, leader or auditor who is not the owner is refused; a token needs deploy", () => {
    db.update(agents).set({ rollbackOwnerId: "usr_engineer2" }).where(eq(agents.slug, "call-notes-digest")).run();
    for (const email of [
      "owner@countersign.test",
      "owner2@countersign.test",
      "engineer@countersign.test",
      "leader@countersign.test",
      "auditor@countersign.test",
    ]) {
      expect(rollbackOptions(as(email), "call-notes-digest").allowed).toBe(false);
      expect(
        errorOf(() => rollback(as(email), "call-notes-digest", { environment: "staging", reason: "Bad" }, clock.next())),
      ).toMatchObject({ code: "forbidden", message: "Only the rollback owner of Call Notes Digest or operations can roll it back" });
    }
    const noDeploy = tokenWith(db, "ci-read", ["read", "evals:write"]);
    expect(errorOf(() => rollback(noDeploy, "call-notes-digest", { environment: "staging", reason: "Bad" }, clock.next()))).toMatchObject({
      code: "forbidden",
      message: 'Token "ci-read" lacks the deploy scope',
    });

    // The rollback owner (engineering, not operations) rolls staging back: no change is marked, no incident opened.
    expect(rollbackOptions(as("engineer2@countersign.test"), "call-notes-digest").allowed).toBe(true);
    const stagingBefore = getAgentRecord(reader(), "call-notes-digest").environments.staging!;
    const staging = rollback(
      as("engineer2@countersign.test"),
      "call-notes-digest",
      { environment: "staging", reason: "Eval flakes in staging" },
      clock.next(),
    );
    expect(staging).toMatchObject({
      rolledBackChange: null,
      incident: null,
      deployment: { kind: "rollback", replacedVersion: stagingBefore.version, deployedBy: "engineer2@countersign.test" },
    });
    expect(getChange(reader(), String(stagingBefore.changeNumber)).state).toBe("approved");

    expect(
      rollback(ops(), "call-notes-digest", { environment: "development", reason: "Dev is broken" }, clock.next()).deployment.deployedBy,
    ).toBe("ops@countersign.test");
    const deployer = tokenWith(db, "pager", ["read", "deploy"]);
    const byToken = rollback(
      deployer,
      "call-notes-digest",
      { environment: "production", reason: "Pager alert: digests empty" },
      clock.next(),
    );
    expect(byToken.deployment.deployedBy).toBe("token:pager");
    expect(byToken.incident!.openedBy).toBe("token:pager");
    expect(db.select().from(auditEvents).where(eq(auditEvents.entityId, byToken.deployment.id)).get()).toMatchObject({
      actorType: "token",
      actorLabel: "token:pager",
    });
  });

  it("an earlier approved version: with none, it is a conflict; an unapproved version is never a target", () => {
    const base = productionSpec("meeting-brief-writer");
    const at = TEST_UNTIL + HOUR;
    db.insert(agents)
      .values({
        id: "agt_solo",
        slug: "solo-agent",
        name: "Solo Agent",
        platform: "custom",
        workflowId: "wf_account-notes",
        engineeringOwnerId: "usr_engineer",
        rollbackOwnerId: "usr_ops",
        createdAt: at,
      })
      .run();
    db.insert(changeRecords)
      .values({
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
      })
      .run();
    db.insert(agentVersions)
      .values({
        id: "ver_solo1",
        agentId: "agt_solo",
        number: 1,
        spec: base,
        specHash: specHash(base),
        autonomy: base.autonomy,
        changeRecordId: "cr_solo1",
        createdAt: at,
      })
      .run();
    db.update(changeRecords).set({ headVersionId: "ver_solo1" }).where(eq(changeRecords.id, "cr_solo1")).run();
    for (const environment of ["development", "production"] as const) {
      db.insert(deployments)
        .values({
          id: `dep_solo_${environment}`,
          agentId: "agt_solo",
          environment,
          versionId: "ver_solo1",
          kind: "promote",
          deployedAt: at,
          deployedById: "usr_ops",
          changeRecordId: "cr_solo1",
        })
        .run();
    }
    const none = errorOf(() => rollback(ops(), "solo-agent", { environment: "production", reason: "Broken" }, clock.next()));
    expect(none).toMatchObject({ code: "conflict", message: "Solo Agent has no earlier approved version in production to roll back to" });

    // A change in review reaches development; rolling development back restores v1, and nothing after that.
    const change = retentionChange("solo-agent", 3, clock.next());
    expect(change.state).toBe("in_review");
    promote(as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
    expect(rollback(ops(), "solo-agent", { environment: "development", reason: "Broke dev" }, clock.next()).deployment.version).toBe(1);
    expect(errorOf(() => rollback(ops(), "solo-agent", { environment: "development", reason: "Again" }, clock.next())).code).toBe(
      "conflict",
    );
    expect(db.select().from(incidents).where(eq(incidents.agentId, "agt_solo")).all()).toHaveLength(0);
  });
});
