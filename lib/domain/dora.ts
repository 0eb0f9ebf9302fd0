import { changeFailRateBand, deploymentFrequencyBand, leadTimeBand, recoveryTimeBand, type DoraBand } from "./dora-bands";
import { isoDate, isoWeekStarts, monthsOverlapping, utcDays, WEEK } from "./dora-calendar";
import type { DeploymentKind, Environment } from "./terms";

export { DORA_BAND_CRITERIA, DORA_BANDS, DORA_BANDS_SOURCE, DORA_THRESHOLDS, type BandedMetric, type DoraBand } from "./dora-bands";

/*
 * DORA's five metrics for agent changes (DESIGN.md), over production only:
 *
 * - A release is a production deployment of kind promote or emergency. A rollback is a deployment,
 *   not a release.
 * - Change lead time: for each change whose FIRST production release falls in the range, release time
 *   minus the change's submission. A re-release is not a second lead time; a change submitted before
 *   the range counts if released inside it; a change never submitted has no lead time.
 * - Deployment frequency: releases in the range per week, and the median over the ISO weeks
 *   overlapping the range of the days (UTC) with at least one release.
 * - Change fail rate: releases in the range later rolled back, or with an incident linked to them,
 *   over all releases in the range. An incident linked to no deployment fails no release.
 * - Failed deployment recovery time: for each failed release in the range, from detection (its
 *   earliest linked incident, else the release itself) to the first restoration at or after detection
 *   (the rollback, a linked incident's fix first released, or a linked incident resolved).
 * - Deployment rework rate: unplanned production deployments (rollbacks, emergency releases, releases
 *   of an incident's fix) over all production deployments in the range.
 *
 * Callers pass ALL the history of the agents in scope, not only the range: whether a release was
 * later rolled back, or a change released before, lies outside it. Times are UTC epoch milliseconds;
 * hours are returned unrounded, for the UI to format.
 */

/** The five metrics, in the order people read them, and their names. */
export const DORA_METRICS = ["leadTime", "deploymentFrequency", "changeFailRate", "recoveryTime", "reworkRate"] as const;
export type DoraMetricName = (typeof DORA_METRICS)[number];
export const DORA_METRIC_LABELS: Record<DoraMetricName, string> = {
  leadTime: "Change lead time",
  deploymentFrequency: "Deployment frequency",
  changeFailRate: "Change fail rate",
  recoveryTime: "Failed deployment recovery time",
  reworkRate: "Deployment rework rate",
};

export type DoraDeployment = {
  id: string;
  agentId: string;
  environment: Environment;
  kind: DeploymentKind;
  deployedAt: number;
  changeRecordId: string | null;
  versionId: string;
  /** The version this deployment took out of service: for a rollback, the version rolled back. */
  replacedVersionId: string | null;
};

export type DoraChange = { id: string; number: number; submittedAt: number | null };

export type DoraIncident = {
  id: string;
  agentId: string;
  /** The release blamed for the incident; an incident without one fails no release. */
  deploymentId: string | null;
  detectedAt: number;
  resolvedAt: number | null;
  fixChangeRecordId: string | null;
};

/** Half-open: from ≤ t < to. */
export type DoraRange = { from: number; to: number };

export type DoraInput = { deployments: DoraDeployment[]; changes: DoraChange[]; incidents: DoraIncident[]; range: DoraRange };

export type ReleaseItem = { deploymentId: string; agentId: string; deployedAt: number };
export type LeadTimeItem = {
  changeId: string;
  changeNumber: number;
  deploymentId: string;
  submittedAt: number;
  releasedAt: number;
  hours: number;
};
export type FailedReleaseItem = ReleaseItem & { rolledBackBy: string | null; incidentIds: string[] };
export type RecoveryHow = "rollback" | "fix_released" | "incident_resolved";
/** restoredAt, hours and how are null while the failure is unrecovered. */
export type RecoveryItem = ReleaseItem & { detectedAt: number; restoredAt: number | null; hours: number | null; how: RecoveryHow | null };
export type ReworkWhy = "rollback" | "emergency" | "incident_fix";
export type ReworkItem = ReleaseItem & { why: ReworkWhy };

