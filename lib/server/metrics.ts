import "server-only";
import type Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { first, getDb } from "@/db";
import { workflows } from "@/db/schema";
import { previousRange, type DoraMetricName, type DoraRange } from "@/lib/domain/dora";
import { DAY as DAY_MS, isoWeekStart, WEEK } from "@/lib/domain/dora-calendar";
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
function scopeSql(scope: MetricsScope) {
  const where = [
    "f.deployed_at >= @from AND f.deployed_at < @to",
    scope.workflow && "f.workflow_id = (SELECT id FROM workflows WHERE slug = @workflow)",
    scope.platform && "f.platform = @platform",
    scope.agent && "f.agent_id = (SELECT id FROM agents WHERE slug = @agent)",
    scope.risk && "f.risk_tier = @risk",
  ]
    .filter(Boolean)
    .join(" AND ");
  // The risk filter sees a history of one tier only: its own failure facts (see lib/domain/dora-facts.ts).
  const col = scope.risk
    ? {
        failed: "f.tier_failed",
        restoredAt: "f.tier_restored_at",
        how: "f.tier_restored_how",
        rolledBackBy: "f.tier_rolled_back_by",
        recovery: "f.tier_recovery_ms",
      }
    : {
        failed: "f.failed",
        restoredAt: "f.restored_at",
        how: "f.restored_how",
        rolledBackBy: "f.rolled_back_by",
        recovery: "f.recovery_ms",
      };
  return { where, col };
}

/** The same scope over the day sums `d` (which know no agent). */
function daysScopeSql(scope: MetricsScope) {
  return [
    scope.workflow && "d.workflow_id = (SELECT id FROM workflows WHERE slug = @workflow)",
    scope.platform && "d.platform = @platform",
    scope.risk && "d.risk_tier = @risk",
  ]
    .filter(Boolean)
    .map((c) => ` AND ${c}`)
    .join("");
}

/** The index a walk over lead times in order should take: the one that holds only the scope's own, when there is one. */
function leadIndex(scope: MetricsScope): string {
  if (scope.agent) return "";
  if (scope.workflow) return "INDEXED BY dora_facts_workflow_lead_idx";
  if (scope.platform) return "INDEXED BY dora_facts_platform_lead_idx";
  if (scope.risk) return "INDEXED BY dora_facts_tier_lead_idx";
  return "INDEXED BY dora_facts_lead_idx";
}

const scopeParams = (scope: MetricsScope, range: DoraRange) => ({
  from: range.from,
  to: range.to,
  ...(scope.workflow && { workflow: scope.workflow }),
  ...(scope.platform && { platform: scope.platform }),
  ...(scope.agent && { agent: scope.agent }),
  ...(scope.risk && { risk: scope.risk }),
});

/** The whole days of a range, read from the day sums, and the days at its edges it covers only in part, read from the facts. */
const dayParams = (range: DoraRange) => ({
  fromDay: Math.floor(range.from / DAY_MS),
  fullFrom: Math.ceil(range.from / DAY_MS),
  fullTo: Math.floor(range.to / DAY_MS),
  toDay: Math.ceil(range.to / DAY_MS),
});

type Statement = ReturnType<Database.Database["prepare"]>;
const statements = new WeakMap<Database.Database, Map<string, Statement>>();

/** One prepared statement per SQL text and connection. */
function statement(text: string): Statement {
  const sqlite = getDb().$client;
  let cache = statements.get(sqlite);
  if (!cache) statements.set(sqlite, (cache = new Map()));
  let s = cache.get(text);
  if (!s) cache.set(text, (s = sqlite.prepare(text)));
  return s;
}

/**
 * Sums per `group` (an expression over both `d` and `f` column names, e.g. "day") for a range and scope:
 * releases, failed, unrecovered, unplanned, total and lead times counted. Whole days come from the day
 * sums, the parts of days at the edges of an instant-to-instant range (and an agent's scope) from the facts.
 */
function sumsSql(scope: MetricsScope, group: "day" | "workflow_id" | "platform"): string {
  const { where, col } = scopeSql(scope);
  const unrecovered = scope.risk ? "tier_unrecovered" : "unrecovered";
  const facts = (days: string) =>
    `SELECT f.${group} AS g, f.release AS releases, ${col.failed} AS failed, (${col.failed} AND ${col.restoredAt} IS NULL) AS unrecovered,
            f.rework IS NOT NULL AS unplanned, 1 AS total, f.lead_ms IS NOT NULL AS leads
     FROM dora_facts f WHERE ${days} AND ${where}`;
  if (scope.agent)
    return `SELECT g, SUM(releases), SUM(failed), SUM(unrecovered), SUM(unplanned), SUM(total), SUM(leads)
            FROM (${facts("1")}) GROUP BY g`;
  return `SELECT g, SUM(releases), SUM(failed), SUM(unrecovered), SUM(unplanned), SUM(total), SUM(leads) FROM (
            SELECT d.${group} AS g, d.releases, d.${scope.risk ? "tier_failed" : "failed"} AS failed, d.${unrecovered} AS unrecovered,
                   d.unplanned, d.total, d.leads
            FROM dora_days d WHERE d.day >= @fullFrom AND d.day < @fullTo${daysScopeSql(scope)}
            UNION ALL ${facts("f.day >= @fromDay AND f.day < @fullFrom")}
            UNION ALL ${facts("f.day >= MAX(@fullTo, @fullFrom) AND f.day < @toDay")}
          ) GROUP BY g`;
}

