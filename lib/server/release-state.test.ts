import { and, eq, gte } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { auditEvents } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, releaseApproved, retentionChange, testClock } from "@/lib/testing/release-fixtures";
import { getChange, withdrawChange } from "./changes";
import { releaseHistory } from "./deployments";
import { listIncidents } from "./incidents";
import { promote } from "./promotion";
import { getAgentRecord } from "./registry";
import { rollBackWhereStillRunning, stillRunningRolledBack } from "./rolled-back-versions";
import { rollback } from "./rollback";

let db: DB;
const clock = testClock();
const ops = () => as("ops@countersign.test");
const reader = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

/** A new version of the agent, reviewed and released development → staging → production. */
async function releaseNew(slug: string, days = 7) {
  const change = await retentionChange(slug, days, clock.next());
  await approveAll(change.id, clock);
  return { change: await getChange(await reader(), change.id), deployment: await releaseApproved(change.id, clock) };
}

const byEnvironment = async (ref: string) =>
  Object.fromEntries((await releaseHistory(await reader(), ref)).environments.map((e) => [e.environment, e]));

describe("what happened to a released change", () => {
  it("says who released it to production and when, and that every environment runs it", async () => {
    const { change, deployment } = await releaseNew("meeting-brief-writer");
    const history = await byEnvironment(change.id);
    expect(history.production).toMatchObject({
      deployed: {
        id: deployment.id,
        version: change.headVersion,
        deployedAt: deployment.deployedAt,
        deployedBy: "engineer2@countersign.test",
      },
      replacedBy: null,
      current: { id: deployment.id },
    });
    for (const environment of ["development", "staging"]) {
      expect(history[environment]!.deployed).toMatchObject({ version: change.headVersion, kind: "promote" });
      expect(history[environment]!.current!.version).toBe(change.headVersion);
    }
    expect((await releaseHistory(await reader(), change.id)).rollback).toBeNull();
  });

  it("once a later change replaces it, names the version and the change that took its place", async () => {
    const { change: first } = await releaseNew("call-notes-digest", 3);
    const { change: second, deployment } = await releaseNew("call-notes-digest", 4);
    const history = await byEnvironment(first.id);
    expect(history.production).toMatchObject({
      deployed: { version: first.headVersion },
      replacedBy: { id: deployment.id, version: second.headVersion, changeNumber: second.number, kind: "promote" },
      current: { id: deployment.id },
    });
    expect(history.staging!.replacedBy).toMatchObject({ version: second.headVersion, changeNumber: second.number });
    expect((await getChange(await reader(), first.id)).state).toBe("released");
  });

  it("a withdrawn change that never left review has no deployment to show", async () => {
    const change = await retentionChange("postmortem-drafter", 2, clock.next());
    await withdrawChange(await as("engineer@countersign.test"), change.id, { reason: "Not needed after all" }, clock.next());
    expect((await releaseHistory(await reader(), change.id)).environments.map((e) => e.deployed)).toEqual([null, null, null]);
  });
});

