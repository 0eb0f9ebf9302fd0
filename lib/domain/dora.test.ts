import { describe, expect, it } from "vitest";
import { changeFailRateBand, deploymentFrequencyBand, leadTimeBand, recoveryTimeBand } from "./dora-bands";
import {
  doraMetrics,
  percentile,
  previousRange,
  type DoraChange,
  type DoraDeployment,
  type DoraIncident,
  type DoraMetrics,
  type DoraRange,
} from "./dora";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-01-01 00:00 UTC, the start of an ISO week. */
const JAN_1 = Date.UTC(2024, 0, 1);

/** An instant counted from Monday 1 January 2024: at(1, 20) is Tuesday 2 January, 20:00 UTC. */
function at(day: number, hour = 0, minute = 0): number {
  return JAN_1 + day * DAY + hour * HOUR + minute * 60_000;
}

/** Two ISO weeks: Monday 1 January to Monday 15 January 2024. */
const TWO_WEEKS: DoraRange = { from: at(0), to: at(14) };

/** A production promote of agent_a, deploying version v_<id>, unless told otherwise. */
function deploy(id: string, deployedAt: number, fields: Partial<DoraDeployment> = {}): DoraDeployment {
  return {
    id,
    agentId: "agent_a",
    environment: "production",
    kind: "promote",
    deployedAt,
    changeRecordId: null,
    versionId: `v_${id}`,
    replacedVersionId: null,
    ...fields,
  };
}

function rollback(id: string, deployedAt: number, replacedVersionId: string, fields: Partial<DoraDeployment> = {}): DoraDeployment {
  return deploy(id, deployedAt, { kind: "rollback", versionId: "v_earlier", replacedVersionId, ...fields });
}

function incident(id: string, detectedAt: number, fields: Partial<DoraIncident> = {}): DoraIncident {
  return { id, agentId: "agent_a", deploymentId: null, detectedAt, resolvedAt: null, fixChangeRecordId: null, ...fields };
}

function change(number: number, submittedAt: number | null): DoraChange {
  return { id: `cr_${number}`, number, submittedAt };
}

function metrics(
  input: { deployments?: DoraDeployment[]; changes?: DoraChange[]; incidents?: DoraIncident[]; range?: DoraRange } = {},
): DoraMetrics {
  return doraMetrics({ deployments: [], changes: [], incidents: [], range: TWO_WEEKS, ...input });
}

