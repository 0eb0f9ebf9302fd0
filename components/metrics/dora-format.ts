import { decimal, formatHours, formatPercent } from "@/components/charts/units";
import { DORA_METRIC_LABELS, DORA_METRICS, type DoraBand, type DoraMetricName } from "@/lib/domain/dora";

/** The five DORA numbers in words for people: the value, what it was counted from, and how it moved. */

export const METRIC_KEYS = DORA_METRICS;
export const METRIC_NAMES = DORA_METRIC_LABELS;
export type MetricKey = DoraMetricName;

/** The numbers of a DORA report without the records behind them: small, plain and serializable. `DoraMetrics` fits it as is. */
export type DoraSummary = {
  range: { from: number; to: number };
  leadTime: { medianHours: number | null; p90Hours: number | null; band: DoraBand | null; count: number };
  deploymentFrequency: { perWeek: number; deploymentDaysPerWeek: number; band: DoraBand | null; count: number };
  changeFailRate: { rate: number | null; band: DoraBand | null; failed: number; total: number };
  recoveryTime: { medianHours: number | null; p90Hours: number | null; band: DoraBand | null; count: number; unrecovered: number };
  reworkRate: { rate: number | null; unplanned: number; total: number };
};

/** Keeps the numbers of a report and drops its records, e.g. before handing it to a client component. */
export function doraSummary(m: DoraSummary): DoraSummary {
  return {
    range: { from: m.range.from, to: m.range.to },
    leadTime: { medianHours: m.leadTime.medianHours, p90Hours: m.leadTime.p90Hours, band: m.leadTime.band, count: m.leadTime.count },
    deploymentFrequency: {
      perWeek: m.deploymentFrequency.perWeek,
      deploymentDaysPerWeek: m.deploymentFrequency.deploymentDaysPerWeek,
      band: m.deploymentFrequency.band,
      count: m.deploymentFrequency.count,
    },
    changeFailRate: {
      rate: m.changeFailRate.rate,
      band: m.changeFailRate.band,
      failed: m.changeFailRate.failed,
      total: m.changeFailRate.total,
    },
    recoveryTime: {
      medianHours: m.recoveryTime.medianHours,
      p90Hours: m.recoveryTime.p90Hours,
      band: m.recoveryTime.band,
      count: m.recoveryTime.count,
      unrecovered: m.recoveryTime.unrecovered,
    },
    reworkRate: { rate: m.reworkRate.rate, unplanned: m.reworkRate.unplanned, total: m.reworkRate.total },
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 of 61 releases": the count behind a rate, the same words on the tile and the drill-down's heading. */
export function countOf(m: DoraSummary, metric: MetricKey): string {
  switch (metric) {
    case "leadTime":
      return `${plural(m.leadTime.count, "change")} released`;
    case "deploymentFrequency":
      return m.deploymentFrequency.count ? plural(m.deploymentFrequency.count, "release") : "no releases";
    case "changeFailRate":
      return m.changeFailRate.total ? `${m.changeFailRate.failed} of ${plural(m.changeFailRate.total, "release")}` : "no releases";
    case "recoveryTime": {
      const { count, unrecovered } = m.recoveryTime;
      return `${plural(count + unrecovered, "failed release")}${unrecovered ? `, ${unrecovered} not yet restored` : ""}`;
    }
    case "reworkRate":
      return m.reworkRate.total ? `${m.reworkRate.unplanned} of ${plural(m.reworkRate.total, "deployment")}` : "no deployments";
  }
}

/** How many records the drill-down lists for a metric; the tile's count says the same number. */
export function recordCount(m: DoraSummary, metric: MetricKey): number {
  switch (metric) {
    case "leadTime":
      return m.leadTime.count;
    case "deploymentFrequency":
      return m.deploymentFrequency.count;
    case "changeFailRate":
      return m.changeFailRate.failed;
    case "recoveryTime":
      return m.recoveryTime.count + m.recoveryTime.unrecovered;
    case "reworkRate":
      return m.reworkRate.unplanned;
  }
}

/** The metric's headline value; null when the scope has nothing to measure. */
function numberOf(m: DoraSummary, metric: MetricKey): number | null {
  switch (metric) {
    case "leadTime":
      return m.leadTime.medianHours;
    case "deploymentFrequency":
      return m.deploymentFrequency.count === 0 ? null : m.deploymentFrequency.perWeek;
    case "changeFailRate":
      return m.changeFailRate.rate;
    case "recoveryTime":
      return m.recoveryTime.medianHours;
    case "reworkRate":
      return m.reworkRate.rate;
  }
}

// A rare release still shows: 1 in 26 weeks is "0.04 per week", not "0 per week".
const perWeek = (n: number) => `${n >= 10 ? Math.round(n) : n > 0 && n < 0.1 ? decimal(n, 2) : decimal(n)} per week`;

export function formatMetric(metric: MetricKey, value: number | null): string {
  if (value === null) return "—";
  if (metric === "leadTime" || metric === "recoveryTime") return formatHours(value);
  if (metric === "deploymentFrequency") return perWeek(value);
  return formatPercent(value);
}

/** Lower is better for every metric but deployment frequency. */
const HIGHER_IS_BETTER: Record<MetricKey, boolean> = {
  leadTime: false,
  deploymentFrequency: true,
  changeFailRate: false,
  recoveryTime: false,
  reworkRate: false,
};

export type Delta = {
  direction: "up" | "down" | "same";
  /** "29 h", "0.8 per week", "10.1 pts" */
  amount: string;
  /** null when unchanged */
  better: boolean | null;
  previous: string;
};

/** The change against the previous period, in the metric's own unit (percentage points for rates); null when either period has nothing to measure. */
export function deltaOf(current: DoraSummary, previous: DoraSummary, metric: MetricKey): Delta | null {
  const now = numberOf(current, metric);
  const then = numberOf(previous, metric);
  if (now === null || then === null) return null;
  const shown = formatMetric(metric, now);
  const before = formatMetric(metric, then);
  const diff = now - then;
  if (shown === before || diff === 0) return { direction: "same", amount: "no change", better: null, previous: before };
  const size = Math.abs(diff);
  const amount =
    metric === "leadTime" || metric === "recoveryTime"
      ? formatHours(size)
      : metric === "deploymentFrequency"
        ? perWeek(size)
        : `${decimal(size * 100)} pts`;
  return { direction: diff > 0 ? "up" : "down", amount, better: diff > 0 === HIGHER_IS_BETTER[metric], previous: before };
}

export type DoraTile = {
  metric: MetricKey;
  name: string;
  value: string;
  /** What the value was counted from: "3 of 61 releases", "2 deployment days a week". */
  details: string[];
  band: DoraBand | null;
  /** False for deployment rework rate: DORA publishes no band for it. */
  banded: boolean;
  delta: Delta | null;
};

const daysAWeek = (days: number) => `${decimal(days)} deployment ${days === 1 ? "day" : "days"} a week`;

export function doraTiles(current: DoraSummary, previous: DoraSummary): DoraTile[] {
  const tile = (metric: MetricKey, band: DoraBand | null, details: string[]): DoraTile => ({
    metric,
    name: METRIC_NAMES[metric],
    value: formatMetric(metric, numberOf(current, metric)),
    details,
    band,
    banded: metric !== "reworkRate",
    delta: deltaOf(current, previous, metric),
  });
  const { leadTime, deploymentFrequency, changeFailRate, recoveryTime } = current;
  return [
    tile(
      "leadTime",
      leadTime.band,
      leadTime.count ? [`median of ${countOf(current, "leadTime")}`, `p90 ${formatHours(leadTime.p90Hours)}`] : ["no change released"],
    ),
    tile("deploymentFrequency", deploymentFrequency.band, [
      countOf(current, "deploymentFrequency"),
      ...(deploymentFrequency.count ? [daysAWeek(deploymentFrequency.deploymentDaysPerWeek)] : []),
    ]),
    tile("changeFailRate", changeFailRate.band, [countOf(current, "changeFailRate")]),
    tile(
      "recoveryTime",
      recoveryTime.band,
      recoveryTime.count + recoveryTime.unrecovered ? [countOf(current, "recoveryTime")] : ["no failed release"],
    ),
    tile("reworkRate", null, [countOf(current, "reworkRate")]),
  ];
}

/** "26 weeks" or "45 days": the length of the range, which the previous period repeats. */
export function periodLength(range: { from: number; to: number }): string {
  const days = Math.round((range.to - range.from) / 86_400_000);
  return days % 7 === 0 ? plural(days / 7, "week") : plural(days, "day");
}
