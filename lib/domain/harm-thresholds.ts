import type { RuntimeCounts } from "./runtime";

/**
 * Harm thresholds (RUNTIME.md): a released change declares metrics like `refund_reversal_rate > 2 over 7d`;
 * each is evaluated over its window, from the release on, against the business signals of the version that
 * change released, or against a counter Countersign derives from traces. Rates are percentages.
 */

export type HarmMetric = { name: string; comparator: ">" | ">=" | "<" | "<="; threshold: number; window: string };

/** The counters Countersign derives from traces, under the names a harm metric may use. */
export const DERIVED_METRICS = ["corrections_rate", "privilege_rejections", "approval_denied_rate", "error_rate"] as const;
export type DerivedMetric = (typeof DERIVED_METRICS)[number];

const ALIASES: Record<string, DerivedMetric> = {
  correction_rate: "corrections_rate",
  user_correction_rate: "corrections_rate",
  user_corrections_rate: "corrections_rate",
  privilege_rejection: "privilege_rejections",
  approvals_denied_rate: "approval_denied_rate",
  errors_rate: "error_rate",
};

/** A metric's name as signals are keyed: lower case, words joined by underscores ("User correction rate" → user_correction_rate). */
export function metricKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** The derived counter a harm metric names, if it names one. */
export function derivedMetricOf(name: string): DerivedMetric | null {
  const key = metricKey(name);
  if ((DERIVED_METRICS as readonly string[]).includes(key)) return key as DerivedMetric;
  // Own keys only: a metric named "constructor" is a business metric, not Object's prototype.
  return Object.hasOwn(ALIASES, key) ? ALIASES[key]! : null;
}

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** "24h", "7d", "2w" in milliseconds; null for anything else. */
export function windowMs(window: string): number | null {
  const match = /^(\d+)([hdw])$/.exec(window.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : null;
}

/** Where a metric is read: its window back from now, but never before the release it judges. */
export function evaluationSpan(window: string, releasedAt: number, now: number): { from: number; to: number } | null {
  const ms = windowMs(window);
  return ms === null ? null : { from: Math.max(releasedAt, now - ms), to: now };
}

/** A rate is read only over this many decisions (or approvals) at least: one correction in the first two decisions is not 50%. */
export const MIN_RATE_SAMPLE = 20;

/** The value of a derived counter over a window's counts; a rate over fewer than MIN_RATE_SAMPLE is unmeasured. */
export function derivedValue(metric: DerivedMetric, counts: RuntimeCounts): number | null {
  const rate = (part: number, whole: number) => (whole >= MIN_RATE_SAMPLE ? (100 * part) / whole : null);
  switch (metric) {
    case "corrections_rate":
      return rate(counts.corrections, counts.decisions);
    case "privilege_rejections":
      return counts.privilegeRejections;
    case "approval_denied_rate":
      return rate(counts.approvalsDenied, counts.approvalsRequested);
    case "error_rate":
      return rate(counts.errors, counts.decisions + counts.toolCalls);
  }
}

/** A business metric over its window: the mean of the values reported in it; none reported is unmeasured. */
export function signalValue(values: number[]): number | null {
  // Each value divided first: a sum of values near the largest double would be Infinity, their mean is not.
  return values.length === 0 ? null : values.reduce((mean, v) => mean + v / values.length, 0);
}

export function crosses(value: number, metric: Pick<HarmMetric, "comparator" | "threshold">): boolean {
  switch (metric.comparator) {
    case ">":
      return value > metric.threshold;
    case ">=":
      return value >= metric.threshold;
    case "<":
      return value < metric.threshold;
    case "<=":
      return value <= metric.threshold;
  }
}

export type HarmStatus = "breached" | "within" | "unmeasured";

export function harmStatus(value: number | null, metric: Pick<HarmMetric, "comparator" | "threshold">): HarmStatus {
  return value === null ? "unmeasured" : crosses(value, metric) ? "breached" : "within";
}

/** How a threshold reads: "corrections_rate > 10 over 7d". */
export function thresholdLabel(metric: HarmMetric): string {
  return `${metric.name} ${metric.comparator} ${metric.threshold} over ${metric.window}`;
}