/** One ISO week's share of the range (what falls outside the range is not counted). */
export type DoraWeek = {
  /** The Monday, YYYY-MM-DD (UTC). */
  weekStart: string;
  deployments: number;
  failed: number;
  leadTimeMedianHours: number | null;
  recoveryMedianHours: number | null;
  unplanned: number;
  total: number;
};

export type DoraMetrics = {
  range: DoraRange;
  leadTime: { medianHours: number | null; p90Hours: number | null; band: DoraBand | null; count: number; items: LeadTimeItem[] };
  deploymentFrequency: {
    perWeek: number;
    deploymentDaysPerWeek: number;
    /** Median over the calendar months overlapping the range; decides medium against low. */
    deploymentDaysPerMonth: number;
    band: DoraBand | null;
    count: number;
    items: ReleaseItem[];
  };
  changeFailRate: { rate: number | null; band: DoraBand | null; failed: number; total: number; items: FailedReleaseItem[] };
  /** count is the restored failures the median is taken over; unrecovered ones are listed but not measured. */
  recoveryTime: {
    medianHours: number | null;
    p90Hours: number | null;
    band: DoraBand | null;
    count: number;
    unrecovered: number;
    items: RecoveryItem[];
  };
  reworkRate: { rate: number | null; unplanned: number; total: number; items: ReworkItem[] };
  weekly: DoraWeek[];
};

const HOUR = 3_600_000;

const isRelease = (d: DoraDeployment) => d.kind !== "rollback";

/**
 * What DORA counts as a production deployment. Retiring an agent is not one: nothing new runs, so it is
 * neither a release to measure nor a failure to recover from; the agent's earlier history still counts.
 */
export function isProductionDeployment(d: Pick<DoraDeployment, "environment" | "kind">): boolean {
  return d.environment === "production" && d.kind !== "retire";
}
const within = (t: number, range: DoraRange) => range.from <= t && t < range.to;
const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);
const releaseItem = (d: DoraDeployment): ReleaseItem => ({ deploymentId: d.id, agentId: d.agentId, deployedAt: d.deployedAt });

/**
 * The p-th percentile (p from 0 to 1) by linear interpolation between closest ranks, numpy's default:
 * the rank (n − 1)·p falls between two sorted values, and the result lies between them in proportion.
 * So the median of an even count is the mean of the middle two. Null when there are no values.
 */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * p;
  const below = Math.floor(rank);
  const at = (i: number) => sorted[Math.min(i, sorted.length - 1)] ?? 0;
  return at(below) + (rank - below) * (at(below + 1) - at(below));
}

/** The period of equal length immediately before, to compare a range with. */
export function previousRange(range: DoraRange): DoraRange {
  return { from: range.from - (range.to - range.from), to: range.from };
}

/** What the metrics look up across the whole history, indexed once. */
type History = {
  /** Each agent's production deployments, oldest first. */
  byAgent: Map<string, DoraDeployment[]>;
  firstReleaseOfChange: Map<string, DoraDeployment>;
  /** Incidents by the deployment they are linked to, earliest detected first. */
  incidentsOf: Map<string, DoraIncident[]>;
};

function append<T>(lists: Map<string, T[]>, key: string, value: T) {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}

function indexHistory(production: DoraDeployment[], incidents: DoraIncident[]): History {
  const byAgent = new Map<string, DoraDeployment[]>();
  const firstReleaseOfChange = new Map<string, DoraDeployment>();
  for (const d of production) {
    append(byAgent, d.agentId, d);
    if (isRelease(d) && d.changeRecordId !== null && !firstReleaseOfChange.has(d.changeRecordId))
      firstReleaseOfChange.set(d.changeRecordId, d);
  }
  const incidentsOf = new Map<string, DoraIncident[]>();
  for (const incident of [...incidents].sort((a, b) => a.detectedAt - b.detectedAt)) {
    if (incident.deploymentId !== null) append(incidentsOf, incident.deploymentId, incident);
  }
  return { byAgent, firstReleaseOfChange, incidentsOf };
}

