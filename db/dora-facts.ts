import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { DAY, isoWeekStart } from "../lib/domain/dora-calendar";
import { doraFactsOf, type DoraFact } from "../lib/domain/dora-facts";
import { execute, type DB } from "./index";
import { agents, agentVersions, changeRecords, deployments, doraFacts, incidents } from "./schema";

/*
 * Keeps dora_facts current. Every use case that writes an agent's production deployments or its
 * incidents calls refreshDoraFacts for that agent inside its own transaction: an agent's history is
 * short, so re-deriving all of it is cheap and cannot drift the way patching single rows could.
 */

/** What DORA reads of a deployment and of an incident (the facts here, and the reference computation in the tests). */
export const DORA_DEPLOYMENT = {
  id: deployments.id,
  agentId: deployments.agentId,
  environment: deployments.environment,
  kind: deployments.kind,
  deployedAt: deployments.deployedAt,
  changeRecordId: deployments.changeRecordId,
  versionId: deployments.versionId,
  replacedVersionId: deployments.replacedVersionId,
};
export const DORA_INCIDENT = {
  id: incidents.id,
  agentId: incidents.agentId,
  deploymentId: incidents.deploymentId,
  detectedAt: incidents.detectedAt,
  resolvedAt: incidents.resolvedAt,
  fixChangeRecordId: incidents.fixChangeRecordId,
};

type Tx = DB;

async function historyOf(tx: Tx, agentIds: string[] | null) {
  const byAgent = (column: SQLiteColumn, rest?: SQL) => and(agentIds ? inArray(column, agentIds) : undefined, rest);
  const production = await tx
    .select(DORA_DEPLOYMENT)
    .from(deployments)
    .where(byAgent(deployments.agentId, eq(deployments.environment, "production")))
    .orderBy(asc(deployments.deployedAt), asc(sql`${deployments}.rowid`));
  const changes = await tx
    .select({
      id: changeRecords.id,
      number: changeRecords.number,
      submittedAt: changeRecords.submittedAt,
      riskTier: changeRecords.riskTier,
    })
    .from(changeRecords)
    .where(byAgent(changeRecords.agentId));
  const incidentRows = await tx
    .select(DORA_INCIDENT)
    .from(incidents)
    .where(byAgent(incidents.agentId))
    .orderBy(asc(incidents.detectedAt), asc(sql`${incidents}.rowid`));
  const versionChange = new Map(
    (
      await tx
        .select({ id: agentVersions.id, changeRecordId: agentVersions.changeRecordId })
        .from(agentVersions)
        .where(byAgent(agentVersions.agentId))
    ).map((v) => [v.id, v.changeRecordId]),
  );
  const agentOf = new Map(
    (
      await tx
        .select({ id: agents.id, workflowId: agents.workflowId, platform: agents.platform })
        .from(agents)
        .where(agentIds ? inArray(agents.id, agentIds) : undefined)
    ).map((a) => [a.id, a]),
  );
  return { history: { deployments: production, changes, incidents: incidentRows, versionChange }, agentOf };
}

type AgentScope = { workflowId: string; platform: string };

function rowOf(f: DoraFact, agent: AgentScope | undefined): typeof doraFacts.$inferInsert {
  const recovery = (x: DoraFact["all"]) =>
    x.failed && x.restoredAt !== null && f.detectedAt !== null ? x.restoredAt - f.detectedAt : null;
  return {
    deploymentId: f.deploymentId,
    agentId: f.agentId,
    workflowId: agent?.workflowId ?? null,
    platform: agent?.platform ?? null,
    deployedAt: f.deployedAt,
    day: Math.floor(f.deployedAt / DAY),
    week: isoWeekStart(f.deployedAt),
    release: f.release ? 1 : 0,
    changeRecordId: f.changeRecordId,
    riskTier: f.riskTier,
    leadMs: f.leadMs,
    rework: f.rework,
    detectedAt: f.detectedAt,
    failed: f.all.failed ? 1 : 0,
    rolledBackBy: f.all.rolledBackBy,
    restoredAt: f.all.restoredAt,
    restoredHow: f.all.restoredHow,
    recoveryMs: recovery(f.all),
    tierFailed: f.tier.failed ? 1 : 0,
    tierRolledBackBy: f.tier.rolledBackBy,
    tierRestoredAt: f.tier.restoredAt,
    tierRestoredHow: f.tier.restoredHow,
    tierRecoveryMs: recovery(f.tier),
  };
}

