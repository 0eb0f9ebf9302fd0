import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/db";
import { DORA_DEPLOYMENT, DORA_INCIDENT } from "@/db/dora-facts";
import { agents, agentVersions, changeRecords, deployments, incidents, workflows } from "@/db/schema";
import type { DoraChange, DoraDeployment, DoraIncident, DoraMetrics } from "@/lib/domain/dora";
import type { MetricsScope } from "@/lib/server/metrics";

/*
 * The reference the dashboard is checked against: the whole history of the agents in a scope, read
 * straight from the tables, as doraMetrics (the definition) takes it. The dashboard reads the derived
 * facts instead (lib/server/metrics.ts).
 */

/** doraMetrics without the records behind each number: what doraNumbersFor returns, to compare with it. */
export function withoutItems(m: DoraMetrics) {
  const { leadTime, deploymentFrequency, changeFailRate, recoveryTime, reworkRate, ...rest } = m;
  const drop = <T extends { items: unknown }>(metric: T): Omit<T, "items"> => {
    const keep: Partial<T> = { ...metric };
    delete keep.items;
    return keep as Omit<T, "items">;
  };
  return {
    ...rest,
    leadTime: drop(leadTime),
    deploymentFrequency: drop(deploymentFrequency),
    changeFailRate: drop(changeFailRate),
    recoveryTime: drop(recoveryTime),
    reworkRate: drop(reworkRate),
  };
}

export type ScopedHistory = {
  deployments: DoraDeployment[];
  changes: (DoraChange & { agentId: string })[];
  incidents: DoraIncident[];
  agentIds: string[];
};

/** Every production deployment, change and incident of the agents in scope; the risk filter keeps what changes of that tier did. */
export async function scopedHistory(scope: MetricsScope): Promise<ScopedHistory> {
  const db = getDb();
  const conditions: (SQL | undefined)[] = [
    scope.workflow ? eq(workflows.slug, scope.workflow) : undefined,
    scope.platform ? eq(agents.platform, scope.platform) : undefined,
    scope.agent ? eq(agents.slug, scope.agent) : undefined,
  ];
  const agentIds = (
    await db
      .select({ id: agents.id })
      .from(agents)
      .innerJoin(workflows, eq(workflows.id, agents.workflowId))
      .where(and(...conditions))
  ).map((a) => a.id);
  if (agentIds.length === 0) return { deployments: [], changes: [], incidents: [], agentIds };
  const changeRows = await db
    .select({
      id: changeRecords.id,
      number: changeRecords.number,
      submittedAt: changeRecords.submittedAt,
      agentId: changeRecords.agentId,
      riskTier: changeRecords.riskTier,
    })
    .from(changeRecords)
    .where(inArray(changeRecords.agentId, agentIds));
  let deploymentRows = await db
    .select(DORA_DEPLOYMENT)
    .from(deployments)
    .where(and(inArray(deployments.agentId, agentIds), eq(deployments.environment, "production")))
    .orderBy(asc(deployments.deployedAt), asc(sql`${deployments}.rowid`));
  let incidentRows = await db.select(DORA_INCIDENT).from(incidents).where(inArray(incidents.agentId, agentIds));
  let changes = changeRows;
  if (scope.risk) {
    // A tier is a property of a change: keep its releases, the rollbacks that undid them, and their incidents.
    const tiered = new Set(changeRows.filter((c) => c.riskTier === scope.risk).map((c) => c.id));
    const versionChange = new Map(
      (
        await db
          .select({ id: agentVersions.id, changeRecordId: agentVersions.changeRecordId })
          .from(agentVersions)
          .where(inArray(agentVersions.agentId, agentIds))
      ).map((v) => [v.id, v.changeRecordId]),
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