/**
 * The rollback that took this release's version out of production. Only until the agent's next
 * release: after that, rolling back that version undoes a later state, not this release.
 */
function rollbackOf(release: DoraDeployment, agentHistory: DoraDeployment[]): DoraDeployment | null {
  for (const d of agentHistory.slice(agentHistory.indexOf(release) + 1)) {
    if (isRelease(d)) return null;
    if (d.replacedVersionId === release.versionId) return d;
  }
  return null;
}

type Failure = { failed: FailedReleaseItem; recovery: RecoveryItem };
type Restoration = { at: number; how: RecoveryHow };

function failureOf(release: DoraDeployment, history: History): Failure | null {
  const rollback = rollbackOf(release, history.byAgent.get(release.agentId) ?? []);
  const incidents = history.incidentsOf.get(release.id) ?? [];
  if (!rollback && incidents.length === 0) return null;

  // With no incident the rollback is the only sign of failure, and it says the release was bad from the start.
  const detectedAt = incidents[0]?.detectedAt ?? release.deployedAt;
  // Listed in the order that wins a tie: the rollback, then a fix, then the incident's own resolution.
  const restorations: Restoration[] = [];
  if (rollback) restorations.push({ at: rollback.deployedAt, how: "rollback" });
  for (const incident of incidents) {
    const fix = incident.fixChangeRecordId === null ? undefined : history.firstReleaseOfChange.get(incident.fixChangeRecordId);
    if (fix) restorations.push({ at: fix.deployedAt, how: "fix_released" });
  }
  for (const incident of incidents) {
    if (incident.resolvedAt !== null) restorations.push({ at: incident.resolvedAt, how: "incident_resolved" });
  }
  // Recovery runs from detection, so a restoration before it (a rollback before the incident was
  // opened) does not end it.
  let restored: Restoration | null = null;
  for (const r of restorations) if (r.at >= detectedAt && (restored === null || r.at < restored.at)) restored = r;

  return {
    failed: { ...releaseItem(release), rolledBackBy: rollback?.id ?? null, incidentIds: incidents.map((i) => i.id) },
    recovery: {
      ...releaseItem(release),
      detectedAt,
      restoredAt: restored?.at ?? null,
      hours: restored ? (restored.at - detectedAt) / HOUR : null,
      how: restored?.how ?? null,
    },
  };
}

function leadTimes(changes: DoraChange[], history: History, range: DoraRange): LeadTimeItem[] {
  const items: LeadTimeItem[] = [];
  for (const change of changes) {
    const release = history.firstReleaseOfChange.get(change.id);
    if (!release || change.submittedAt === null || !within(release.deployedAt, range)) continue;
    items.push({
      changeId: change.id,
      changeNumber: change.number,
      deploymentId: release.id,
      submittedAt: change.submittedAt,
      releasedAt: release.deployedAt,
      // Submission precedes release by rule; a clock disagreement must not make a negative lead time.
      hours: Math.max(0, release.deployedAt - change.submittedAt) / HOUR,
    });
  }
  return items.sort((a, b) => a.releasedAt - b.releasedAt);
}

/** Why a production deployment was unplanned, or null for planned work. An emergency fix counts as an emergency. */
function reworkReason(d: DoraDeployment, incidentFixes: Set<string>): ReworkWhy | null {
  if (d.kind === "rollback") return "rollback";
  if (d.kind === "emergency") return "emergency";
  return d.changeRecordId !== null && incidentFixes.has(d.changeRecordId) ? "incident_fix" : null;
}

function restoredHours(recoveries: RecoveryItem[]): number[] {
  return recoveries.flatMap((r) => (r.hours === null ? [] : [r.hours]));
}

