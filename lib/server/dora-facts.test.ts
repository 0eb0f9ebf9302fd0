import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/db";
import { doraMetrics, DORA_METRICS, type DoraMetricName, type DoraMetrics, type DoraRange } from "@/lib/domain/dora";
import { RISK_LEVELS } from "@/lib/domain/terms";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { scopedHistory, withoutItems } from "@/lib/testing/dora-reference";
import { approveAll, as, DAY, releaseApproved, retentionChange, testClock } from "@/lib/testing/release-fixtures";
import { userCaller } from "./caller";
import { openIncident, updateIncident } from "./incidents";
import { doraNumbersFor, doraRecords, type MetricsScope } from "./metrics";

import { rollback } from "./rollback";
import { findActiveUser } from "./users";

/*
 * The dashboard's numbers come from dora_facts, kept by the write use cases; doraMetrics over the whole
 * history is the definition. They must agree exactly, for any range and scope, before and after writes.
 */

const clock = testClock();
const ops = () => as("ops@countersign.test");
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

beforeAll(async () => {
  await seedDemoEstate();
});

/** What the reference lists behind a metric: [deployment, at, hours], newest first. */
function referenceRecords(m: DoraMetrics, metric: DoraMetricName): [string, number, number | null][] {
  const rows: [string, number, number | null][] =
    metric === "leadTime"
      ? m.leadTime.items.map((i) => [i.deploymentId, i.releasedAt, i.hours])
      : metric === "deploymentFrequency"
        ? m.deploymentFrequency.items.map((i) => [i.deploymentId, i.deployedAt, null])
        : metric === "changeFailRate"
          ? m.changeFailRate.items.map((i) => [i.deploymentId, i.deployedAt, null])
          : metric === "recoveryTime"
            ? m.recoveryTime.items.map((i) => [i.deploymentId, i.detectedAt, i.hours])
            : m.reworkRate.items.map((i) => [i.deploymentId, i.deployedAt, null]);
  return rows.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

const leader = async () => userCaller((await findActiveUser({ email: "leader@countersign.test" }))!);

async function expectSame(scope: MetricsScope, range: DoraRange) {
  const reference = doraMetrics({ ...(await scopedHistory(scope)), range });
  expect(await doraNumbersFor(scope, range)).toEqual(withoutItems(reference));
  // The same through the index walks a large estate takes (the demo estate is small enough to read whole).
  expect(await doraNumbersFor(scope, range, 0)).toEqual(withoutItems(reference));
  // The records: only day-aligned ranges can be asked for through the filters.
  if (range.from % DAY !== 0 || range.to % DAY !== 0) return;
  const filters = { ...scope, from: iso(range.from), to: iso(range.to - DAY) };
  for (const metric of DORA_METRICS) {
    const records = await doraRecords(await leader(), filters, metric, { offset: 0, limit: 1_000_000 }, TEST_UNTIL);
    const expected = referenceRecords(reference, metric);
    expect(records.total).toBe(expected.length);
    expect(records.rows.map((r): [string, number, number | null] => [r.deploymentId, r.at, r.hours])).toEqual(expected);
  }
}

const day = (t: number) => Math.floor(t / DAY) * DAY;
const ranges = (): [string, DoraRange][] => [
  ["26 weeks", { from: day(TEST_UNTIL) + DAY - 182 * DAY, to: day(TEST_UNTIL) + DAY }],
  ["two years", { from: day(TEST_UNTIL) + DAY - 730 * DAY, to: day(TEST_UNTIL) + DAY }],
  ["the 26 weeks before", { from: day(TEST_UNTIL) + DAY - 364 * DAY, to: day(TEST_UNTIL) + DAY - 182 * DAY }],
  ["nine days mid-history", { from: day(TEST_UNTIL) - 200 * DAY, to: day(TEST_UNTIL) - 191 * DAY }],
  ["an odd instant-to-instant range", { from: TEST_UNTIL - 97 * DAY + 12_345, to: TEST_UNTIL - 3 * DAY - 999 }],
  ["up to now, after the writes", { from: day(TEST_UNTIL) - 60 * DAY, to: day(TEST_UNTIL) + 120 * DAY }],
];

async function scopes(): Promise<[string, MetricsScope][]> {
  const { agent } = (
    await rows<{ agent: string }>(
      sql`SELECT a.slug AS agent FROM agents a JOIN deployments d ON d.agent_id = a.id GROUP BY a.id, a.slug ORDER BY COUNT(*) DESC, a.slug LIMIT 1`,
    )
  )[0]!;
  return [
    ["everything", {}],
    ["workflow refunds", { workflow: "refunds" }],
    ["platform servicenow", { platform: "servicenow" }],
    ...RISK_LEVELS.map((risk): [string, MetricsScope] => [`risk ${risk}`, { risk }]),
    [`agent ${agent}`, { agent }],
    ["refunds and high risk", { workflow: "refunds", risk: "high" }],
  ];
}

describe("the facts agree with doraMetrics over the whole history", () => {
  it("on the demo estate, for every range and scope", async () => {
    for (const [, scope] of await scopes()) for (const [, range] of ranges()) await expectSame(scope, range);
  });

  it("after releases, rollbacks, incidents opened, linked and resolved, and fix releases through the use cases", async () => {
    const slug = "refund-assistant";
    // A release that is rolled back, with its incident resolved later.
    const change = await retentionChange(slug, 7, clock.next());
    await approveAll(change.id, clock);
    const bad = await releaseApproved(change.id, clock);
    const back = await rollback(
      await ops(),
      slug,
      { environment: "production", reason: "Refunds stalled", severity: "sev2" },
      clock.next(),
    );
    await updateIncident(await ops(), back.incident!.id, { resolution: "rollback" }, clock.next());
    // A release blamed by an incident opened afterwards, and fixed forward by another release.
    const second = await retentionChange(slug, 9, clock.next());
    await approveAll(second.id, clock);
    const blamed = await releaseApproved(second.id, clock);
    const incident = await openIncident(
      await ops(),
      { agent: slug, deploymentId: blamed.id, severity: "sev3", title: "Slow refunds" },
      clock.next(),
    );
    const fix = await retentionChange(slug, 11, clock.next());
    await approveAll(fix.id, clock);
    await releaseApproved(fix.id, clock);
    await updateIncident(await ops(), incident.id, { resolution: "fix_forward", fixChange: `CR-${fix.number}` }, clock.next());
    // An incident linked to a release after it was opened without one.
    const loose = await openIncident(await ops(), { agent: slug, severity: "sev4", title: "Odd totals" }, clock.next());
    await updateIncident(await ops(), loose.id, { deploymentId: bad.id }, clock.next());

    const after = { from: day(TEST_UNTIL) - 60 * DAY, to: day(clock.next()) + DAY };
    for (const [, scope] of await scopes()) {
      await expectSame(scope, after);
      await expectSame(scope, { from: after.from - 400 * DAY, to: after.to });
    }
    const numbers = await doraNumbersFor({ agent: slug }, after);
    expect(numbers.changeFailRate.failed).toBeGreaterThanOrEqual(2);
    expect(numbers.reworkRate.unplanned).toBeGreaterThanOrEqual(2);
  });
});
