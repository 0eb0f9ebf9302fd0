import { isUnobserved } from "./drift";

/**
 * Drift beside the DORA numbers: not a sixth DORA metric, but what a leader asks next — how much of what runs
 * in production differs from what was approved now, how fast the differences get resolved, and how much of
 * production is watched at all (an agent nobody observes cannot be shown to drift).
 */

export type DriftMetrics = {
  /** Drift records open now. */
  open: number;
  /** Mean of closedAt − openedAt over the records closed in the range; null when none closed. */
  meanTimeToResolveMs: number | null;
  resolvedCount: number;
  /** Share (0–1) of the agents in production observed within the setting; null when no agent runs in production. */
  observedShare: number | null;
  productionAgents: number;
};

export type DriftFacts = {
  open: number;
  /** The records closed in the range: how many, and the sum of their durations (ms). */
  resolved: { count: number; totalMs: number };
  /** When each agent in production was last observed there (null: never). */
  lastObservedInProduction: (number | null)[];
};

export function driftMetrics(facts: DriftFacts, unobservedAfterMs: number, now: number): DriftMetrics {
  const agents = facts.lastObservedInProduction;
  const observed = agents.filter((at) => !isUnobserved(at, unobservedAfterMs, now)).length;
  return {
    open: facts.open,
    meanTimeToResolveMs: facts.resolved.count > 0 ? facts.resolved.totalMs / facts.resolved.count : null,
    resolvedCount: facts.resolved.count,
    observedShare: agents.length > 0 ? observed / agents.length : null,
    productionAgents: agents.length,
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/**
 * A duration for people, as precise as it matters: "45 minutes", "5 hours", "3 days 4 hours", "12 days".
 * Rounded to the nearest minute, hour (under two days) or hour of a day (under ten days), or day.
 */
export function durationInWords(ms: number): string {
  const minutes = Math.round(Math.max(0, ms) / MINUTE);
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.round(ms / HOUR);
  if (hours < 48) return plural(hours, "hour");
  if (hours < 240) {
    const days = Math.floor(hours / 24);
    const rest = hours - days * 24;
    return rest ? `${plural(days, "day")} ${plural(rest, "hour")}` : plural(days, "day");
  }
  return plural(Math.round(ms / DAY), "day");
}