/** Median of distinct release days per period; each period's part outside the range counts no day. */
function medianDeploymentDays(releases: DoraDeployment[], periods: DoraRange[]): number {
  const days = periods.map((p) => utcDays(releases.filter((r) => within(r.deployedAt, p)).map((r) => r.deployedAt)));
  return percentile(days, 0.5) ?? 0;
}

/**
 * The five metrics for the releases in `input.range`, each with its band and the records behind it,
 * and their weekly trend (definitions at the top of this file). Throws a RangeError on an empty range.
 */
export function doraMetrics(input: DoraInput): DoraMetrics {
  const { range } = input;
  if (!(range.to > range.from)) throw new RangeError(`A DORA range must end after it starts (from ${range.from}, to ${range.to})`);

  // Array sort is stable, so deployments at the same instant keep the caller's order.
  const production = input.deployments.filter(isProductionDeployment).sort((a, b) => a.deployedAt - b.deployedAt);
  const history = indexHistory(production, input.incidents);
  const deployed = production.filter((d) => within(d.deployedAt, range));
  const releases = deployed.filter(isRelease);

  const lead = leadTimes(input.changes, history, range);
  const failures = releases.map((r) => failureOf(r, history)).filter((f): f is Failure => f !== null);
  const incidentFixes = new Set(input.incidents.flatMap((i) => (i.fixChangeRecordId === null ? [] : [i.fixChangeRecordId])));
  const rework = deployed.flatMap((d): ReworkItem[] => {
    const why = reworkReason(d, incidentFixes);
    return why ? [{ ...releaseItem(d), why }] : [];
  });

  const weeks = isoWeekStarts(range).map((from) => ({ from, to: from + WEEK }));
  const leadHours = lead.map((l) => l.hours);
  const recoveries = failures.map((f) => f.recovery);
  const recovered = restoredHours(recoveries);
  const daysPerWeek = medianDeploymentDays(releases, weeks);
  const daysPerMonth = medianDeploymentDays(releases, monthsOverlapping(range));
  const failRate = ratio(failures.length, releases.length);
  const leadMedian = percentile(leadHours, 0.5);
  const recoveryMedian = percentile(recovered, 0.5);

  return {
    range: { from: range.from, to: range.to },
    leadTime: {
      medianHours: leadMedian,
      p90Hours: percentile(leadHours, 0.9),
      band: leadTimeBand(leadMedian),
      count: lead.length,
      items: lead,
    },
    deploymentFrequency: {
      perWeek: releases.length / ((range.to - range.from) / WEEK),
      deploymentDaysPerWeek: daysPerWeek,
      deploymentDaysPerMonth: daysPerMonth,
      band: deploymentFrequencyBand(releases.length, daysPerWeek, daysPerMonth),
      count: releases.length,
      items: releases.map(releaseItem),
    },
    changeFailRate: {
      rate: failRate,
      band: changeFailRateBand(failRate),
      failed: failures.length,
      total: releases.length,
      items: failures.map((f) => f.failed),
    },
    recoveryTime: {
      medianHours: recoveryMedian,
      p90Hours: percentile(recovered, 0.9),
      band: recoveryTimeBand(recoveryMedian),
      count: recovered.length,
      unrecovered: recoveries.length - recovered.length,
      items: recoveries,
    },
    reworkRate: { rate: ratio(rework.length, deployed.length), unplanned: rework.length, total: deployed.length, items: rework },
    weekly: weeks.map((week) => {
      const inWeek = (t: number) => within(t, week);
      return {
        weekStart: isoDate(week.from),
        deployments: releases.filter((r) => inWeek(r.deployedAt)).length,
        failed: failures.filter((f) => inWeek(f.failed.deployedAt)).length,
        leadTimeMedianHours: percentile(
          lead.filter((l) => inWeek(l.releasedAt)).map((l) => l.hours),
          0.5,
        ),
        recoveryMedianHours: percentile(restoredHours(recoveries.filter((r) => inWeek(r.deployedAt))), 0.5),
        unplanned: rework.filter((r) => inWeek(r.deployedAt)).length,
        total: deployed.filter((d) => inWeek(d.deployedAt)).length,
      };
    }),
  };
}
