import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rows, withTransaction } from "@/db";
import { apiTokens } from "@/db/schema";
import { RISK_LEVELS } from "@/lib/domain/terms";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { DORA_METRICS } from "@/lib/domain/dora";
import {
  DEFAULT_RANGE_DAYS,
  doraBreakdown,
  doraRecords,
  doraReport,
  parseMetricsFilters,
  rangeOf,
  type MetricsFilters,
  type MetricsScope,
} from "./metrics";
import { findActiveUser } from "./users";

/*
 * The DORA report on the demo estate, checked against the metrics computed here a second time,
 * straight from the deployment, change and incident rows with plain SQL and a few lines each, and
 * deliberately without lib/domain/dora.ts.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const as = async (email: string): Promise<Caller> => userCaller((await findActiveUser({ email }))!);
let leader: Caller;

beforeAll(async () => {
  await seedDemoEstate();
  leader = await as("leader@countersign.test");
});

type Range = { from: number; to: number };
type DeploymentRow = {
  id: string;
  agent_id: string;
  kind: string;
  deployed_at: number;
  change_record_id: string | null;
  version_id: string;
  replaced_version_id: string | null;
};
type IncidentRow = {
  id: string;
  deployment_id: string | null;
  detected_at: number;
  resolved_at: number | null;
  fix_change_record_id: string | null;
};

/** numpy's default percentile: linear interpolation between the two closest ranks. */
function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

async function agentsIn(scope: MetricsScope): Promise<Set<string>> {
  const found = await rows<{ id: string }>(
    sql`SELECT a.id FROM agents a JOIN workflows w ON w.id = a.workflow_id WHERE 1 = 1
       ${scope.workflow ? sql`AND w.slug = ${scope.workflow}` : sql``} ${scope.platform ? sql`AND a.platform = ${scope.platform}` : sql``}
       ${scope.agent ? sql`AND a.slug = ${scope.agent}` : sql``}`,
  );
  return new Set(found.map((r) => r.id));
}

type Expected = {
  releaseIds: string[];
  failedIds: string[];
  leadHours: number[];
  recoveryHours: number[];
  unplanned: number;
  total: number;
  days: number;
};

