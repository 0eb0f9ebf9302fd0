import { asc, desc, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { auditEvents } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { approveAll, as, DAY, HOUR, limitRaise, releaseApproved, stagingEval, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { expectSameTotals } from "@/lib/testing/evidence-totals";
import { auditChainStatus } from "./audit-verification";
import { evidencePack, evidencePage, parseEvidenceFilters, previousQuarter, whatRanWhen, type EvidenceRelease } from "./evidence";
import { promote } from "./promotion";
import { rollback } from "./rollback";
import { signOff } from "./signoffs";

let db: DB;
const clock = testClock();
const auditor = () => as("auditor@countersign.test");
const ops = () => as("ops@countersign.test");
const justification = "Refunds over 50 USD fail for every customer since the card-network outage.";

beforeAll(async () => {
  db = await seedDemoEstate();
});

/** The pack of the one millisecond a deployment happened in: exactly that release. */
async function releaseAt(deployedAt: number, now = clock.peek()): Promise<EvidenceRelease> {
  const pack = await evidencePack(await auditor(), { from: deployedAt, to: deployedAt + 1 }, now);
  expect(pack.releases).toHaveLength(1);
  expectSameTotals(pack.releases[0]!, (await evidencePage(await auditor(), { from: deployedAt, to: deployedAt + 1 }, {}, now)).totals);
  return pack.releases[0]!;
}

/** Development, then staging: the rungs below production, climbed so that only what a test is about is excepted. */
async function climbToStaging(ref: string) {
  for (const environment of ["development", "staging"])
    await promote(await as("engineer2@countersign.test"), ref, { environment }, clock.next());
}

/** An emergency limit raise that security approves before operations releases it. */
async function emergencyRelease(amount: number) {
  const change = await limitRaise(amount, clock.next(), { emergency: { justification } });
  await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
  await climbToStaging(change.id);
  await stagingEval("refund-assistant", change.specHash!, clock.next()); // a smoke run before the release
  return { change, deployment: await promote(await ops(), change.id, { environment: "production" }, clock.next()) };
}

describe("evidence pack: each production release with its evidence", () => {
  it("a normal release: approved on its content by people other than the author before the deployment, with its staging eval; no exception", async () => {
    const change = await limitRaise(810, clock.next());
    await approveAll(change.id, clock);
    const deployment = await releaseApproved(change.id, clock);
    const release = await releaseAt(deployment.deployedAt);
    expect(release.change).toMatchObject({
      label: change.label,
      title: "Limit 810",
      author: { kind: "user", email: "engineer@countersign.test" },
      riskTier: change.riskTier,
    });
    expect(release.change.riskReasons.length).toBeGreaterThan(0);
    expect(release.deployment).toMatchObject({
      id: deployment.id,
      kind: "promote",
      environment: "production",
      deployedBy: "engineer2@countersign.test",
      version: change.headVersion,
      replacedVersion: change.baseVersion!.number,
    });
    expect(release.approvals.map((a) => a.role).sort()).toEqual(["engineering", "operations", "security", "workflow_owner"]);
    expect(release.approvals.every((a) => a.precededDeployment && a.independentOfAuthor && a.contentHash === change.contentHash)).toBe(
      true,
    );
    expect(release.evalRuns).toEqual([expect.objectContaining({ environment: "staging", suite: "regression", passed: 40, failed: 0 })]);
    expect(release).toMatchObject({ emergency: null, rollbacks: [], incidents: [], pendingSignoffs: [], exceptions: [] });
  });

  it("an emergency release lists “approval after deployment”: its retro sign-offs followed the release", async () => {
    const { change, deployment } = await emergencyRelease(820);
    await approveAll(change.id, clock);
    const completedAt = clock.peek();
    const release = await releaseAt(deployment.deployedAt);
    expect(release.deployment.kind).toBe("emergency");
    expect(release.approvals.filter((a) => a.precededDeployment).map((a) => a.role)).toEqual(["security"]);
    expect(
      release.approvals
        .filter((a) => !a.precededDeployment)
        .map((a) => a.role)
        .sort(),
    ).toEqual(["engineering", "operations", "workflow_owner"]);
    expect(release.exceptions.map((e) => e.kind)).toEqual(["approval_after_deployment"]);
    expect(release.exceptions[0]!.label).toBe("approval after deployment");
    // Each late approval is named; their order is the order approveAll signed in, which the test does not fix.
    const detail = release.exceptions[0]!.detail;
    expect(detail).toMatch(/^Emergency release, signed in full afterwards: approved after the deployment at .* by /);
    for (const who of [
      "workflow owner (owner@countersign.test) at ",
      "engineering (engineer2@countersign.test) at ",
      "operations (ops@countersign.test) at ",
    ])
      expect(detail).toContain(who);
    expect(release.emergency).toEqual({
      justification,
      retro: { dueAt: deployment.deployedAt + 48 * HOUR, completedAt, waitingOn: [], rejected: false, overdue: false },
    });
  });

  it("a release whose spec was never evaluated lists “missing eval”", async () => {
    // Fully approved first, so nothing follows the release: the eval is the only thing missing.
    const change = await limitRaise(830, clock.next(), { emergency: { justification } });
    await approveAll(change.id, clock);
    await climbToStaging(change.id);
    const deployment = await promote(await ops(), change.id, { environment: "production" }, clock.next());
    const release = await releaseAt(deployment.deployedAt);
    expect(release.evalRuns).toEqual([]);
    expect(release.exceptions).toEqual([
      {
        kind: "missing_eval",
        label: "missing eval",
        detail: `No eval run recorded on spec ${change.specHash!.slice(0, 12)} before the deployment`,
      },
    ]);
    // A run recorded afterwards is listed, but is no evidence for the release.
    await stagingEval("refund-assistant", change.specHash!, clock.next());
    expect((await releaseAt(deployment.deployedAt)).exceptions.map((e) => e.kind)).toEqual(["missing_eval"]);
    expect(release.emergency).toEqual({ justification, retro: null });
  });

  it("a retro sign-off still open after its 48 hours, or completed after them, is “overdue retro sign-off”", async () => {
    const { change, deployment } = await emergencyRelease(840);
    const due = deployment.deployedAt + 48 * HOUR;
    expect((await releaseAt(deployment.deployedAt, due)).exceptions).toEqual([]);
    const open = await releaseAt(deployment.deployedAt, due + 1);
    expect(open.emergency!.retro).toMatchObject({ dueAt: due, completedAt: null, overdue: true });
    expect(open.pendingSignoffs.sort()).toEqual(["engineering", "operations", "workflow_owner"]);
    expect(open.exceptions.map((e) => e.label)).toEqual(["overdue retro sign-off"]);
    expect(open.exceptions[0]!.detail).toMatch(/still waiting on workflow owner, engineering, operations$/);

    clock.next(49 * HOUR);
    await approveAll(change.id, clock);
    const late = await releaseAt(deployment.deployedAt);
    expect(late.emergency!.retro).toMatchObject({ completedAt: clock.peek(), overdue: true });
    expect(late.exceptions.map((e) => e.kind)).toEqual(["approval_after_deployment", "overdue_retro_signoff"]);
    expect(late.exceptions[1]!.detail).toMatch(/; completed \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  });

  it("a release later rolled back names the rollback and the incident opened for it", async () => {
    const change = await limitRaise(850, clock.next());
    await approveAll(change.id, clock);
    const deployment = await releaseApproved(change.id, clock);
    const { deployment: back, incident } = await rollback(
      await ops(),
      "refund-assistant",
      { environment: "production", reason: "Reversals doubled" },
      clock.next(),
    );
    const release = await releaseAt(deployment.deployedAt);
    expect(release.change.state).toBe("rolled_back");
    expect(release.rollbacks.map((r) => ({ id: r.id, kind: r.kind, replacedVersion: r.replacedVersion }))).toEqual([
      { id: back.id, kind: "rollback", replacedVersion: change.headVersion },
    ]);
    expect(release.incidents.map((i) => ({ id: i.id, relation: i.relation }))).toEqual([{ id: incident!.id, relation: "suspected" }]);
    expect(release.exceptions).toEqual([]);
  });
});

describe("evidence pack: range, order, filters and the chain", () => {
  it("from is inclusive and to exclusive, to the millisecond; a date as to takes in that whole day", async () => {
    const change = await limitRaise(860, clock.next());
    await approveAll(change.id, clock);
    const { deployedAt } = await releaseApproved(change.id, clock);
    const count = async (from: number, to: number) => (await evidencePack(await auditor(), { from, to }, clock.peek())).releases.length;
    expect(await count(deployedAt, deployedAt + 1)).toBe(1);
    expect(await count(deployedAt - 60_000, deployedAt)).toBe(0);
    expect(await count(deployedAt + 1, deployedAt + 60_000)).toBe(0);
    const day = new Date(deployedAt).toISOString().slice(0, 10);
    const filters = parseEvidenceFilters({ from: day, to: day });
    expect(filters).toMatchObject({ from: Date.parse(`${day}T00:00:00Z`), to: Date.parse(`${day}T00:00:00Z`) + DAY });
    expect((await evidencePack(await auditor(), filters, clock.peek())).releases.map((r) => r.deployment.deployedAt)).toContain(deployedAt);
  });

  it("by default covers the previous full calendar quarter; a range that ends before it starts is refused", async () => {
    expect(parseEvidenceFilters({}, Date.UTC(2026, 10, 21, 15))).toMatchObject({ from: Date.UTC(2026, 6, 1), to: Date.UTC(2026, 9, 1) });
    expect(previousQuarter(Date.UTC(2027, 0, 1))).toEqual({ from: Date.UTC(2026, 9, 1), to: Date.UTC(2027, 0, 1) });
    expect(previousQuarter(Date.UTC(2026, 2, 31, 23, 59))).toEqual({ from: Date.UTC(2025, 9, 1), to: Date.UTC(2026, 0, 1) });
    expect(await errorOf(() => parseEvidenceFilters({ from: "2026-09-01", to: "2026-08-01" }))).toMatchObject({ code: "bad_request" });
    expect(await errorOf(() => parseEvidenceFilters({ from: "last quarter" }))).toMatchObject({
      code: "bad_request",
      details: { parameter: "from" },
    });
  });

  it("over the seeded year: releases with exceptions come first, each exception named; the overdue retro sign-off of the triage bot is one", async () => {
    const pack = await evidencePack(await auditor(), { from: 0, to: TEST_UNTIL }, TEST_UNTIL);
    expect(pack.releases.length).toBeGreaterThan(100);
    const flagged = pack.releases.findIndex((r) => r.exceptions.length === 0);
    expect(flagged).toBeGreaterThan(0);
    expect(pack.releases.slice(flagged).every((r) => r.exceptions.length === 0)).toBe(true);
    expect(pack.exceptions).toContainEqual(
      expect.objectContaining({ kind: "overdue_retro_signoff", release: expect.objectContaining({ agent: "incident-triage-bot" }) }),
    );
    expect(pack.exceptions.length).toBe(pack.releases.reduce((n, r) => n + r.exceptions.length, 0));
    // The separation of duties held in every seeded release.
    expect(pack.releases.every((r) => r.approvals.every((a) => a.independentOfAuthor))).toBe(true);
    // Within each group, oldest first.
    const rest = pack.releases.slice(flagged).map((r) => r.deployment.deployedAt);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
  });

  it("filters by agent and by workflow", async () => {
    const range = { from: 0, to: TEST_UNTIL };
    const refunds = (await evidencePack(await auditor(), { ...range, agent: "refund-assistant" }, TEST_UNTIL)).releases;
    expect(refunds.length).toBeGreaterThan(0);
    expect(new Set(refunds.map((r) => r.change.agent.slug))).toEqual(new Set(["refund-assistant"]));
    const workflow = (await evidencePack(await auditor(), { ...range, workflow: "refunds" }, TEST_UNTIL)).releases;
    expect(new Set(workflow.map((r) => r.change.agent.workflow.name)).size).toBe(1);
    expect(workflow.map((r) => r.deployment.id)).toEqual(expect.arrayContaining(refunds.map((r) => r.deployment.id)));
    expect((await evidencePack(await auditor(), { ...range, agent: "no-such-agent" }, TEST_UNTIL)).releases).toEqual([]);
  });

  it("carries the audit chain's count and head hash at export time, verified", async () => {
    // The server's background check records a verified head (a pack only reads what is recorded).
    await auditChainStatus();
    const before = (await evidencePack(await auditor(), { from: 0, to: 1 })).chain;
    const head = (await first(db.select().from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1)))!;
    const count = (await first(db.select({ n: sql<number>`COUNT(*)` }).from(auditEvents)))!.n;
    expect(before).toMatchObject({ count, headHash: head.hash, verified: true });
    await limitRaise(870, clock.next());
    const after = (await evidencePack(await auditor(), { from: 0, to: 1 })).chain;
    const added = (await db.select().from(auditEvents).orderBy(asc(auditEvents.seq))).slice(count);
    expect(after).toMatchObject({ count: count + added.length, headHash: added.at(-1)!.hash, verified: true });
    // What was verified, and how: the events appended since the last full verification were checked now.
    expect(after.verification.summary).toMatch(/verified in full at .*; [\d,]+–[\d,]+ appended since, verified incrementally/);
  });

  it("serves more evidence views at once than the store has connections: each view holds one, and only reads", async () => {
    // On PostgreSQL each view holds a pooled connection for its snapshot (10 by default); a view that also
    // recorded the chain's verdict would wait for a second one, and 25 at once would wait on each other.
    const views = await Promise.all(
      Array.from({ length: 25 }, async () => (await evidencePage(await auditor(), { from: 0, to: 1 })).chain),
    );
    expect(new Set(views.map((chain) => `${chain.count}:${chain.headHash}:${chain.verified}`)).size).toBe(1);
    expect(views[0]!.verified).toBe(true);
  });

  it("everyone may read it; a token needs the read scope", async () => {
    expect(
      await errorOf(async () => await evidencePack(await tokenWith(db, "evals-only", ["evals:write"]), { from: 0, to: 1 })),
    ).toMatchObject({
      code: "forbidden",
    });
    expect((await evidencePack(await tokenWith(db, "reader", ["read"]), { from: 0, to: 1 })).releases).toEqual([]);
  });
});

describe("what ran when", () => {
  it("an instant between two releases: the first one's version, change record, approvals and evals, and the diff to what runs today", async () => {
    const first = await limitRaise(880, clock.next());
    await approveAll(first.id, clock);
    const { deployedAt } = await releaseApproved(first.id, clock);
    const between = clock.next();
    const second = await limitRaise(890, clock.next());
    await approveAll(second.id, clock);
    await releaseApproved(second.id, clock);

    const then = await whatRanWhen(await auditor(), "refund-assistant", between, clock.next());
    expect(then.existed).toBe(true);
    const production = then.environments.production!;
    expect(production.state).toMatchObject({
      version: first.headVersion,
      deployedAt,
      kind: "promote",
      deployedBy: "engineer2@countersign.test",
    });
    expect(production.change).toMatchObject({ label: first.label, title: "Limit 880", riskTier: first.riskTier });
    expect(production.approvals).toHaveLength(4);
    expect(production.approvals.every((a) => a.precededDeployment && a.contentHash === first.contentHash)).toBe(true);
    expect(production.evalRuns.map((e) => e.environment)).toEqual(["staging"]);
    expect(production.today.version).toBe(second.headVersion);
    expect(production.today.comparison!.items.map((i) => i.summary).join("\n")).toMatch(/880 → 890 USD/);

    const now = await whatRanWhen(await auditor(), "refund-assistant", clock.peek(), clock.peek());
    expect(now.environments.production!.today).toMatchObject({ version: second.headVersion, comparison: null });
  });

  it("an instant before the agent was registered: it did not exist, nothing ran", async () => {
    const result = await whatRanWhen(await auditor(), "refund-assistant", Date.UTC(2020, 0, 1), TEST_UNTIL);
    expect(result).toMatchObject({ existed: false, environments: { development: null, staging: null, production: null } });
    expect(result.agent.createdAt).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });

  it("an unknown agent is not found; an instant in the future is refused", async () => {
    expect(await errorOf(async () => await whatRanWhen(await auditor(), "no-such-agent", TEST_UNTIL, TEST_UNTIL))).toMatchObject({
      code: "not_found",
    });
    expect(await errorOf(async () => await whatRanWhen(await auditor(), "refund-assistant", TEST_UNTIL + 1, TEST_UNTIL))).toMatchObject({
      code: "bad_request",
      details: { parameter: "at" },
    });
  });
});