type Sums = [
  group: number | string,
  releases: number,
  failed: number,
  unrecovered: number,
  unplanned: number,
  total: number,
  leads: number,
];

/** Up to this many lead times are read and sorted in memory; more are walked in order in the lead-time index. */
const READ_WHOLE = 3000;

/** The numbers for one range and scope: sums by day from the day sums, medians by walking the lead-time index in order. */
export function doraNumbersFor(scope: MetricsScope, range: DoraRange, readWhole = READ_WHOLE): DoraNumbers {
  const { where, col } = scopeSql(scope);
  const params = scopeParams(scope, range);
  const days = statement(sumsSql(scope, "day"))
    .raw()
    .all({ ...params, ...dayParams(range) }) as Sums[];
  const firstMonday = isoWeekStart(range.from);
  const weekOf = (day: number) => Math.floor((day * DAY_MS - firstMonday) / WEEK);
  const weeks = new Map<number, WeekCounts & { leads: number }>();
  const releaseDays: number[] = [];
  let leadCount = 0;
  for (const [day, releases, failed, unrecovered, unplanned, total, leads] of days) {
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
  const recoveryIndex = scope.agent ? "" : scope.risk ? "INDEXED BY dora_facts_tier_recovery_idx" : "INDEXED BY dora_facts_recovery_idx";
  const recoveries = statement(
    `SELECT f.deployed_at, ${col.recovery} FROM dora_facts f ${recoveryIndex} WHERE ${col.recovery} IS NOT NULL AND ${where}`,
  )
    .raw()
    .all(params) as [number, number][];
  const lead =
    leadCount <= readWhole
      ? quantilesOfSamples(
          range,
          statement(`SELECT f.deployed_at, f.lead_ms FROM dora_facts f ${leadIndex(scope)} WHERE f.lead_ms IS NOT NULL AND ${where}`)
            .raw()
            .all(params) as [number, number][],
        )
      : leadQuantiles(scope, range, leadCount, (week) => weeks.get(week)?.leads ?? 0);
  return doraNumbers(range, { weeks: [...weeks.values()], releaseDays, lead, recovery: quantilesOfSamples(range, recoveries) });
}

/** Reads `limit` lead times (ms) in order from `offset`, ascending or descending. */
type Walk = (order: "asc" | "desc", offset: number, limit: number) => number[];

/**
 * The p-th percentile of n lead times in an index, from the two at ranks ⌊(n − 1)·p⌋ and the one after
 * (see percentileOfRanks): walked from whichever end is nearer, so a p90 steps over a tenth of them.
 */
function rankedPercentile(n: number, p: number, walk: Walk): number | null {
  if (n === 0) return null;
  const low = lowerRank(n, p);
  const high = Math.min(low + 1, n - 1);
  const values = n - 1 - high < low ? walk("desc", n - 1 - high, high - low + 1).reverse() : walk("asc", low, high - low + 1);
  return percentileOfRanks(n, p, (rank) => values[rank - low]! / HOUR);
}

/** A walk over the lead times `where` selects, in the order of an index that sorts them by lead_ms after its equalities. */
function leadWalk(sql: (order: "ASC" | "DESC") => string, params: Record<string, unknown>): Walk {
  const asc = statement(sql("ASC")).pluck();
  const desc = statement(sql("DESC")).pluck();
  return (order, offset, limit) => (order === "asc" ? asc : desc).all({ ...params, offset, limit }) as number[];
}

/** Lead-time percentiles without reading every lead time: the index keeps them sorted, so the k-th is an OFFSET away. */
function leadQuantiles(scope: MetricsScope, range: DoraRange, count: number, countInWeek: (week: number) => number): Quantiles {
  const { where } = scopeSql(scope);
  const params = scopeParams(scope, range);
  const firstMonday = isoWeekStart(range.from);
  const overall = leadWalk(
    (order) => `SELECT f.lead_ms FROM dora_facts f ${leadIndex(scope)} WHERE f.lead_ms IS NOT NULL AND ${where}
                ORDER BY f.lead_ms ${order} LIMIT @limit OFFSET @offset`,
    params,
  );
  const weekly = (week: number) =>
    leadWalk(
      (order) => `SELECT f.lead_ms FROM dora_facts f ${scope.agent ? "" : "INDEXED BY dora_facts_week_lead_idx"}
                  WHERE f.week = @week AND f.lead_ms IS NOT NULL AND ${where} ORDER BY f.lead_ms ${order} LIMIT @limit OFFSET @offset`,
      { ...params, week: firstMonday + week * WEEK },
    );
  return {
    count,
    overall: (p) => rankedPercentile(count, p, overall),
    weekly: (week, p) => rankedPercentile(countInWeek(week), p, weekly(week)),
  };
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
    current: doraNumbersFor(scope, range),
    previous: doraNumbersFor(scope, previousRange(range)),
    scope,
    drift: driftMetricsFor(scope, range, now),
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
  const { where } = scopeSql(scope);
  const params = scopeParams(scope, range);
  const column = by === "workflow" ? "workflow_id" : "platform";
  const counted = new Map(
    (
      statement(sumsSql(scope, column))
        .raw()
        .all({ ...params, ...dayParams(range) }) as Sums[]
    ).map(([g, releases, failed, , , , leads]) => [g as string, { releases, failed, leads }]),
  );
  const median = (group: string) =>
    leadWalk(
      (order) => `SELECT f.lead_ms FROM dora_facts f ${scope.agent ? "" : `INDEXED BY dora_facts_${by}_lead_idx`}
                  WHERE f.${column} = @group AND f.lead_ms IS NOT NULL AND ${where} ORDER BY f.lead_ms ${order} LIMIT @limit OFFSET @offset`,
      { ...params, group },
    );
  const groups: { id: string; key: string; label: string }[] =
    by === "workflow"
      ? await getDb().select({ id: workflows.id, key: workflows.slug, label: workflows.name }).from(workflows).orderBy(workflows.name)
      : PLATFORMS.map((p: Platform) => ({ id: p, key: p, label: PLATFORM_LABELS[p] }));
  return groups.flatMap((g) => {
    const row = counted.get(g.id);
    if (!row || row.releases === 0) return [];
    return [
      {
        key: g.key,
        label: g.label,
        releases: row.releases,
        changeFailRate: row.failed / row.releases,
        failed: row.failed,
        leadTimeMedianHours: rankedPercentile(row.leads, 0.5, median(g.id)),
      },
    ];
  });
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

/** What counts towards each metric, when it counts, and how it reads. */
function recordQuery(metric: DoraMetricName, col: ReturnType<typeof scopeSql>["col"]) {
  switch (metric) {
    case "leadTime":
      return { where: "f.lead_ms IS NOT NULL", at: "f.deployed_at", hours: "f.lead_ms", note: "'submitted → released to production'" };
    case "deploymentFrequency":
      return { where: "f.release = 1", at: "f.deployed_at", hours: "NULL", note: "'release'" };
    case "changeFailRate":
      return { where: `${col.failed} = 1`, at: "f.deployed_at", hours: "NULL", note: `${col.rolledBackBy} IS NOT NULL` };
    case "recoveryTime":
      return { where: `${col.failed} = 1`, at: "f.detected_at", hours: `${col.restoredAt} - f.detected_at`, note: col.how };
    case "reworkRate":
      return { where: "f.rework IS NOT NULL", at: "f.deployed_at", hours: "NULL", note: "f.rework" };
  }
}

/**
 * The records behind one number, newest first, a page at a time (offset and limit), with how many
 * there are in all: a number may stand on tens of thousands of records, which no page should carry.
 */
export function doraRecords(
  caller: Caller,
  filters: MetricsFilters,
  metric: DoraMetricName,
  page: { offset: number; limit: number },
  now = Date.now(),
): { total: number; rows: DoraRecordRow[] } {
  assertCanRead(caller);
  const range = rangeOf(filters, now);
  const scope = scopeOf(filters);
  const { where, col } = scopeSql(scope);
  const q = recordQuery(metric, col);
  const params = scopeParams(scope, range);
  const total = statement(`SELECT COUNT(*) FROM dora_facts f WHERE ${where} AND ${q.where}`).pluck().get(params) as number;
  const found = statement(
    `SELECT f.deployment_id, ${q.at}, ${q.hours}, ${q.note} FROM dora_facts f WHERE ${where} AND ${q.where}
     ORDER BY ${q.at} DESC, f.deployment_id LIMIT @limit OFFSET @offset`,
  )
    .raw()
    .all({ ...params, limit: page.limit, offset: page.offset }) as [string, number, number | null, string | number | null][];
  const linked = new Map<string, string[]>();
  if (found.length > 0 && metric !== "leadTime" && metric !== "reworkRate") {
    const ids = found.map((r) => r[0]);
    for (const [id, deploymentId] of getDb()
      .$client.prepare(
        `SELECT id, deployment_id FROM incidents WHERE deployment_id IN (${ids.map(() => "?").join(",")}) ORDER BY detected_at, rowid`,
      )
      .raw()
      .all(...ids) as [string, string][]) {
      const list = linked.get(deploymentId);
      if (list) list.push(id);
      else linked.set(deploymentId, [id]);
    }
  }
  const rows = found.map(([deploymentId, at, ms, note]): DoraRecordRow => {
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
  return { total, rows };
}