/** The five metrics for the production history of the agents in scope, computed the plain way. */
async function independent(range: Range, scope: MetricsScope = {}): Promise<Expected> {
  const agentIds = await agentsIn(scope);
  const production = await rows<DeploymentRow>(
    sql`SELECT id, agent_id, kind, deployed_at, change_record_id, version_id, replaced_version_id FROM deployments WHERE environment = 'production' ORDER BY deployed_at, rowid`,
  );
  const incidents = await rows<IncidentRow>(sql`SELECT id, deployment_id, detected_at, resolved_at, fix_change_record_id FROM incidents`);
  const inRange = (t: number) => range.from <= t && t < range.to;
  const isRelease = (d: DeploymentRow) => d.kind === "promote" || d.kind === "emergency";

  // Releases: production promote/emergency deployments in range.
  const releases = production.filter((d) => agentIds.has(d.agent_id) && isRelease(d) && inRange(d.deployed_at));

  // Each change's first production release, ever.
  const firstRelease = new Map<string, number>();
  for (const row of await rows<{ id: string; at: number }>(
    sql`SELECT change_record_id AS id, MIN(deployed_at) AS at FROM deployments WHERE environment = 'production' AND kind IN ('promote', 'emergency') AND change_record_id IS NOT NULL GROUP BY change_record_id`,
  )) {
    firstRelease.set(row.id, row.at);
  }

  // Change fail: rolled back (replaced_version_id = its version, before the agent's next release) or blamed by an incident.
  const rollbackOf = (release: DeploymentRow) => {
    const later = production.filter((d) => d.agent_id === release.agent_id && d.deployed_at > release.deployed_at);
    const nextRelease = later.find(isRelease)?.deployed_at ?? Infinity;
    return later.find((d) => d.kind === "rollback" && d.replaced_version_id === release.version_id && d.deployed_at < nextRelease);
  };
  const failures = releases.flatMap((release) => {
    const rollback = rollbackOf(release);
    const linked = incidents.filter((i) => i.deployment_id === release.id);
    return rollback || linked.length > 0 ? [{ release, rollback, linked }] : [];
  });

  // Recovery: detection (earliest linked incident, else the release) → earliest restoration at or after it.
  const recoveryHours = failures.flatMap(({ release, rollback, linked }) => {
    const detectedAt = linked.length > 0 ? Math.min(...linked.map((i) => i.detected_at)) : release.deployed_at;
    const restorations = [
      rollback?.deployed_at,
      ...linked.map((i) => (i.fix_change_record_id === null ? undefined : firstRelease.get(i.fix_change_record_id))),
      ...linked.map((i) => i.resolved_at),
    ].filter((t): t is number => typeof t === "number" && t >= detectedAt);
    return restorations.length > 0 ? [(Math.min(...restorations) - detectedAt) / HOUR] : [];
  });

  // Lead time: each submitted change whose FIRST production release is in range.
  const leadHours = (
    await rows<{ agent_id: string; hours: number }>(
      sql`SELECT c.agent_id, (f.released_at - c.submitted_at) / 3600000.0 AS hours
         FROM change_records c
         JOIN (SELECT change_record_id, MIN(deployed_at) AS released_at FROM deployments
               WHERE environment = 'production' AND kind IN ('promote', 'emergency') AND change_record_id IS NOT NULL
               GROUP BY change_record_id) f ON f.change_record_id = c.id
         WHERE c.submitted_at IS NOT NULL AND f.released_at >= ${range.from} AND f.released_at < ${range.to}`,
    )
  )
    .filter((r) => agentIds.has(r.agent_id))
    .map((r) => r.hours);

  // Rework: rollbacks, emergencies and releases of an incident's fix, over all production deployments in range.
  const deployed = (
    await rows<{ agent_id: string; unplanned: number | null }>(
      sql`SELECT agent_id, CASE WHEN kind = 'rollback' OR kind = 'emergency'
                OR change_record_id IN (SELECT fix_change_record_id FROM incidents WHERE fix_change_record_id IS NOT NULL) THEN 1 ELSE 0 END AS unplanned
         FROM deployments WHERE environment = 'production' AND deployed_at >= ${range.from} AND deployed_at < ${range.to}`,
    )
  ).filter((d) => agentIds.has(d.agent_id));

  return {
    releaseIds: releases.map((r) => r.id).sort(),
    failedIds: failures.map((f) => f.release.id).sort(),
    leadHours,
    recoveryHours,
    unplanned: deployed.filter((d) => d.unplanned === 1).length,
    total: deployed.length,
    days: (range.to - range.from) / DAY,
  };
}

function expectClose(actual: number | null, expected: number | null) {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, 6);
}

type Metrics = Awaited<ReturnType<typeof doraReport>>["current"];

/** Every record behind a number, read through the paged reader as the export reads them. */
const recordIds = async (filters: MetricsFilters, metric: (typeof DORA_METRICS)[number]) =>
  (await doraRecords(leader, filters, metric, { offset: 0, limit: 1_000_000 }, TEST_UNTIL)).rows.map((r) => r.deploymentId).sort();

async function expectAgrees(m: Metrics, e: Expected, filters?: MetricsFilters) {
  const releases = e.releaseIds.length;
  // Deployment frequency.
  expect(m.deploymentFrequency.count).toBe(releases);
  if (filters) expect(await recordIds(filters, "deploymentFrequency")).toEqual(e.releaseIds);
  expect(m.deploymentFrequency.perWeek).toBeCloseTo(releases / (e.days / 7), 9);
  // Change fail rate.
  expect(m.changeFailRate.total).toBe(releases);
  expect(m.changeFailRate.failed).toBe(e.failedIds.length);
  if (filters) expect(await recordIds(filters, "changeFailRate")).toEqual(e.failedIds);
  expectClose(m.changeFailRate.rate, releases === 0 ? null : e.failedIds.length / releases);
  // Lead time.
  expect(m.leadTime.count).toBe(e.leadHours.length);
  expectClose(m.leadTime.medianHours, quantile(e.leadHours, 0.5));
  expectClose(m.leadTime.p90Hours, quantile(e.leadHours, 0.9));
  // Recovery time.
  expect(m.recoveryTime.count).toBe(e.recoveryHours.length);
  expect(m.recoveryTime.unrecovered).toBe(e.failedIds.length - e.recoveryHours.length);
  expectClose(m.recoveryTime.medianHours, quantile(e.recoveryHours, 0.5));
  expectClose(m.recoveryTime.p90Hours, quantile(e.recoveryHours, 0.9));
  // Rework rate.
  expect(m.reworkRate.total).toBe(e.total);
  expect(m.reworkRate.unplanned).toBe(e.unplanned);
  expectClose(m.reworkRate.rate, e.total === 0 ? null : e.unplanned / e.total);
}