describe("after a production rollback", () => {
  it("the change shows its rollback and incident; staging and development are flagged, and one action rolls them back without a second incident", async () => {
    const before = (await getAgentRecord(await reader(), "ticket-escalation-router")).environments;
    const { change, deployment } = await releaseNew("ticket-escalation-router");
    const rolledBackAt = clock.next();
    const production = await rollback(
      await ops(),
      "ticket-escalation-router",
      { environment: "production", reason: "Wrong queue" },
      rolledBackAt,
    );
    expect(production.rolledBackChange).toBe(change.label);

    const history = await releaseHistory(await reader(), change.id);
    expect(history.rollback).toMatchObject({
      deployment: { id: production.deployment.id, deployedAt: rolledBackAt, deployedBy: "ops@countersign.test", reason: "Wrong queue" },
      incident: { id: production.incident!.id, title: production.incident!.title },
    });
    expect(history.environments.find((e) => e.environment === "production")).toMatchObject({
      deployed: { id: deployment.id },
      replacedBy: { kind: "rollback", version: before.production!.version },
    });

    const flagged = await stillRunningRolledBack(await reader(), "ticket-escalation-router");
    expect(flagged).toEqual(
      (["staging", "development"] as const).map((environment) => ({
        environment,
        version: change.headVersion,
        since: expect.any(Number),
        rolledBackAt,
        rolledBackBy: "ops@countersign.test",
        rolledBackReason: "Wrong queue",
        change: { number: change.number, label: change.label, title: change.title },
        incident: { id: production.incident!.id, title: production.incident!.title },
        rollBackTo: before[environment]!.version,
      })),
    );
    const incidentsBefore = (await listIncidents(await reader(), { agent: "ticket-escalation-router" })).total;
    const at = clock.next();
    const results = await rollBackWhereStillRunning(
      await ops(),
      "ticket-escalation-router",
      { environments: flagged.map((f) => ({ environment: f.environment, expectedVersion: f.version })) },
      at,
    );
    expect(results.map((r) => [r.deployment.environment, r.deployment.version, r.rolledBackChange, r.incident?.id])).toEqual([
      ["staging", before.staging!.version, null, production.incident!.id],
      ["development", before.development!.version, null, production.incident!.id],
    ]);
    expect(results[0]!.deployment.reason).toContain(`v${change.headVersion} was rolled back in production`);
    // No second incident, the change is not marked again, and each rollback's audit event points at production's.
    expect((await listIncidents(await reader(), { agent: "ticket-escalation-router" })).total).toBe(incidentsBefore);
    expect((await getChange(await reader(), change.id)).state).toBe("rolled_back");
    const events = await db.select().from(auditEvents).where(gte(auditEvents.at, at));
    expect(events.map((e) => e.action)).toEqual(["deployment.rolled_back", "deployment.rolled_back"]);
    expect(events[0]!.payload).toMatchObject({
      environment: "staging",
      followsRollback: production.deployment.id,
      incidentId: production.incident!.id,
    });
    expect(await stillRunningRolledBack(await reader(), "ticket-escalation-router")).toEqual([]);
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "change.rolled_back"), eq(auditEvents.entityId, change.id))),
    ).toHaveLength(1);
  });

  it("a stale request changes nothing; someone who may not roll the agent back is refused before their request is read", async () => {
    const { change } = await releaseNew("sla-breach-watcher");
    await rollback(await ops(), "sla-breach-watcher", { environment: "production", reason: "Missed breaches" }, clock.next());
    const flagged = await stillRunningRolledBack(await reader(), "sla-breach-watcher");
    expect(flagged.map((f) => [f.environment, f.version])).toEqual([
      ["staging", change.headVersion],
      ["development", change.headVersion],
    ]);

    // Development was seen running another version: the staging rollback listed before it is not made either.
    const stale = await errorOf(
      async () =>
        await rollBackWhereStillRunning(
          await ops(),
          "sla-breach-watcher",
          {
            environments: [
              { environment: "staging", expectedVersion: change.headVersion },
              { environment: "development", expectedVersion: change.headVersion! + 1 },
            ],
          },
          clock.next(),
        ),
    );
    expect(stale).toMatchObject({ code: "conflict" });
    expect(stale.message).toContain(`development no longer runs v${change.headVersion! + 1}`);
    expect(await stillRunningRolledBack(await reader(), "sla-breach-watcher")).toHaveLength(2);

    for (const email of ["engineer@countersign.test", "auditor@countersign.test"]) {
      expect(
        await errorOf(async () => await rollBackWhereStillRunning(await as(email), "sla-breach-watcher", { nonsense: true }, clock.next())),
      ).toMatchObject({
        code: "forbidden",
        message: "Only the rollback owner of SLA Breach Watcher or operations can roll it back",
      });
    }
    expect(
      (await errorOf(async () => await rollBackWhereStillRunning(await ops(), "sla-breach-watcher", { environments: [] }, clock.next())))
        .code,
    ).toBe("validation_failed");
    expect(
      (
        await errorOf(
          async () =>
            await rollBackWhereStillRunning(
              await ops(),
              "sla-breach-watcher",
              { environments: [{ environment: "production", expectedVersion: 1 }] },
              clock.next(),
            ),
        )
      ).code,
    ).toBe("validation_failed");

    // Once a fix reaches development, development is no longer flagged; staging still is.
    const fix = await retentionChange("sla-breach-watcher", 9, clock.next());
    await promote(await as("engineer2@countersign.test"), fix.id, { environment: "development" }, clock.next());
    expect((await stillRunningRolledBack(await reader(), "sla-breach-watcher")).map((f) => f.environment)).toEqual(["staging"]);
  });
});

describe("the seeded estate", () => {
  it("has agents whose staging still runs a version production rolled back", async () => {
    const flagged = await stillRunningRolledBack(await reader(), "kyc-document-checker");
    expect(flagged.map((f) => f.environment)).toEqual(["staging", "development"]);
    expect((await getChange(await reader(), flagged[0]!.change!.label)).state).toBe("rolled_back");
    expect((await errorOf(async () => await stillRunningRolledBack(await reader(), "no-such-agent"))).code).toBe("not_found");
  });
});
