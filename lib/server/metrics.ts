import "server-only";
import { and, eq, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db";
import { agents, agentVersions, changeRecords, deployments, incidents, workflows } from "@/db/schema";
import {
  doraMetrics,
  previousRange,
  type DoraChange,
  type DoraDeployment,
  type DoraIncident,
  type DoraMetrics,
  type DoraRange,
} from "@/lib/domain/dora";
import { PLATFORMS, PLATFORM_LABELS, RISK_LEVELS, type Platform } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { assertCanRead, type Caller } from "./caller";

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

export type ScopedHistory = {
  deployments: DoraDeployment[];
  changes: (DoraChange & { agentId: string })[];
  incidents: DoraIncident[];
  agentIds: string[];
};

/** Every production deployment, change and incident of the agents in scope; the risk filter keeps what changes of that tier did. */
export function scopedHistory(scope: MetricsScope): ScopedHistory {
  const db = getDb();
  const conditions: (SQL | undefined)[] = [
    scope.workflow ? eq(workflows.slug, scope.workflow) : undefined,
    scope.platform ? eq(agents.platform, scope.platform) : undefined,
    scope.agent ? eq(agents.slug, scope.agent) : undefined,
  ];
  const agentIds = db
    .select({ id: agents.id })
    .from(agents)
    .innerJoin(workflows, eq(workflows.id, agents.workflowId))
    .where(and(...conditions))
    .all()
    .map((a) => a.id);
  if (agentIds.length === 0) return { deployments: [], changes: [], incidents: [], agentIds };
  const changeRows = db
    .select({
      id: changeRecords.id,
      number: changeRecords.number,
      submittedAt: changeRecords.submittedAt,
      agentId: changeRecords.agentId,
      riskTier: changeRecords.riskTier,
    })
    .from(changeRecords)
    .where(inArray(changeRecords.agentId, agentIds))
    .all();
  let deploymentRows = db
    .select({
      id: deployments.id,
      agentId: deployments.agentId,
      environment: deployments.environment,
      kind: deployments.kind,
      deployedAt: deployments.deployedAt,
      changeRecordId: deployments.changeRecordId,
      versionId: deployments.versionId,
      replacedVersionId: deployments.replacedVersionId,
    })
    .from(deployments)
    .where(and(inArray(deployments.agentId, agentIds), eq(deployments.environment, "production")))
    .orderBy(deployments.deployedAt)
    .all();
  let incidentRows = db
    .select({
      id: incidents.id,
      agentId: incidents.agentId,
      deploymentId: incidents.deploymentId,
      detectedAt: incidents.detectedAt,
      resolvedAt: incidents.resolvedAt,
      fixChangeRecordId: incidents.fixChangeRecordId,
    })
    .from(incidents)
    .where(inArray(incidents.agentId, agentIds))
    .all();
  let changes = changeRows;
  if (scope.risk) {
    // A tier is a property of a change: keep its releases, the rollbacks that undid them, and their incidents.
    const tiered = new Set(changeRows.filter((c) => c.riskTier === scope.risk).map((c) => c.id));
    const versionChange = new Map(
      db
        .select({ id: agentVersions.id, changeRecordId: agentVersions.changeRecordId })
        .from(agentVersions)
        .where(inArray(agentVersions.agentId, agentIds))
        .all()
        .map((v) => [v.id, v.changeRecordId]),
    );
    deploymentRows = deploymentRows.filter((d) =>
      d.changeRecordId
        ? tiered.has(d.changeRecordId)
        : d.replacedVersionId !== null && tiered.has(versionChange.get(d.replacedVersionId) ?? ""),
    );
    const kept = new Set(deploymentRows.map((d) => d.id));
    incidentRows = incidentRows.filter(
      (i) => (i.deploymentId !== null && kept.has(i.deploymentId)) || (i.fixChangeRecordId !== null && tiered.has(i.fixChangeRecordId)),
    );
    changes = changeRows.filter((c) => tiered.has(c.id));
  }
  return {
    deployments: deploymentRows,
    changes: changes.map((c) => ({ id: c.id, number: c.number, submittedAt: c.submittedAt, agentId: c.agentId })),
    incidents: incidentRows,
    agentIds,
  };
}

export function scopeOf(filters: MetricsFilters): MetricsScope {
  return { workflow: filters.workflow, platform: filters.platform, risk: filters.risk, agent: filters.agent };
}

/** A workflow that does not exist is a bad link, not an empty dashboard (an agent may have been retired: that one is allowed). */
export function assertKnownScope(scope: MetricsScope): void {
  if (scope.workflow && !getDb().select({ id: workflows.id }).from(workflows).where(eq(workflows.slug, scope.workflow)).get()) {
    throw new AppError("bad_request", `there is no workflow "${scope.workflow}"`, { parameter: "workflow" });
  }
}

export type DoraReport = { current: DoraMetrics; previous: DoraMetrics; scope: MetricsScope };

/** The five metrics for the range, and for the period of equal length before it. */
export function doraReport(caller: Caller, filters: MetricsFilters, now = Date.now()): DoraReport {
  assertCanRead(caller);
  const range = rangeOf(filters, now);
  const scope = scopeOf(filters);
  assertKnownScope(scope);
  const history = scopedHistory(scope);
  return { current: doraMetrics({ ...history, range }), previous: doraMetrics({ ...history, range: previousRange(range) }), scope };
}

export type BreakdownRow = {
  key: string;
  label: string;
  releases: number;
  changeFailRate: number | null;
  failed: number;
  leadTimeMedianHours: number | null;
};

/** Change fail rate and lead time per workflow or per platform, for the same range and the other filters. */
export function doraBreakdown(caller: Caller, filters: MetricsFilters, by: "workflow" | "platform", now = Date.now()): BreakdownRow[] {
  assertCanRead(caller);
  const range = rangeOf(filters, now);
  const groups: { key: string; label: string }[] =
    by === "workflow"
      ? getDb().select({ key: workflows.slug, label: workflows.name }).from(workflows).orderBy(workflows.name).all()
      : PLATFORMS.map((p: Platform) => ({ key: p, label: PLATFORM_LABELS[p] }));
  const scope = scopeOf(filters);
  // One read of the scope's history, split by agent: a query per group would read it fifteen times.
  const history = scopedHistory(scope);
  const groupOf = new Map(
    getDb()
      .select({ id: agents.id, workflow: workflows.slug, platform: agents.platform })
      .from(agents)
      .innerJoin(workflows, eq(workflows.id, agents.workflowId))
      .all()
      .map((a) => [a.id, by === "workflow" ? a.workflow : a.platform]),
  );
  const inGroup =
    (key: string) =>
    <T extends { agentId: string }>(rows: T[]) =>
      rows.filter((r) => groupOf.get(r.agentId) === key);
  return groups
    .filter((g) => !scope[by] || scope[by] === g.key)
    .map((g) => {
      const only = inGroup(g.key);
      const m = doraMetrics({
        deployments: only(history.deployments),
        changes: only(history.changes),
        incidents: only(history.incidents),
        range,
      });
      return {
        key: g.key,
        label: g.label,
        releases: m.changeFailRate.total,
        changeFailRate: m.changeFailRate.rate,
        failed: m.changeFailRate.failed,
        leadTimeMedianHours: m.leadTime.medianHours,
      };
    })
    .filter((row) => row.releases > 0);
}
