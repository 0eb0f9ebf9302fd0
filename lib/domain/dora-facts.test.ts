import { describe, expect, it } from "vitest";
import { percentile, type DoraDeployment } from "./dora";
import { doraFactsOf } from "./dora-facts";
import { lowerRank, medianDaysPerPeriod, percentileOfRanks } from "./dora-summary";

const H = 3_600_000;
const d = (
  id: string,
  kind: DoraDeployment["kind"],
  at: number,
  change: string | null,
  version: string,
  replaced: string | null,
): DoraDeployment => ({
  id,
  agentId: "a",
  environment: "production",
  kind,
  deployedAt: at * H,
  changeRecordId: change,
  versionId: version,
  replacedVersionId: replaced,
});

describe("percentileOfRanks", () => {
  it("gives what percentile gives, from the two values at the lower rank and the next", () => {
    const values = [1, 2, 4, 8, 16];
    for (const p of [0, 0.5, 0.9, 1]) {
      const sorted = [...values];
      expect(percentileOfRanks(5, p, (r) => sorted[r]!)).toBe(percentile(values, p));
    }
    // (5 − 1)·0.9 = 3.6: 8 + 0.6·(16 − 8) = 12.8.
    expect(percentileOfRanks(5, 0.9, (r) => values[r]!)).toBeCloseTo(12.8, 12);
    expect(lowerRank(5, 0.9)).toBe(3);
    expect(percentileOfRanks(0, 0.5, () => 0)).toBeNull();
  });
});

describe("medianDaysPerPeriod", () => {
  it("counts the days in each period, zero for a period with none, and takes the median", () => {
    const DAY = 86_400_000;
    const periods = [0, 7, 14].map((start) => ({ from: start * DAY, to: (start + 7) * DAY }));
    // 3 days in the first week, none in the second, 1 in the third: median 1.
    expect(medianDaysPerPeriod([0, 1, 2, 15], periods)).toBe(1);
  });
});

describe("doraFactsOf", () => {
  const changes = [
    { id: "c1", number: 1, submittedAt: 0, riskTier: "high" as const },
    { id: "c2", number: 2, submittedAt: 5 * H, riskTier: "low" as const },
  ];
  const versionChange = new Map([
    ["v1", "c1"],
    ["v2", "c2"],
  ]);

  it("a release rolled back after a release of another tier failed within its tier only", () => {
    // v1 (high) at 10h, v2 (low) at 20h, roll back v2 → v1 at 30h, roll back v1 → v0 at 40h.
    const facts = doraFactsOf({
      deployments: [
        d("r1", "promote", 10, "c1", "v1", "v0"),
        d("r2", "promote", 20, "c2", "v2", "v1"),
        d("b1", "rollback", 30, null, "v1", "v2"),
        d("b2", "rollback", 40, null, "v0", "v1"),
      ],
      changes,
      incidents: [],
      versionChange,
    });
    const r1 = facts.find((f) => f.deploymentId === "r1")!;
    // Unfiltered, r2 came between: rolling back v1 at 40h undoes a later state, not r1.
    expect(r1.all.failed).toBe(false);
    // Within the high tier, r2 is not there: b2 rolled r1 back, 30 hours after it went out.
    expect(r1.tier).toEqual({ failed: true, rolledBackBy: "b2", restoredAt: 40 * H, restoredHow: "rollback" });
    expect(r1.detectedAt).toBe(10 * H);
    expect(r1.leadMs).toBe(10 * H);
    expect(facts.find((f) => f.deploymentId === "r2")!).toMatchObject({
      riskTier: "low",
      leadMs: 15 * H,
      all: { failed: true, rolledBackBy: "b1" },
    });
    // A rollback takes the tier of the change whose version it took out, and is rework.
    expect(facts.find((f) => f.deploymentId === "b1")).toMatchObject({ riskTier: "low", rework: "rollback", release: false });
    expect(facts.find((f) => f.deploymentId === "b2")).toMatchObject({ riskTier: "high", rework: "rollback" });
  });

  it("an incident's fix restores from detection, and only within the fix's own tier under the risk filter", () => {
    const facts = doraFactsOf({
      deployments: [d("r1", "promote", 10, "c1", "v1", "v0"), d("r2", "promote", 20, "c2", "v2", "v1")],
      changes,
      incidents: [{ id: "i1", agentId: "a", deploymentId: "r1", detectedAt: 12 * H, resolvedAt: 30 * H, fixChangeRecordId: "c2" }],
      versionChange,
    });
    const r1 = facts.find((f) => f.deploymentId === "r1")!;
    expect(r1.detectedAt).toBe(12 * H);
    expect(r1.all).toEqual({ failed: true, rolledBackBy: null, restoredAt: 20 * H, restoredHow: "fix_released" });
    // The fix is a low-risk change: seen among high-risk changes only, the incident's resolution restored it.
    expect(r1.tier).toEqual({ failed: true, rolledBackBy: null, restoredAt: 30 * H, restoredHow: "incident_resolved" });
    expect(facts.find((f) => f.deploymentId === "r2")!.rework).toBe("incident_fix");
  });
});
