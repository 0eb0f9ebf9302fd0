import "server-only";
import { eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { first, getDb, rows } from "@/db";
import { workflows } from "@/db/schema";
import { previousRange, type DoraMetricName, type DoraRange } from "@/lib/domain/dora";
import { DAY as DAY_MS, isoWeekStart, isoWeekStarts, WEEK } from "@/lib/domain/dora-calendar";
import {
  doraNumbers,
  lowerRank,
  percentileOfRanks,
  quantilesOfSamples,
  type DoraNumbers,
  type Quantiles,
  type WeekCounts,
} from "@/lib/domain/dora-summary";
import { PLATFORMS, PLATFORM_LABELS, RISK_LEVELS, type Platform } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { assertCanRead, type Caller } from "./caller";
import { driftMetricsFor } from "./metrics-drift";
import type { DriftMetrics } from "@/lib/domain/drift-metrics";
import { indexedBy } from "./sql-dialect";

/** DORA metrics for agent changes, for a date range and a scope (workflow, platform, risk tier, agent). */

const DAY = 86_400_000;
const date = (name: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${name} must be a date, e.g. 2026-03-01`)
    // Date.parse rolls 2026-02-31 over to March: a real date survives the round trip.
    .refine((v) => !Number.isNaN(Date.parse(v)) && new Date(Date.parse(v)).toISOString().slice(0, 10) === v, `${name} must be a real date`);

/** Five years: enough for any trend, and a bound on the work one request can ask for. */
export const MAX_RANGE_DAYS = 5 * 366;

export const metricsFiltersSchema = z.object({
  from: date("from").optional(),
  to: date("to").optional(),
  workflow: z.string().trim().max(200).optional(),
  platform: z.enum(PLATFORMS, { error: `platform must be one of: ${PLATFORMS.join(", ")}` }).optional(),
  risk: z.enum(RISK_LEVELS, { error: `risk must be one of: ${RISK_LEVELS.join(", ")}` }).optional(),
  agent: z.string().trim().max(200).optional(),
});
export type MetricsFilters = z.infer<typeof metricsFiltersSchema>;
export type MetricsScope = Omit<MetricsFilters, "from" | "to">;

/** The default range: the last 26 weeks up to and including today, compared with the 26 weeks before. */
export const DEFAULT_RANGE_DAYS = 182;
const HOUR = 3_600_000;

export function parseMetricsFilters(params: SearchParamsInput): MetricsFilters {
  return parseQuery(metricsFiltersSchema, params);
}

/** `from` and `to` are inclusive UTC dates; the range is [from 00:00, the day after `to` 00:00). */
export function rangeOf(filters: Pick<MetricsFilters, "from" | "to">, now = Date.now()): DoraRange {
  const to = filters.to ? Date.parse(filters.to) + DAY : Math.floor(now / DAY) * DAY + DAY;
  const from = filters.from ? Date.parse(filters.from) : to - DEFAULT_RANGE_DAYS * DAY;
  if (from >= to) throw new AppError("bad_request", "from must be on or before to", { parameter: "from" });
  if (to - from > MAX_RANGE_DAYS * DAY) throw new AppError("bad_request", "The range can span at most five years", { parameter: "from" });
  return { from, to };
}

export function scopeOf(filters: MetricsFilters): MetricsScope {
  return { workflow: filters.workflow, platform: filters.platform, risk: filters.risk, agent: filters.agent };
}

/** A workflow that does not exist is a bad link, not an empty dashboard (an agent may have been retired: that one is allowed). */
export async function assertKnownScope(scope: MetricsScope): Promise<void> {
  if (scope.workflow && !(await first(getDb().select({ id: workflows.id }).from(workflows).where(eq(workflows.slug, scope.workflow))))) {
    throw new AppError("bad_request", `there is no workflow "${scope.workflow}"`, { parameter: "workflow" });
  }
}

/** A scope as SQL over dora_facts `f` (columns copied from the agent, so no join), and which failure columns the scope reads. */
function scopeSql(scope: MetricsScope, range: DoraRange) {
  const where = sql.join(
    [
      sql`f.deployed_at >= ${range.from} AND f.deployed_at < ${range.to}`,
      scope.workflow && sql`f.workflow_id = (SELECT id FROM workflows WHERE slug = ${scope.workflow})`,
      scope.platform && sql`f.platform = ${scope.platform}`,
      scope.agent && sql`f.agent_id = (SELECT id FROM agents WHERE slug = ${scope.agent})`,
      scope.risk && sql`f.risk_tier = ${scope.risk}`,
    ].filter((c): c is SQL => Boolean(c)),
    sql` AND `,
  );
  // The risk filter sees a history of one tier only: its own failure facts (see lib/domain/dora-facts.ts).
  const col = scope.risk
    ? {
        failed: sql.raw("f.tier_failed"),
        restoredAt: sql.raw("f.tier_restored_at"),
        how: sql.raw("f.tier_restored_how"),
        rolledBackBy: sql.raw("f.tier_rolled_back_by"),
        recovery: sql.raw("f.tier_recovery_ms"),
      }
    : {
        failed: sql.raw("f.failed"),
        restoredAt: sql.raw("f.restored_at"),
        how: sql.raw("f.restored_how"),
        rolledBackBy: sql.raw("f.rolled_back_by"),
        recovery: sql.raw("f.recovery_ms"),
      };
  return { where, col };
}

/** The same scope over the day sums `d` (which know no agent). */
function daysScopeSql(scope: MetricsScope): SQL {
  return sql.join(
    [
      scope.workflow && sql` AND d.workflow_id = (SELECT id FROM workflows WHERE slug = ${scope.workflow})`,
      scope.platform && sql` AND d.platform = ${scope.platform}`,
      scope.risk && sql` AND d.risk_tier = ${scope.risk}`,
    ].filter((c): c is SQL => Boolean(c)),
  );
}

/** The index a walk over lead times in order should take: the one that holds only the scope's own, when there is one. */
function leadIndex(scope: MetricsScope): SQL {
  if (scope.agent) return sql``;
  if (scope.workflow) return indexedBy("dora_facts_workflow_lead_idx");
  if (scope.platform) return indexedBy("dora_facts_platform_lead_idx");
  if (scope.risk) return indexedBy("dora_facts_tier_lead_idx");
  return indexedBy("dora_facts_lead_idx");
}

/** The whole days of a range, read from the day sums, and the days at its edges it covers only in part, read from the facts. */
const dayBounds = (range: DoraRange) => ({
  fromDay: Math.floor(range.from / DAY_MS),
  fullFrom: Math.ceil(range.from / DAY_MS),
  fullTo: Math.floor(range.to / DAY_MS),
  toDay: Math.ceil(range.to / DAY_MS),
});

/**
 * Sums per `group` (a column both `d` and `f` have, e.g. "day") for a range and scope: releases, failed,
 * unrecovered, unplanned, total and lead times counted. Whole days come from the day sums, the parts of
 * days at the edges of an instant-to-instant range (and an agent's scope) from the facts. The facts'
 * conditions are counted as CASE … THEN 1 ELSE 0: PostgreSQL does not sum booleans.
 */
function sumsSql(scope: MetricsScope, range: DoraRange, group: "day" | "workflow_id" | "platform"): SQL {
  const { where, col } = scopeSql(scope, range);
  const g = sql.raw(group);
  const facts = (days: SQL) =>
    sql`SELECT f.${g} AS g, f.release AS releases, ${col.failed} AS failed,
            CASE WHEN ${col.failed} = 1 AND ${col.restoredAt} IS NULL THEN 1 ELSE 0 END AS unrecovered,
            CASE WHEN f.rework IS NOT NULL THEN 1 ELSE 0 END AS unplanned, 1 AS total,
            CASE WHEN f.lead_ms IS NOT NULL THEN 1 ELSE 0 END AS leads
     FROM dora_facts f WHERE ${days} AND ${where}`;
  const sums = sql`SELECT g, SUM(releases) AS releases, SUM(failed) AS failed, SUM(unrecovered) AS unrecovered,
            SUM(unplanned) AS unplanned, SUM(total) AS total, SUM(leads) AS leads`;
  if (scope.agent) return sql`${sums} FROM (${facts(sql`1 = 1`)}) AS s GROUP BY g`;
  const { fromDay, fullFrom, fullTo, toDay } = dayBounds(range);
  return sql`${sums} FROM (
            SELECT d.${g} AS g, d.releases, d.${sql.raw(scope.risk ? "tier_failed" : "failed")} AS failed,
                   d.${sql.raw(scope.risk ? "tier_unrecovered" : "unrecovered")} AS unrecovered, d.unplanned, d.total, d.leads
            FROM dora_days d WHERE d.day >= ${fullFrom} AND d.day < ${fullTo}${daysScopeSql(scope)}
            UNION ALL ${facts(sql`f.day >= ${fromDay} AND f.day < ${fullFrom}`)}
            UNION ALL ${facts(sql`f.day >= ${Math.max(fullTo, fullFrom)} AND f.day < ${toDay}`)}
          ) AS s GROUP BY g`;
}

type Sums = { g: number | string; releases: number; failed: number; unrecovered: number; unplanned: number; total: number; leads: number };

/** Up to this many lead times are read and sorted in memory; more are walked in order in the lead-time index. */
const READ_WHOLE = 3000;

/** The numbers for one range and scope: sums by day from the day sums, medians by walking the lead-time index in order. */
export async function doraNumbersFor(scope: MetricsScope, range: DoraRange, readWhole = READ_WHOLE): Promise<DoraNumbers> {
  const { where, col } = scopeSql(scope, range);
  const days = await rows<Sums>(sumsSql(scope, range, "day"));
  const firstMonday = isoWeekStart(range.from);
  const weekOf = (day: number) => Math.floor((day * DAY_MS - firstMonday) / WEEK);
  const weeks = new Map<number, WeekCounts & { leads: number }>();
  const releaseDays: number[] = [];
  let leadCount = 0;
  for (const { g: day, releases, failed, unrecovered, unplanned, total, leads } of days) {
    if (releases > 0) releaseDays.push(day as number);
    const week = weekOf(day as number);
    const w = weeks.get(week) ?? { week, releases: 0, failed: 0, unrecovered: 0, unplanned: 0, total: 0, leads: 0 };
    w.releases += releases;
    w.failed += failed;
    w.unrecovered += unrecovered;
    w.unplanned += unplanned;
    w.total += total;
    w.leads += leads;
    leadCount += leads;
    weeks.set(week, w);
  }
  const recoveryIndex = scope.agent ? sql`` : indexedBy(scope.risk ? "dora_facts_tier_recovery_idx" : "dora_facts_recovery_idx");
  const recoveries = await samples(
    sql`SELECT f.deployed_at AS at, ${col.recovery} AS ms FROM dora_facts f ${recoveryIndex} WHERE ${col.recovery} IS NOT NULL AND ${where}`,
  );
  const lead =
    leadCount <= readWhole
      ? quantilesOfSamples(
          range,
          await samples(
            sql`SELECT f.deployed_at AS at, f.lead_ms AS ms FROM dora_facts f ${leadIndex(scope)} WHERE f.lead_ms IS NOT NULL AND ${where}`,
          ),
        )
      : await leadQuantiles(scope, range, leadCount, (week) => weeks.get(week)?.leads ?? 0);
  return doraNumbers(range, { weeks: [...weeks.values()], releaseDays, lead, recovery: quantilesOfSamples(range, recoveries) });
}

/** [instant, milliseconds] pairs, as quantilesOfSamples takes them. */
async function samples(query: SQL): Promise<[number, number][]> {
  return (await rows<{ at: number; ms: number }>(query)).map((r) => [r.at, r.ms]);
}

/**
 * A percentile to read from an index of lead times: the p-th of the n that `ordered` selects (as `ms`),
 * `ordered` sorting them by lead_ms in the order it is given, after the index's equalities.
 */
type Ranked = { n: number; p: number; ordered: (order: SQL) => SQL };

/** At most this many walks in one statement: SQLite takes up to 500 terms in a compound SELECT. */
const WALKS_PER_STATEMENT = 200;

/**
 * Percentiles without reading every lead time: the index keeps them sorted, so the p-th of n is an OFFSET
 * away, from the two at ranks ⌊(n − 1)·p⌋ and the one after (see percentileOfRanks), walked from whichever
 * end is nearer (a p90 steps over a tenth of them). The walks of all the percentiles asked are one statement,
 * a UNION ALL of one walk each: one round trip instead of one per week (PostgreSQL), one statement to prepare
 * (SQLite). The result keeps the order asked; null where n is 0.
 */
async function rankedPercentiles(asked: Ranked[]): Promise<(number | null)[]> {
  const walks = asked.flatMap(({ n, p, ordered }, i) => {
    if (n === 0) return [];
    const low = lowerRank(n, p);
    const high = Math.min(low + 1, n - 1);
    const fromEnd = n - 1 - high < low;
    const walk = ordered(fromEnd ? sql`DESC` : sql`ASC`);
    const offset = fromEnd ? n - 1 - high : low;
    return [sql`SELECT ${sql.raw(String(i))} AS k, w.ms AS ms FROM (${walk} LIMIT ${high - low + 1} OFFSET ${offset}) AS w`];
  });
  const values = new Map<number, number[]>();
  for (let at = 0; at < walks.length; at += WALKS_PER_STATEMENT)
    for (const { k, ms } of await rows<{ k: number; ms: number }>(sql.join(walks.slice(at, at + WALKS_PER_STATEMENT), sql` UNION ALL `)))
      values.set(k, [...(values.get(k) ?? []), ms]);
  return asked.map(({ n, p }, i) => {
    if (n === 0) return null;
    // The two ranks, in ascending order whichever end they were walked from.
    const found = (values.get(i) ?? []).sort((a, b) => a - b);
    const low = lowerRank(n, p);
    return percentileOfRanks(n, p, (rank) => found[rank - low]! / HOUR);
  });
}

/** The percentiles doraNumbers asks of lead times: the median and p90 of the range, and each week's median. */
const OVERALL_PERCENTILES = [0.5, 0.9];
const WEEKLY_PERCENTILES = [0.5];

/** Lead-time percentiles for doraNumbers, read up front: it asks for them synchronously. */
async function leadQuantiles(
  scope: MetricsScope,
  range: DoraRange,
  count: number,
  countInWeek: (week: number) => number,
): Promise<Quantiles> {
  const { where } = scopeSql(scope, range);
  const firstMonday = isoWeekStart(range.from);
  const overall = (order: SQL) => sql`SELECT f.lead_ms AS ms FROM dora_facts f ${leadIndex(scope)} WHERE f.lead_ms IS NOT NULL AND ${where}
                ORDER BY f.lead_ms ${order}`;
  const weekly = (week: number) => (order: SQL) =>
    sql`SELECT f.lead_ms AS ms FROM dora_facts f ${scope.agent ? sql`` : indexedBy("dora_facts_week_lead_idx")}
                  WHERE f.week = ${firstMonday + week * WEEK} AND f.lead_ms IS NOT NULL AND ${where} ORDER BY f.lead_ms ${order}`;
  const keys: string[] = [];
  const asked: Ranked[] = [];
  for (const p of OVERALL_PERCENTILES) {
    keys.push(`overall ${p}`);
    asked.push({ n: count, p, ordered: overall });
  }
  for (let week = 0; week < isoWeekStarts(range).length; week++)
    for (const p of WEEKLY_PERCENTILES) {
      keys.push(`${week} ${p}`);
      asked.push({ n: countInWeek(week), p, ordered: weekly(week) });
    }
  const read = new Map(keys.map((key, i) => [key, i]));
  const values = await rankedPercentiles(asked);
  const known = (key: string) => {
    const i = read.get(key);
    if (i === undefined) throw new Error(`Lead-time percentile ${key} was not read: add it to OVERALL_PERCENTILES or WEEKLY_PERCENTILES`);
    return values[i]!;
  };
  return { count, overall: (p) => known(`overall ${p}`), weekly: (week, p) => known(`${week} ${p}`) };
}

/** `drift`: beside the five, not one of them (lib/server/metrics-drift.ts). */
export type DoraReport = { current: DoraNumbers; previous: DoraNumbers; scope: MetricsScope; drift: DriftMetrics };

/** The five metrics for the range, and for the period of equal length before it; and the drift line. */
export async function doraReport(caller: Caller, filters: MetricsFilters, now = Date.now()): Promise<DoraReport> {
  assertCanRead(caller);
  const range = rangeOf(filters, now);
  const scope = scopeOf(filters);
  await assertKnownScope(scope);
  return {
    current: await doraNumbersFor(scope, range),
    previous: await doraNumbersFor(scope, previousRange(range)),
    scope,
    drift: await driftMetricsFor(scope, range, now),
  };
}

export type BreakdownRow = {
  key: string;
  label: string;
  releases: number;
  changeFailRate: number | null;
  failed: number;
  leadTimeMedianHours: number | null;
};

/**
 * Change fail rate and lead time per workflow or per platform, for the same range and the other filters:
 * the counts from the day sums, each group's median lead time by walking that group's part of the index.
 */
export async function doraBreakdown(
  caller: Caller,
  filters: MetricsFilters,
  by: "workflow" | "platform",
  now = Date.now(),
): Promise<BreakdownRow[]> {
  assertCanRead(caller);
  const range = rangeOf(filters, now);
  const scope = scopeOf(filters);
  const { where } = scopeSql(scope, range);
  const column = by === "workflow" ? "workflow_id" : "platform";
  const counted = new Map(
    (await rows<Sums>(sumsSql(scope, range, column))).map(({ g, releases, failed, leads }) => [g as string, { releases, failed, leads }]),
  );
  const median = (group: string) => (order: SQL) =>
    sql`SELECT f.lead_ms AS ms FROM dora_facts f ${scope.agent ? sql`` : indexedBy(`dora_facts_${by}_lead_idx`)}
                  WHERE f.${sql.raw(column)} = ${group} AND f.lead_ms IS NOT NULL AND ${where} ORDER BY f.lead_ms ${order}`;
  const groups: { id: string; key: string; label: string }[] =
    by === "workflow"
      ? await getDb().select({ id: workflows.id, key: workflows.slug, label: workflows.name }).from(workflows).orderBy(workflows.name)
      : PLATFORMS.map((p: Platform) => ({ id: p, key: p, label: PLATFORM_LABELS[p] }));
  const released = groups.flatMap((g) => {
    const row = counted.get(g.id);
    return row && row.releases > 0 ? [{ ...g, ...row }] : [];
  });
  const medians = await rankedPercentiles(released.map((g) => ({ n: g.leads, p: 0.5, ordered: median(g.id) })));
  const breakdown = released.map((g, i): BreakdownRow => ({
    key: g.key,
    label: g.label,
    releases: g.releases,
    changeFailRate: g.failed / g.releases,
    failed: g.failed,
    leadTimeMedianHours: medians[i]!,
  }));
  return breakdown;
}

/** One record behind a number, as the facts give it; metric-records.ts adds the names and links. */
export type DoraRecordRow = { deploymentId: string; at: number; hours: number | null; note: string; incidentIds: string[] };

export const RECORDS_PAGE_SIZE = 50;

const HOW: Record<string, string> = {
  rollback: "restored by rollback",
  fix_released: "restored by a fix release",
  incident_resolved: "incident resolved",
};
const WHY: Record<string, string> = { rollback: "rollback", emergency: "emergency release", incident_fix: "fix for an incident" };

/** What counts towards each metric, when it counts, and how it reads (`note`: a number, 1 or 0, for a change that failed). */
function recordQuery(metric: DoraMetricName, col: ReturnType<typeof scopeSql>["col"]): { where: SQL; at: SQL; hours: SQL; note: SQL } {
  switch (metric) {
    case "leadTime":
      return {
        where: sql`f.lead_ms IS NOT NULL`,
        at: sql`f.deployed_at`,
        hours: sql`f.lead_ms`,
        note: sql`'submitted → released to production'`,
      };
    case "deploymentFrequency":
      return { where: sql`f.release = 1`, at: sql`f.deployed_at`, hours: sql`NULL`, note: sql`'release'` };
    case "changeFailRate":
      return {
        where: sql`${col.failed} = 1`,
        at: sql`f.deployed_at`,
        hours: sql`NULL`,
        note: sql`CASE WHEN ${col.rolledBackBy} IS NOT NULL THEN 1 ELSE 0 END`,
      };
    case "recoveryTime":
      return { where: sql`${col.failed} = 1`, at: sql`f.detected_at`, hours: sql`${col.restoredAt} - f.detected_at`, note: col.how };
    case "reworkRate":
      return { where: sql`f.rework IS NOT NULL`, at: sql`f.deployed_at`, hours: sql`NULL`, note: sql`f.rework` };
  }
}

/**
 * The records behind one number, newest first, a page at a time (offset and limit), with how many
 * there are in all: a number may stand on tens of thousands of records, which no page should carry.
 */
export async function doraRecords(
  caller: Caller,
  filters: MetricsFilters,
  metric: DoraMetricName,
  page: { offset: number; limit: number },
  now = Date.now(),
): Promise<{ total: number; rows: DoraRecordRow[] }> {
  assertCanRead(caller);
  const range = rangeOf(filters, now);
  const scope = scopeOf(filters);
  const { where, col } = scopeSql(scope, range);
  const q = recordQuery(metric, col);
  const [{ total }] = (await rows<{ total: number }>(sql`SELECT COUNT(*) AS total FROM dora_facts f WHERE ${where} AND ${q.where}`)) as [
    { total: number },
  ];
  const found = await rows<{ deploymentId: string; at: number; ms: number | null; note: string | number | null }>(
    sql`SELECT f.deployment_id AS "deploymentId", ${q.at} AS at, ${q.hours} AS ms, ${q.note} AS note
     FROM dora_facts f WHERE ${where} AND ${q.where}
     ORDER BY ${q.at} DESC, f.deployment_id LIMIT ${page.limit} OFFSET ${page.offset}`,
  );
  const linked = new Map<string, string[]>();
  if (found.length > 0 && metric !== "leadTime" && metric !== "reworkRate") {
    const ids = found.map((r) => r.deploymentId);
    for (const { id, deploymentId } of await rows<{ id: string; deploymentId: string }>(
      sql`SELECT id, deployment_id AS "deploymentId" FROM incidents WHERE deployment_id IN ${ids} ORDER BY detected_at, rowid`,
    )) {
      const list = linked.get(deploymentId);
      if (list) list.push(id);
      else linked.set(deploymentId, [id]);
    }
  }
  const records = found.map(({ deploymentId, at, ms, note }): DoraRecordRow => {
    const incidentIds = linked.get(deploymentId) ?? [];
    return {
      deploymentId,
      at,
      hours: ms === null ? null : ms / HOUR,
      note:
        metric === "changeFailRate"
          ? [note === 1 && "rolled back", incidentIds.length > 0 && "incident"].filter(Boolean).join(" and ")
          : metric === "recoveryTime"
            ? note === null
              ? "not yet restored"
              : HOW[note]!
            : metric === "reworkRate"
              ? WHY[note as string]!
              : (note as string),
      incidentIds,
    };
  });
  return { total, rows: records };
}
