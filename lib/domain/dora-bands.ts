/** Where the performance bands come from, so the UI can name the source beside the thresholds. */
export const DORA_BANDS_SOURCE = "DORA 2023 (State of DevOps) thresholds, as documented by Apache DevLake";

export const DORA_BANDS = ["elite", "high", "medium", "low"] as const;
export type DoraBand = (typeof DORA_BANDS)[number];

/**
 * The band boundaries. Durations are upper bounds a median must stay strictly below; the change fail
 * rate is an upper bound it may reach (5% is still elite); deployment days are lower bounds it must
 * reach. Deployment rework rate has no official band, so none is given.
 */
export const DORA_THRESHOLDS = {
  leadTimeHours: { elite: 24, high: 7 * 24, medium: 30 * 24 },
  changeFailRate: { elite: 0.05, high: 0.1, medium: 0.15 },
  recoveryHours: { elite: 1, high: 24, medium: 7 * 24 },
  deploymentFrequency: { eliteDaysPerWeek: 3, highDaysPerWeek: 1, mediumDaysPerMonth: 1 },
} as const;

export type BandedMetric = "leadTime" | "deploymentFrequency" | "changeFailRate" | "recoveryTime";

/** The thresholds in words, for the UI's legend. */
export const DORA_BAND_CRITERIA: Record<BandedMetric, Record<DoraBand, string>> = {
  leadTime: {
    elite: "less than one day",
    high: "less than one week",
    medium: "less than one month (30 days)",
    low: "one month or more",
  },
  deploymentFrequency: {
    elite: "on demand: releases on 3 or more days a week (median)",
    high: "releases on 1 or more days a week (median)",
    medium: "releases on 1 or more days a month (median)",
    low: "releases on fewer than 1 day a month (median)",
  },
  changeFailRate: {
    elite: "5% or less",
    high: "10% or less",
    medium: "15% or less",
    low: "more than 15%",
  },
  recoveryTime: {
    elite: "less than one hour",
    high: "less than one day",
    medium: "less than one week",
    low: "one week or more",
  },
};

function durationBand(hours: number | null, limits: { elite: number; high: number; medium: number }): DoraBand | null {
  if (hours === null) return null;
  if (hours < limits.elite) return "elite";
  if (hours < limits.high) return "high";
  if (hours < limits.medium) return "medium";
  return "low";
}

export function leadTimeBand(medianHours: number | null): DoraBand | null {
  return durationBand(medianHours, DORA_THRESHOLDS.leadTimeHours);
}

export function recoveryTimeBand(medianHours: number | null): DoraBand | null {
  return durationBand(medianHours, DORA_THRESHOLDS.recoveryHours);
}

export function changeFailRateBand(rate: number | null): DoraBand | null {
  if (rate === null) return null;
  const limits = DORA_THRESHOLDS.changeFailRate;
  if (rate <= limits.elite) return "elite";
  if (rate <= limits.high) return "high";
  if (rate <= limits.medium) return "medium";
  return "low";
}

/**
 * DevLake's reading of the 2023 frequency buckets: "on demand" becomes releasing on most days of a
 * typical week, and the monthly bucket is checked only when weekly releasing is not the norm. Null
 * when nothing was released in the range, like every other metric without data, so that an agent
 * never released is not shown as "low".
 */
export function deploymentFrequencyBand(releases: number, medianDaysPerWeek: number, medianDaysPerMonth: number): DoraBand | null {
  if (releases === 0) return null;
  const limits = DORA_THRESHOLDS.deploymentFrequency;
  if (medianDaysPerWeek >= limits.eliteDaysPerWeek) return "elite";
  if (medianDaysPerWeek >= limits.highDaysPerWeek) return "high";
  if (medianDaysPerMonth >= limits.mediumDaysPerMonth) return "medium";
  return "low";
}
