import { describe, expect, it } from "vitest";
import {
  crosses,
  derivedMetricOf,
  derivedValue,
  evaluationSpan,
  harmStatus,
  metricKey,
  signalValue,
  thresholdLabel,
  windowMs,
} from "./harm-thresholds";
import { ZERO_COUNTS } from "./runtime";

const H = 3_600_000;
const D = 24 * H;

describe("metric names", () => {
  it("are keyed in lower case with underscores", () => {
    expect(metricKey("Refund reversal rate")).toBe("refund_reversal_rate");
    expect(metricKey("  CSAT (7-day) ")).toBe("csat_7_day");
  });
  it("name a derived counter directly or by a common alias", () => {
    expect(derivedMetricOf("corrections_rate")).toBe("corrections_rate");
    expect(derivedMetricOf("User correction rate")).toBe("corrections_rate");
    expect(derivedMetricOf("privilege rejections")).toBe("privilege_rejections");
    expect(derivedMetricOf("refund_reversal_rate")).toBeNull();
  });
});

describe("windows", () => {
  it("are hours, days or weeks", () => {
    expect(windowMs("24h")).toBe(24 * H);
    expect(windowMs("7d")).toBe(7 * D);
    expect(windowMs("2w")).toBe(14 * D);
    expect(windowMs("0d")).toBeNull();
    expect(windowMs("7 days")).toBeNull();
  });
  it("reach back from now, but never before the release they judge", () => {
    const now = 100 * D;
    expect(evaluationSpan("7d", 50 * D, now)).toEqual({ from: 93 * D, to: now });
    expect(evaluationSpan("7d", 98 * D, now)).toEqual({ from: 98 * D, to: now });
  });
});

describe("derived values", () => {
  it("rates are percentages over at least 20 decisions; fewer is not measured yet", () => {
    expect(derivedValue("corrections_rate", { ...ZERO_COUNTS, decisions: 40, corrections: 6 })).toBe(15);
    expect(derivedValue("corrections_rate", { ...ZERO_COUNTS, decisions: 19, corrections: 19 })).toBeNull();
    expect(derivedValue("approval_denied_rate", { ...ZERO_COUNTS, approvalsRequested: 25, approvalsDenied: 5 })).toBe(20);
    // Errors over everything that can fail: 30 decisions and 20 tool calls, 5 errors = 10%.
    expect(derivedValue("error_rate", { ...ZERO_COUNTS, decisions: 30, toolCalls: 20, errors: 5 })).toBe(10);
  });
  it("privilege rejections are a count", () => {
    expect(derivedValue("privilege_rejections", { ...ZERO_COUNTS, privilegeRejections: 3 })).toBe(3);
  });
  it("a business metric is the mean of the values in its window; none is not measured", () => {
    expect(signalValue([1, 2, 4.5])).toBe(2.5);
    expect(signalValue([])).toBeNull();
  });
});

describe("comparators", () => {
  it("each compares strictly or not, as written", () => {
    expect(crosses(2, { comparator: ">", threshold: 2 })).toBe(false);
    expect(crosses(2, { comparator: ">=", threshold: 2 })).toBe(true);
    expect(crosses(1.9, { comparator: "<", threshold: 2 })).toBe(true);
    expect(crosses(2, { comparator: "<=", threshold: 2 })).toBe(true);
    expect(crosses(2.1, { comparator: "<=", threshold: 2 })).toBe(false);
  });
  it("give a status, unmeasured when there is no value", () => {
    const metric = { comparator: ">" as const, threshold: 2 };
    expect(harmStatus(2.5, metric)).toBe("breached");
    expect(harmStatus(1, metric)).toBe("within");
    expect(harmStatus(null, metric)).toBe("unmeasured");
    expect(thresholdLabel({ name: "refund_reversal_rate", comparator: ">", threshold: 2, window: "7d" })).toBe(
      "refund_reversal_rate > 2 over 7d",
    );
  });
});