/** The default range: the 182 days up to and including TEST_UNTIL's day. */
const defaultRange: Range = { from: TEST_UNTIL + DAY - DEFAULT_RANGE_DAYS * DAY, to: TEST_UNTIL + DAY };
const fullYear: MetricsFilters = { from: "2025-11-22", to: "2026-11-21" };
const fullYearRange: Range = { from: Date.UTC(2025, 10, 22), to: Date.UTC(2026, 10, 22) };

describe("doraReport on the demo estate agrees with the metrics computed from the rows", () => {
  // `failing`: the case has failed releases, recoveries and rework, so those metrics are not compared vacuously.
  const cases: { name: string; filters: MetricsFilters; range: Range; failing: boolean }[] = [
    { name: "default 26 weeks", filters: {}, range: defaultRange, failing: true },
    { name: "a full year", filters: fullYear, range: fullYearRange, failing: true },
    { name: "workflow refunds, default 26 weeks", filters: { workflow: "refunds" }, range: defaultRange, failing: false },
    { name: "workflow refunds, a full year", filters: { ...fullYear, workflow: "refunds" }, range: fullYearRange, failing: true },
    { name: "platform servicenow, a full year", filters: { ...fullYear, platform: "servicenow" }, range: fullYearRange, failing: true },
  ];

  it.each(cases)("$name", async ({ filters, range, failing }) => {
    const report = await doraReport(leader, filters, TEST_UNTIL);
    expect(report.current.range).toEqual(range);
    const expected = await independent(range, filters);
    expect(expected.releaseIds.length).toBeGreaterThan(0);
    if (failing) {
      expect(expected.failedIds.length).toBeGreaterThan(0);
      expect(expected.recoveryHours.length).toBeGreaterThan(0);
      expect(expected.unplanned).toBeGreaterThan(0);
    }
    await expectAgrees(report.current, expected, filters);
  });

  it.each(cases)("$name: the previous period is the equal-length period before, and agrees too", async ({ filters, range }) => {
    const { previous } = await doraReport(leader, filters, TEST_UNTIL);
    const before = { from: range.from - (range.to - range.from), to: range.from };
    expect(previous.range).toEqual(before);
    await expectAgrees(previous, await independent(before, filters));
  });

  it("the default range ends with TEST_UNTIL's day and spans 182 days", () => {
    expect(rangeOf({}, TEST_UNTIL)).toEqual(defaultRange);
    expect((defaultRange.to - defaultRange.from) / DAY).toBe(182);
  });
});

describe("the weekly series", () => {
  it.each([{}, fullYear, { workflow: "refunds" }])(
    "its deployments sum to the releases and its failed to the failures (%o)",
    async (filters) => {
      const { current } = await doraReport(leader, filters, TEST_UNTIL);
      const sum = (pick: (w: (typeof current.weekly)[number]) => number) => current.weekly.reduce((n, w) => n + pick(w), 0);
      expect(sum((w) => w.deployments)).toBe(current.deploymentFrequency.count);
      expect(sum((w) => w.failed)).toBe(current.changeFailRate.failed);
      expect(sum((w) => w.unplanned)).toBe(current.reworkRate.unplanned);
      expect(sum((w) => w.total)).toBe(current.reworkRate.total);
      // ISO weeks: Mondays, one week apart, the first one overlapping the range's start.
      const starts = current.weekly.map((w) => Date.parse(w.weekStart));
      expect(starts.every((t) => new Date(t).getUTCDay() === 1)).toBe(true);
      expect(starts.slice(1).every((t, i) => t - starts[i]! === 7 * DAY)).toBe(true);
      expect(starts[0]).toBeLessThanOrEqual(current.range.from);
      expect(starts[0]! + 7 * DAY).toBeGreaterThan(current.range.from);
      expect(starts.at(-1)).toBeLessThan(current.range.to);
    },
  );
});

