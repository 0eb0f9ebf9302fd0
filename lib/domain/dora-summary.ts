import { changeFailRateBand, deploymentFrequencyBand, leadTimeBand, recoveryTimeBand } from "./dora-bands";
import { DAY, isoDate, isoWeekStart, isoWeekStarts, monthsOverlapping, WEEK } from "./dora-calendar";
import { percentile, type DoraMetrics, type DoraRange } from "./dora";

/*
 * The five DORA numbers and their weekly trend from aggregates of the deployment facts (dora-facts.ts)
 * instead of the records themselves: the same definitions as doraMetrics, without the items lists,
 * which are read a page at a time.
 */

type WithoutItems<T> = Omit<T, "items">;

/** DoraMetrics without the records behind each number. */
export type DoraNumbers = {
  range: DoraRange;
  leadTime: WithoutItems<DoraMetrics["leadTime"]>;
  deploymentFrequency: WithoutItems<DoraMetrics["deploymentFrequency"]>;
  changeFailRate: WithoutItems<DoraMetrics["changeFailRate"]>;
  recoveryTime: WithoutItems<DoraMetrics["recoveryTime"]>;
  reworkRate: WithoutItems<DoraMetrics["reworkRate"]>;
  weekly: DoraMetrics["weekly"];
};

/** Counts for one ISO week of the range; `week` counts weeks from the Monday on or before the range's start. */
export type WeekCounts = { week: number; releases: number; failed: number; unrecovered: number; unplanned: number; total: number };

/** Order statistics of a set of durations (hours), over the range and per week of it. */
export type Quantiles = {
  count: number;
  overall(p: number): number | null;
  weekly(week: number, p: number): number | null;
};

export type DoraAggregates = {
  weeks: WeekCounts[];
  /** The distinct UTC days (days since the epoch) with at least one release in the range. */
  releaseDays: number[];
  /** Lead times of the changes first released in the range. */
  lead: Quantiles;
  /** Recovery times of the restored failed releases of the range, by the week of the release. */
  recovery: Quantiles;
};

const HOUR = 3_600_000;
const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/**
 * The p-th percentile of n sorted values from the two at ranks ⌊(n − 1)·p⌋ and the one after (the
 * last value again past the end): `percentile` of dora.ts without needing the other values.
 */
export function percentileOfRanks(n: number, p: number, at: (rank: number) => number): number | null {
  if (n === 0) return null;
  const rank = (n - 1) * p;
  const below = Math.floor(rank);
  const low = at(below);
  return low + (rank - below) * (at(Math.min(below + 1, n - 1)) - low);
}

/** The rank percentile walks need: ⌊(n − 1)·p⌋. */
export const lowerRank = (n: number, p: number) => Math.floor((n - 1) * p);

/** Quantiles of [instant, milliseconds] samples, held in memory (for a scope small enough to read whole). */
export function quantilesOfSamples(range: DoraRange, samples: [at: number, ms: number][]): Quantiles {
  const firstMonday = isoWeekStart(range.from);
  const all: number[] = [];
  const perWeek = new Map<number, number[]>();
  for (const [at, ms] of samples) {
    const hours = ms / HOUR;
    all.push(hours);
    const week = Math.floor((at - firstMonday) / WEEK);
    const list = perWeek.get(week);
    if (list) list.push(hours);
    else perWeek.set(week, [hours]);
  }
  return { count: all.length, overall: (p) => percentile(all, p), weekly: (week, p) => percentile(perWeek.get(week) ?? [], p) };
}

/** Which week of the range an instant falls in, counted from the Monday on or before its start. */
export function weekIndex(range: DoraRange, t: number): number {
  return Math.floor((t - isoWeekStart(range.from)) / WEEK);
}

/** Median, over the periods, of how many of the days fall in each (a period with none counts zero). */
export function medianDaysPerPeriod(days: number[], periods: DoraRange[]): number {
  const counts = periods.map((p) => days.filter((d) => p.from <= d * DAY && d * DAY < p.to).length);
  return percentile(counts, 0.5) ?? 0;
}

/** The numbers doraMetrics would give for `range`, from the aggregates of its facts. */
export function doraNumbers(range: DoraRange, a: DoraAggregates): DoraNumbers {
  if (!(range.to > range.from)) throw new RangeError(`A DORA range must end after it starts (from ${range.from}, to ${range.to})`);
  const starts = isoWeekStarts(range);
  const counts = new Map(a.weeks.map((w) => [w.week, w]));
  const sum = (pick: (w: WeekCounts) => number) => a.weeks.reduce((n, w) => n + pick(w), 0);
  const releases = sum((w) => w.releases);
  const failed = sum((w) => w.failed);
  const unrecovered = sum((w) => w.unrecovered);
  const unplanned = sum((w) => w.unplanned);
  const total = sum((w) => w.total);

  const { lead, recovery } = a;
  const daysPerWeek = medianDaysPerPeriod(
    a.releaseDays,
    starts.map((from) => ({ from, to: from + WEEK })),
  );
  const daysPerMonth = medianDaysPerPeriod(a.releaseDays, monthsOverlapping(range));
  const leadMedian = lead.overall(0.5);
  const recoveryMedian = recovery.overall(0.5);
  const failRate = ratio(failed, releases);

  return {
    range: { from: range.from, to: range.to },
    leadTime: { medianHours: leadMedian, p90Hours: lead.overall(0.9), band: leadTimeBand(leadMedian), count: lead.count },
    deploymentFrequency: {
      perWeek: releases / ((range.to - range.from) / WEEK),
      deploymentDaysPerWeek: daysPerWeek,
      deploymentDaysPerMonth: daysPerMonth,
      band: deploymentFrequencyBand(releases, daysPerWeek, daysPerMonth),
      count: releases,
    },
    changeFailRate: { rate: failRate, band: changeFailRateBand(failRate), failed, total: releases },
    recoveryTime: {
      medianHours: recoveryMedian,
      p90Hours: recovery.overall(0.9),
      band: recoveryTimeBand(recoveryMedian),
      count: recovery.count,
      unrecovered,
    },
    reworkRate: { rate: ratio(unplanned, total), unplanned, total },
    weekly: starts.map((from, i) => {
      const w = counts.get(i);
      return {
        weekStart: isoDate(from),
        deployments: w?.releases ?? 0,
        failed: w?.failed ?? 0,
        leadTimeMedianHours: lead.weekly(i, 0.5),
        recoveryMedianHours: recovery.weekly(i, 0.5),
        unplanned: w?.unplanned ?? 0,
        total: w?.total ?? 0,
      };
    }),
  };
}