describe("percentile", () => {
  it("interpolates linearly between closest ranks, like numpy's default", () => {
    // Ranks 0, 1, 2 hold 10, 20, 40. p90 sits at rank 2 × 0.9 = 1.8: 20 + 0.8 × (40 − 20) = 36.
    expect(percentile([40, 10, 20], 0.5)).toBe(20);
    expect(percentile([40, 10, 20], 0.9)).toBeCloseTo(36, 9);
  });

  it("takes the mean of the middle two for an even count", () => {
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2.5);
  });

  it("returns the one value of a single-value list, and null for none", () => {
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe("previousRange", () => {
  it("is the period of equal length immediately before", () => {
    expect(previousRange(TWO_WEEKS)).toEqual({ from: at(-14), to: at(0) });
    expect(previousRange({ from: at(3, 6), to: at(4) })).toEqual({ from: at(2, 12), to: at(3, 6) });
  });
});

describe("doraMetrics: an estate over two weeks", () => {
  // Week 1: CR-1 released cleanly; CR-2 released, an incident opened and resolved.
  // Week 2: CR-3 released and rolled back; CR-5 released as an emergency.
  const result = metrics({
    changes: [change(1, at(0)), change(2, at(1)), change(3, at(7)), change(5, at(9))],
    deployments: [
      deploy("d1", at(0, 10), { changeRecordId: "cr_1" }),
      deploy("d2", at(1, 20), { changeRecordId: "cr_2", replacedVersionId: "v_d1" }),
      deploy("d3", at(8, 16), { changeRecordId: "cr_3", replacedVersionId: "v_d2" }),
      rollback("d4", at(8, 18), "v_d3", { versionId: "v_d2" }),
      deploy("d5", at(9, 2), { kind: "emergency", changeRecordId: "cr_5", replacedVersionId: "v_d2" }),
    ],
    incidents: [incident("i1", at(1, 22), { deploymentId: "d2", resolvedAt: at(2, 1) })],
  });

  it("measures lead time from submission to first production release", () => {
    // 10 h, 20 h, 40 h (Mon 7 Jan 00:00 → Tue 8 Jan 16:00), 2 h. Sorted 2, 10, 20, 40:
    // median (10 + 20) / 2 = 15; p90 at rank 2.7 = 20 + 0.7 × 20 = 34.
    expect(result.leadTime.items.map((i) => [i.changeNumber, i.deploymentId, i.hours])).toEqual([
      [1, "d1", 10],
      [2, "d2", 20],
      [3, "d3", 40],
      [5, "d5", 2],
    ]);
    expect(result.leadTime.medianHours).toBe(15);
    expect(result.leadTime.p90Hours).toBeCloseTo(34, 9);
    expect(result.leadTime).toMatchObject({ band: "elite", count: 4 });
  });

  it("counts releases, emergencies included, and the days they fell on", () => {
    // 4 releases in 2 weeks; release days per week: {1, 2 Jan} = 2 and {9, 10 Jan} = 2.
    expect(result.deploymentFrequency).toMatchObject({
      perWeek: 2,
      deploymentDaysPerWeek: 2,
      deploymentDaysPerMonth: 4,
      band: "high",
      count: 4,
    });
    expect(result.deploymentFrequency.items.map((i) => i.deploymentId)).toEqual(["d1", "d2", "d3", "d5"]);
  });

  it("fails the release with an incident and the release rolled back: 2 of 4", () => {
    expect(result.changeFailRate).toEqual({
      rate: 0.5,
      band: "low",
      failed: 2,
      total: 4,
      items: [
        { deploymentId: "d2", agentId: "agent_a", deployedAt: at(1, 20), rolledBackBy: null, incidentIds: ["i1"] },
        { deploymentId: "d3", agentId: "agent_a", deployedAt: at(8, 16), rolledBackBy: "d4", incidentIds: [] },
      ],
    });
  });

  it("times recovery from detection to restoration", () => {
    // d2: incident 22:00 → resolved 01:00 = 3 h. d3: released 16:00 → rolled back 18:00 = 2 h.
    // Median 2.5; p90 at rank 0.9 = 2 + 0.9 × 1 = 2.9.
    expect(result.recoveryTime.items).toEqual([
      {
        deploymentId: "d2",
        agentId: "agent_a",
        deployedAt: at(1, 20),
        detectedAt: at(1, 22),
        restoredAt: at(2, 1),
        hours: 3,
        how: "incident_resolved",
      },
      {
        deploymentId: "d3",
        agentId: "agent_a",
        deployedAt: at(8, 16),
        detectedAt: at(8, 16),
        restoredAt: at(8, 18),
        hours: 2,
        how: "rollback",
      },
    ]);
    expect(result.recoveryTime.medianHours).toBe(2.5);
    expect(result.recoveryTime.p90Hours).toBeCloseTo(2.9, 9);
    expect(result.recoveryTime).toMatchObject({ band: "high", count: 2, unrecovered: 0 });
  });

  it("counts the rollback and the emergency release as rework: 2 of 5 deployments", () => {
    expect(result.reworkRate).toEqual({
      rate: 0.4,
      unplanned: 2,
      total: 5,
      items: [
        { deploymentId: "d4", agentId: "agent_a", deployedAt: at(8, 18), why: "rollback" },
        { deploymentId: "d5", agentId: "agent_a", deployedAt: at(9, 2), why: "emergency" },
      ],
    });
  });

  it("gives one weekly entry per ISO week, oldest first", () => {
    expect(result.weekly).toEqual([
      { weekStart: "2024-01-01", deployments: 2, failed: 1, leadTimeMedianHours: 15, recoveryMedianHours: 3, unplanned: 0, total: 2 },
      { weekStart: "2024-01-08", deployments: 2, failed: 1, leadTimeMedianHours: 21, recoveryMedianHours: 2, unplanned: 2, total: 3 },
    ]);
  });

  it("echoes the range", () => {
    expect(result.range).toEqual(TWO_WEEKS);
  });
});

describe("doraMetrics: no deployments at all", () => {
  it("returns counts of zero, null medians, rates and bands, and weeks of zeros", () => {
    const emptyWeek = { deployments: 0, failed: 0, leadTimeMedianHours: null, recoveryMedianHours: null, unplanned: 0, total: 0 };
    expect(metrics({ changes: [change(1, at(0))], incidents: [incident("i1", at(2))] })).toEqual({
      range: TWO_WEEKS,
      leadTime: { medianHours: null, p90Hours: null, band: null, count: 0, items: [] },
      deploymentFrequency: { perWeek: 0, deploymentDaysPerWeek: 0, deploymentDaysPerMonth: 0, band: null, count: 0, items: [] },
      changeFailRate: { rate: null, band: null, failed: 0, total: 0, items: [] },
      recoveryTime: { medianHours: null, p90Hours: null, band: null, count: 0, unrecovered: 0, items: [] },
      reworkRate: { rate: null, unplanned: 0, total: 0, items: [] },
      weekly: [
        { weekStart: "2024-01-01", ...emptyWeek },
        { weekStart: "2024-01-08", ...emptyWeek },
      ],
    });
  });

  it("treats an estate deployed only outside production as having no deployments", () => {
    const result = metrics({
      changes: [change(1, at(0))],
      deployments: [
        deploy("d1", at(0, 4), { environment: "development", changeRecordId: "cr_1" }),
        deploy("d2", at(0, 6), { environment: "staging", kind: "emergency", changeRecordId: "cr_1" }),
        rollback("d3", at(0, 8), "v_d2", { environment: "staging" }),
      ],
      incidents: [incident("i1", at(0, 7), { deploymentId: "d2" })],
    });
    expect(result.deploymentFrequency.count).toBe(0);
    expect(result.leadTime.count).toBe(0);
    expect(result.changeFailRate.total).toBe(0);
    expect(result.reworkRate.total).toBe(0);
  });
});

describe("doraMetrics: change lead time", () => {
  it("counts a change released twice once, at its first release", () => {
    const result = metrics({
      changes: [change(1, at(0))],
      deployments: [
        deploy("d1", at(0, 10), { changeRecordId: "cr_1" }),
        rollback("d2", at(0, 12), "v_d1"),
        deploy("d3", at(3), { changeRecordId: "cr_1", versionId: "v_d1" }),
      ],
    });
    expect(result.leadTime.items.map((i) => [i.deploymentId, i.hours])).toEqual([["d1", 10]]);
    // The re-release is still a release.
    expect(result.deploymentFrequency.count).toBe(2);
  });

  it("counts a change submitted before the range and released inside it, for its whole lead time", () => {
    const result = metrics({ changes: [change(1, at(-3))], deployments: [deploy("d1", at(1), { changeRecordId: "cr_1" })] });
    expect(result.leadTime.items).toEqual([
      { changeId: "cr_1", changeNumber: 1, deploymentId: "d1", submittedAt: at(-3), releasedAt: at(1), hours: 96 },
    ]);
  });

  it("leaves out a change released after the range, and one first released before it", () => {
    const result = metrics({
      changes: [change(1, at(10)), change(2, at(-5))],
      deployments: [
        deploy("d1", at(14), { changeRecordId: "cr_1" }),
        deploy("d2", at(-1), { changeRecordId: "cr_2" }),
        deploy("d3", at(2), { changeRecordId: "cr_2", versionId: "v_d2" }),
      ],
    });
    expect(result.leadTime.count).toBe(0);
    expect(result.deploymentFrequency.items.map((i) => i.deploymentId)).toEqual(["d3"]);
  });

  it("measures to the production release, not to an earlier staging deployment", () => {
    const result = metrics({
      changes: [change(1, at(0))],
      deployments: [
        deploy("s1", at(0, 1), { environment: "staging", changeRecordId: "cr_1" }),
        deploy("d1", at(0, 10), { changeRecordId: "cr_1" }),
      ],
    });
    expect(result.leadTime.items.map((i) => [i.deploymentId, i.hours])).toEqual([["d1", 10]]);
  });

  it("skips a change that was never submitted, and never reports a negative lead time", () => {
    const result = metrics({
      changes: [change(1, null), change(2, at(2, 5))],
      deployments: [deploy("d1", at(1), { changeRecordId: "cr_1" }), deploy("d2", at(2, 3), { changeRecordId: "cr_2" })],
    });
    expect(result.leadTime.items.map((i) => [i.changeNumber, i.hours])).toEqual([[2, 0]]);
  });
});

describe("doraMetrics: deployment frequency", () => {
  it("does not count rollbacks as releases", () => {
    const result = metrics({ deployments: [deploy("d1", at(0, 9)), rollback("d2", at(0, 10), "v_d1"), rollback("d3", at(2), "v_x")] });
    expect(result.deploymentFrequency).toMatchObject({ count: 1, perWeek: 0.5 });
  });

  it("takes the median over every ISO week the range touches, partial ones too", () => {
    // Sunday 7 Jan to Sunday 21 Jan touches the weeks of 1, 8 and 15 January.
    const range = { from: at(6), to: at(20) };
    // Release days: 7 Jan (week 1); 8, 9, 9, 10 Jan (week 2: 3 days); 16 Jan (week 3). Median of 1, 3, 1 = 1.
    const result = metrics({
      range,
      deployments: [
        deploy("d1", at(6, 12)),
        deploy("d2", at(7)),
        deploy("d3", at(8, 9)),
        deploy("d4", at(8, 17)),
        deploy("d5", at(9)),
        deploy("d6", at(15)),
      ],
    });
    expect(result.weekly.map((w) => [w.weekStart, w.deployments])).toEqual([
      ["2024-01-01", 1],
      ["2024-01-08", 4],
      ["2024-01-15", 1],
    ]);
    expect(result.deploymentFrequency).toMatchObject({ count: 6, perWeek: 3, deploymentDaysPerWeek: 1, band: "high" });
  });

  it("is elite at a median of 3 release days a week, high at 2", () => {
    const week = { from: at(0), to: at(7) };
    const threeDays = metrics({ range: week, deployments: [deploy("d1", at(0)), deploy("d2", at(2)), deploy("d3", at(4))] });
    expect(threeDays.deploymentFrequency).toMatchObject({ deploymentDaysPerWeek: 3, band: "elite" });
    const twoDays = metrics({ range: week, deployments: [deploy("d1", at(0)), deploy("d2", at(0, 5)), deploy("d3", at(4))] });
    expect(twoDays.deploymentFrequency).toMatchObject({ deploymentDaysPerWeek: 2, band: "high" });
  });

  it("is medium when most weeks have no release but each month has one", () => {
    // Four weeks within January; one release day, in the first week. Weeks 1, 0, 0, 0 → 0; January → 1.
    const result = metrics({ range: { from: at(0), to: at(28) }, deployments: [deploy("d1", at(2))] });
    expect(result.deploymentFrequency).toMatchObject({ deploymentDaysPerWeek: 0, deploymentDaysPerMonth: 1, band: "medium" });
  });

  it("is low when most months have no release", () => {
    // 1 January to 1 March: January has a release day, February none. Median of 1 and 0 = 0.5.
    const result = metrics({ range: { from: at(0), to: Date.UTC(2024, 2, 1) }, deployments: [deploy("d1", at(2))] });
    expect(result.deploymentFrequency).toMatchObject({ deploymentDaysPerMonth: 0.5, band: "low" });
    expect(result.weekly).toHaveLength(9);
  });
});

describe("doraMetrics: change fail rate", () => {
  it("fails a release rolled back with no incident, recovering from the release itself", () => {
    const result = metrics({ deployments: [deploy("d1", at(0, 9)), rollback("d2", at(0, 11), "v_d1")] });
    expect(result.changeFailRate).toMatchObject({ rate: 1, failed: 1, total: 1 });
    expect(result.recoveryTime.items).toEqual([
      {
        deploymentId: "d1",
        agentId: "agent_a",
        deployedAt: at(0, 9),
        detectedAt: at(0, 9),
        restoredAt: at(0, 11),
        hours: 2,
        how: "rollback",
      },
    ]);
  });

  it("fails no release for an incident linked to no deployment", () => {
    const result = metrics({ deployments: [deploy("d1", at(0, 9))], incidents: [incident("i1", at(0, 10), { resolvedAt: at(0, 12) })] });
    expect(result.changeFailRate).toMatchObject({ rate: 0, band: "elite", failed: 0, total: 1 });
    expect(result.recoveryTime.items).toEqual([]);
  });

  it("fails a release rolled back after the range ends", () => {
    const result = metrics({ deployments: [deploy("d1", at(13, 22)), rollback("d2", at(14, 1), "v_d1")] });
    expect(result.changeFailRate.items).toEqual([
      { deploymentId: "d1", agentId: "agent_a", deployedAt: at(13, 22), rolledBackBy: "d2", incidentIds: [] },
    ]);
    expect(result.recoveryTime.items[0]?.hours).toBe(3);
  });

  it("does not blame a release already replaced by the next release when its version is later rolled back", () => {
    // d2 replaces d1; d3 rolls d2 back to v_d1; d4 then rolls v_d1 back too. Only d2 failed: d1's
    // release ended when d2 replaced it, and d4 undoes the rollback's state.
    const result = metrics({
      deployments: [
        deploy("d1", at(0)),
        deploy("d2", at(1), { replacedVersionId: "v_d1" }),
        rollback("d3", at(1, 2), "v_d2", { versionId: "v_d1" }),
        rollback("d4", at(2), "v_d1", { versionId: "v_d0" }),
      ],
    });
    expect(result.changeFailRate.items.map((i) => [i.deploymentId, i.rolledBackBy])).toEqual([["d2", "d3"]]);
  });

  it("matches a rollback to its own agent's release, in production only", () => {
    const result = metrics({
      deployments: [
        deploy("d1", at(0), { versionId: "v_shared" }),
        rollback("d2", at(0, 1), "v_shared", { agentId: "agent_b" }),
        rollback("d3", at(0, 2), "v_shared", { environment: "staging" }),
      ],
    });
    expect(result.changeFailRate.failed).toBe(0);
  });

  it("bands 1 failure in 20 releases elite and 3 in 20 medium", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => deploy(`d${i}`, at(0, i)));
    const oneFailed = metrics({ deployments: twenty, incidents: [incident("i1", at(1), { deploymentId: "d0" })] });
    expect(oneFailed.changeFailRate).toMatchObject({ rate: 0.05, band: "elite", failed: 1, total: 20 });
    const threeFailed = metrics({
      deployments: twenty,
      incidents: ["d0", "d5", "d9"].map((deploymentId, i) => incident(`i${i}`, at(1), { deploymentId })),
    });
    expect(threeFailed.changeFailRate).toMatchObject({ rate: 0.15, band: "medium", failed: 3 });
  });
});

describe("doraMetrics: failed deployment recovery time", () => {
  it("restores at a fix released forward, before the incident is closed", () => {
    const result = metrics({
      changes: [change(7, at(2, 10, 15))],
      deployments: [deploy("d1", at(2, 9)), deploy("d2", at(2, 11), { changeRecordId: "cr_7", replacedVersionId: "v_d1" })],
      incidents: [incident("i1", at(2, 10), { deploymentId: "d1", resolvedAt: at(2, 12), fixChangeRecordId: "cr_7" })],
    });
    expect(result.recoveryTime.items).toEqual([
      {
        deploymentId: "d1",
        agentId: "agent_a",
        deployedAt: at(2, 9),
        detectedAt: at(2, 10),
        restoredAt: at(2, 11),
        hours: 1,
        how: "fix_released",
      },
    ]);
    // The fix is a release of its own, unplanned, and its change's lead time is 45 minutes.
    expect(result.reworkRate.items).toEqual([{ deploymentId: "d2", agentId: "agent_a", deployedAt: at(2, 11), why: "incident_fix" }]);
    expect(result.leadTime.items.map((i) => i.hours)).toEqual([0.75]);
  });

  it("detects at the earliest of several linked incidents", () => {
    const result = metrics({
      deployments: [deploy("d1", at(3, 9))],
      incidents: [
        incident("late", at(3, 14), { deploymentId: "d1", resolvedAt: at(3, 15) }),
        incident("early", at(3, 10), { deploymentId: "d1", resolvedAt: at(3, 18) }),
      ],
    });
    expect(result.changeFailRate.items[0]?.incidentIds).toEqual(["early", "late"]);
    expect(result.recoveryTime.items[0]).toMatchObject({
      detectedAt: at(3, 10),
      restoredAt: at(3, 15),
      hours: 5,
      how: "incident_resolved",
    });
  });

  it("lists an unrestored failure as unrecovered and leaves it out of the median", () => {
    const result = metrics({
      deployments: [deploy("d1", at(0, 9)), rollback("d2", at(0, 9, 30), "v_d1"), deploy("d3", at(4, 9))],
      incidents: [incident("i1", at(4, 10), { deploymentId: "d3" })],
    });
    expect(result.recoveryTime).toMatchObject({ medianHours: 0.5, p90Hours: 0.5, band: "elite", count: 1, unrecovered: 1 });
    expect(result.recoveryTime.items[1]).toEqual({
      deploymentId: "d3",
      agentId: "agent_a",
      deployedAt: at(4, 9),
      detectedAt: at(4, 10),
      restoredAt: null,
      hours: null,
      how: null,
    });
    expect(result.weekly[0]?.recoveryMedianHours).toBe(0.5);
  });

  it("ignores a restoration before detection: a rollback before the incident was opened", () => {
    const result = metrics({
      deployments: [deploy("d1", at(4, 9)), rollback("d2", at(4, 10), "v_d1")],
      incidents: [incident("i1", at(4, 12), { deploymentId: "d1", resolvedAt: at(4, 15) })],
    });
    expect(result.recoveryTime.items[0]).toMatchObject({
      detectedAt: at(4, 12),
      restoredAt: at(4, 15),
      hours: 3,
      how: "incident_resolved",
    });
  });

  it("credits a rollback over an incident resolved at the same moment", () => {
    const result = metrics({
      deployments: [deploy("d1", at(5, 9)), rollback("d2", at(5, 11), "v_d1")],
      incidents: [incident("i1", at(5, 10), { deploymentId: "d1", resolvedAt: at(5, 11) })],
    });
    expect(result.recoveryTime.items[0]).toMatchObject({ hours: 1, how: "rollback" });
  });
});

describe("doraMetrics: deployment rework rate", () => {
  it("counts rollbacks, emergency releases and incident fixes as unplanned, over all production deployments", () => {
    const result = metrics({
      deployments: [
        deploy("planned", at(0)),
        deploy("fix", at(1), { changeRecordId: "cr_8" }),
        deploy("orphan_fix", at(2), { changeRecordId: "cr_9" }),
        deploy("emergency_fix", at(3), { kind: "emergency", changeRecordId: "cr_8" }),
        rollback("rollback", at(4), "v_emergency_fix"),
        rollback("staging_rollback", at(5), "v_x", { environment: "staging" }),
      ],
      // The fix of an incident linked to no deployment is still unplanned work.
      incidents: [
        incident("i1", at(0, 1), { deploymentId: "planned", fixChangeRecordId: "cr_8" }),
        incident("i2", at(1, 12), { fixChangeRecordId: "cr_9" }),
      ],
    });
    expect(result.reworkRate.items.map((i) => [i.deploymentId, i.why])).toEqual([
      ["fix", "incident_fix"],
      ["orphan_fix", "incident_fix"],
      ["emergency_fix", "emergency"],
      ["rollback", "rollback"],
    ]);
    expect(result.reworkRate).toMatchObject({ rate: 0.8, unplanned: 4, total: 5 });
    // The emergency is a release too: four releases, all but the rollback.
    expect(result.deploymentFrequency.count).toBe(4);
  });
});

describe("doraMetrics: range", () => {
  it("refuses a range that does not end after it starts", () => {
    expect(() => metrics({ range: { from: at(1), to: at(1) } })).toThrow(RangeError);
  });
});

describe("bands", () => {
  it("bands the median lead time: under a day, a week, 30 days", () => {
    expect([23.99, 24, 167.99, 168, 719.99, 720].map(leadTimeBand)).toEqual(["elite", "high", "high", "medium", "medium", "low"]);
    expect(leadTimeBand(null)).toBeNull();
  });

  it("bands the change fail rate: up to 5%, 10%, 15%", () => {
    expect([0, 0.05, 0.0501, 0.1, 0.1001, 0.15, 0.1501].map(changeFailRateBand)).toEqual([
      "elite",
      "elite",
      "high",
      "high",
      "medium",
      "medium",
      "low",
    ]);
    expect(changeFailRateBand(null)).toBeNull();
  });

  it("bands the median recovery time: under an hour, a day, a week", () => {
    expect([0.99, 1, 23.99, 24, 167.99, 168].map(recoveryTimeBand)).toEqual(["elite", "high", "high", "medium", "medium", "low"]);
    expect(recoveryTimeBand(null)).toBeNull();
  });

  it("bands deployment frequency by release days a week, then a month", () => {
    expect(deploymentFrequencyBand(9, 3, 12)).toBe("elite");
    expect(deploymentFrequencyBand(4, 2.5, 10)).toBe("high");
    expect(deploymentFrequencyBand(4, 1, 4)).toBe("high");
    expect(deploymentFrequencyBand(2, 0.5, 1)).toBe("medium");
    expect(deploymentFrequencyBand(1, 0, 0.5)).toBe("low");
    expect(deploymentFrequencyBand(0, 0, 0)).toBeNull();
  });
});

describe("retiring an agent", () => {
  it("is no production deployment: it adds no release, no rework and no failure, and the agent's earlier releases still count", () => {
    const released = deploy("d1", at(1), { changeRecordId: "cr_1" });
    const retired = deploy("d2", at(3), { kind: "retire", changeRecordId: "cr_2", versionId: "v_d1", replacedVersionId: "v_d1" });
    const result = metrics({ deployments: [released, retired], changes: [change(1, at(0)), change(2, at(2))] });
    expect(result.deploymentFrequency.items.map((i) => i.deploymentId)).toEqual(["d1"]);
    expect(result.reworkRate).toMatchObject({ unplanned: 0, total: 1 });
    expect(result.changeFailRate).toMatchObject({ failed: 0, total: 1 });
    expect(result.leadTime.items.map((i) => i.changeNumber)).toEqual([1]);
  });
});