describe("filters", () => {
  const tierOfRelease = async (range: Range) =>
    new Map(
      (
        await rows<{ id: string; risk_tier: string | null }>(
          sql`SELECT d.id, c.risk_tier FROM deployments d LEFT JOIN change_records c ON c.id = d.change_record_id
             WHERE d.environment = 'production' AND d.kind IN ('promote', 'emergency') AND d.deployed_at >= ${range.from} AND d.deployed_at < ${range.to}`,
        )
      ).map((r) => [r.id, r.risk_tier]),
    );

  it("the risk filter keeps only the releases of changes of that tier, and their failures", async () => {
    const tiers = await tierOfRelease(fullYearRange);
    const all = await independent(fullYearRange);
    let releases = 0;
    for (const risk of RISK_LEVELS) {
      const { current } = await doraReport(leader, { ...fullYear, risk }, TEST_UNTIL);
      const ids = await recordIds({ ...fullYear, risk }, "deploymentFrequency");
      expect(ids).toEqual(
        [...tiers]
          .filter(([, tier]) => tier === risk)
          .map(([id]) => id)
          .sort(),
      );
      expect(await recordIds({ ...fullYear, risk }, "changeFailRate")).toEqual(all.failedIds.filter((id) => tiers.get(id) === risk));
      releases += current.deploymentFrequency.count;
    }
    // Every release in the estate carries a change with a tier, so the tiers partition the releases.
    expect(releases).toBe(all.releaseIds.length);
  });

  it("doraBreakdown by workflow and by platform sums to the unfiltered release count", async () => {
    const { current } = await doraReport(leader, {}, TEST_UNTIL);
    for (const by of ["workflow", "platform"] as const) {
      const rows = await doraBreakdown(leader, {}, by, TEST_UNTIL);
      expect(rows.reduce((n, r) => n + r.releases, 0)).toBe(current.deploymentFrequency.count);
      expect(rows.reduce((n, r) => n + r.failed, 0)).toBe(current.changeFailRate.failed);
    }
    const refunds = (await doraBreakdown(leader, {}, "workflow", TEST_UNTIL)).find((r) => r.key === "refunds")!;
    const expected = await independent(defaultRange, { workflow: "refunds" });
    expect(refunds.releases).toBe(expected.releaseIds.length);
    expect(refunds.failed).toBe(expected.failedIds.length);
    expectClose(refunds.leadTimeMedianHours, quantile(expected.leadHours, 0.5));
    // A workflow filter narrows the breakdown to that one workflow.
    expect((await doraBreakdown(leader, { workflow: "refunds" }, "workflow", TEST_UNTIL)).map((r) => r.key)).toEqual(["refunds"]);
  });

  it("an agent with no production deployment in the range: count 0, null rates and bands", async () => {
    // The longest gap between two production deployments of one agent, as whole UTC days strictly inside it.
    const [gap] = (await rows<{ slug: string; after: number; before: number }>(
      sql`SELECT slug, "after", "before" FROM (
           SELECT a.slug AS slug, d.deployed_at AS "after",
                  (SELECT MIN(n.deployed_at) FROM deployments n WHERE n.agent_id = d.agent_id AND n.environment = 'production' AND n.deployed_at > d.deployed_at) AS "before"
           FROM deployments d JOIN agents a ON a.id = d.agent_id WHERE d.environment = 'production'
         ) AS gaps WHERE "before" IS NOT NULL
         ORDER BY "before" - "after" DESC, slug LIMIT 1`,
    )) as [{ slug: string; after: number; before: number }];
    const from = Math.floor(gap.after / DAY) * DAY + DAY;
    const to = Math.floor(gap.before / DAY) * DAY - DAY;
    expect(to).toBeGreaterThanOrEqual(from);
    const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
    const filters = { agent: gap.slug, from: iso(from), to: iso(to) };
    expect((await independent({ from, to: to + DAY }, filters)).total).toBe(0);

    const { current } = await doraReport(leader, filters, TEST_UNTIL);
    expect(current.deploymentFrequency.count).toBe(0);
    expect(current.deploymentFrequency.perWeek).toBe(0);
    expect(current.deploymentFrequency.band).toBeNull();
    expect(current.changeFailRate).toMatchObject({ rate: null, band: null, failed: 0, total: 0 });
    expect(current.leadTime).toMatchObject({ medianHours: null, p90Hours: null, band: null, count: 0 });
    expect(current.recoveryTime).toMatchObject({ medianHours: null, p90Hours: null, band: null, count: 0 });
    expect(current.reworkRate).toMatchObject({ rate: null, unplanned: 0, total: 0 });
    expect(current.weekly.every((w) => w.deployments === 0 && w.leadTimeMedianHours === null)).toBe(true);
  });
});