async function write(tx: Tx, facts: DoraFact[], agentOf: Map<string, AgentScope>) {
  for (let i = 0; i < facts.length; i += 500)
    await tx.insert(doraFacts).values(facts.slice(i, i + 500).map((f) => rowOf(f, agentOf.get(f.agentId))));
}

/** dora_days: the facts summed per day, workflow, platform and tier, for the facts `where` selects. */
const sumDays = (where: SQL) => sql`
  INSERT INTO dora_days (day, workflow_id, platform, risk_tier, releases, failed, unrecovered, tier_failed, tier_unrecovered, unplanned, total, leads)
  SELECT day, COALESCE(workflow_id, ''), COALESCE(platform, ''), COALESCE(risk_tier, ''), SUM(release), SUM(failed),
         SUM(CASE WHEN failed = 1 AND restored_at IS NULL THEN 1 ELSE 0 END), SUM(tier_failed),
         SUM(CASE WHEN tier_failed = 1 AND tier_restored_at IS NULL THEN 1 ELSE 0 END),
         SUM(CASE WHEN rework IS NOT NULL THEN 1 ELSE 0 END), COUNT(*), COUNT(lead_ms)
  FROM dora_facts WHERE ${where} GROUP BY day, workflow_id, platform, risk_tier`;

/** Re-derives the facts of these agents' production deployments, and the day sums they touch; call it inside the transaction that changed them. */
export async function refreshDoraFacts(tx: Tx, ...agentIds: string[]): Promise<void> {
  const ids = [...new Set(agentIds)];
  if (ids.length === 0) return;
  const before = await tx.selectDistinct({ day: doraFacts.day }).from(doraFacts).where(inArray(doraFacts.agentId, ids));
  await tx.delete(doraFacts).where(inArray(doraFacts.agentId, ids));
  const { history, agentOf } = await historyOf(tx, ids);
  const facts = doraFactsOf(history);
  await write(tx, facts, agentOf);
  // The sums of the days these agents' facts were and are on, for their workflows and platforms.
  const days = [...new Set([...before.map((d) => d.day), ...facts.map((f) => Math.floor(f.deployedAt / DAY))])];
  for (const scope of new Map([...agentOf.values()].map((a) => [`${a.workflowId} ${a.platform}`, a])).values()) {
    for (let i = 0; i < days.length; i += 500) {
      const chunk = days.slice(i, i + 500);
      const these = sql`day IN (${sql.join(chunk, sql`, `)}) AND workflow_id = ${scope.workflowId} AND platform = ${scope.platform}`;
      await execute(sql`DELETE FROM dora_days WHERE ${these}`, tx);
      await execute(sumDays(these), tx);
    }
  }
}

/**
 * Re-derives every fact and day sum: after a bulk load (the demo seed), or to bring an upgraded
 * database up to date. An agent's facts depend on its own history alone, so agents are taken a batch
 * at a time: memory holds one batch's history, whatever the size of the estate.
 */
export async function rebuildDoraFacts(tx: Tx): Promise<number> {
  await tx.delete(doraFacts);
  await execute(sql`DELETE FROM dora_days`, tx);
  const ids = (await tx.select({ id: agents.id }).from(agents).orderBy(asc(agents.id))).map((a) => a.id);
  let written = 0;
  for (let i = 0; i < ids.length; i += AGENTS_PER_BATCH) {
    const { history, agentOf } = await historyOf(tx, ids.slice(i, i + AGENTS_PER_BATCH));
    const facts = doraFactsOf(history);
    await write(tx, facts, agentOf);
    written += facts.length;
  }
  await execute(sumDays(sql`1 = 1`), tx);
  return written;
}

const AGENTS_PER_BATCH = 500;