describe("the range and who may ask", () => {
  it("rangeOf rejects from after to with a bad_request naming from; one day is a range", async () => {
    const error = await errorOf(() => rangeOf({ from: "2026-03-02", to: "2026-03-01" }, TEST_UNTIL));
    expect(error.code).toBe("bad_request");
    expect(error.message).toMatch(/\bfrom\b/);
    expect(error.details).toMatchObject({ parameter: "from" });
    expect((await errorOf(async () => await doraReport(leader, { from: "2026-03-02", to: "2026-03-01" }, TEST_UNTIL))).code).toBe(
      "bad_request",
    );
    expect(rangeOf({ from: "2026-03-01", to: "2026-03-01" }, TEST_UNTIL)).toEqual({ from: Date.UTC(2026, 2, 1), to: Date.UTC(2026, 2, 2) });
  });

  it("refuses what the API could otherwise ask for: impossible dates, more than five years, an unknown workflow", async () => {
    expect(() => parseMetricsFilters({ to: "2026-02-31" })).toThrow(/to must be a real date/);
    expect(
      (await errorOf(async () => await doraReport(leader, { from: "2020-01-01", to: "2026-11-20" }, TEST_UNTIL))).details,
    ).toMatchObject({
      parameter: "from",
    });
    expect(await errorOf(async () => await doraReport(leader, { workflow: "no-such-workflow" }, TEST_UNTIL))).toMatchObject({
      code: "bad_request",
      message: 'there is no workflow "no-such-workflow"',
    });
  });

  it("a token without the read scope is refused; one with it is served", async () => {
    await withTransaction(async (tx) => {
      await tx.insert(apiTokens).values([
        {
          id: "tok_metrics_write",
          name: "ci-writer",
          tokenHash: hashToken("cs_metrics_write"),
          scopes: ["changes:write", "evals:write"],
          createdById: "usr_admin",
          createdAt: TEST_UNTIL,
        },
        {
          id: "tok_metrics_read",
          name: "dashboards",
          tokenHash: hashToken("cs_metrics_read"),
          scopes: ["read"],
          createdById: "usr_admin",
          createdAt: TEST_UNTIL,
        },
      ]);
    });
    const writer = (await tokenCaller("cs_metrics_write", TEST_UNTIL))!;
    const refused = await errorOf(async () => await doraReport(writer, {}, TEST_UNTIL));
    expect(refused.code).toBe("forbidden");
    expect(refused.message).toMatch(/read scope/);
    expect((await errorOf(async () => await doraBreakdown(writer, {}, "workflow", TEST_UNTIL))).code).toBe("forbidden");

    const reader = (await tokenCaller("cs_metrics_read", TEST_UNTIL))!;
    expect((await doraReport(reader, {}, TEST_UNTIL)).current.deploymentFrequency.count).toBe(
      (await doraReport(leader, {}, TEST_UNTIL)).current.deploymentFrequency.count,
    );
  });
});
