import { and, asc, count, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { DAY, isoWeekStart } from "../lib/domain/dora-calendar";
import { doraFactsOf, type DoraFact } from "../lib/domain/dora-facts";
import type { DB } from "./index";
import { agentVersions, changeRecords, deployments, doraFacts, incidents } from "./schema";

/*
 * Keeps dora_facts current. Every use case that writes an agent's production deployments or its
 * incidents calls refreshDoraFacts for that agent inside its own transaction: an agent's history is
 * short, so re-deriving all of it is cheap and cannot drift the way patching single rows could.
 */

type Tx = Pick<DB, "select" | "insert" | "delete">;

function historyOf(tx: Tx, agentIds: string[] | null) {
  const byAgent = (column: SQLiteColumn, rest?: SQL) => and(agentIds ? inArray(column, agentIds) : undefined, rest);
  const production = tx
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
    .where(byAgent(deployments.agentId, eq(deployments.environment, "production")))
    .orderBy(asc(deployments.deployedAt), asc(sql`${deployments}.rowid`))
    .all();
  const changes = tx
    .select({
      id: changeRecords.id,
      number: changeRecords.number,
      submittedAt: changeRecords.submittedAt,
      riskTier: changeRecords.riskTier,
    })
    .from(changeRecords)
    .where(byAgent(changeRecords.agentId))
    .all();
  const incidentRows = tx
    .select({
      id: incidents.id,
      agentId: incidents.agentId,
      deploymentId: incidents.deploymentId,
      detectedAt: incidents.detectedAt,
      resolvedAt: incidents.resolvedAt,
      fixChangeRecordId: incidents.fixChangeRecordId,
    })
    .from(incidents)
    .where(byAgent(incidents.agentId))
    .orderBy(asc(incidents.detectedAt), asc(sql`${incidents}.rowid`))
    .all();
  const versionChange = new Map(
    tx
      .select({ id: agentVersions.id, changeRecordId: agentVersions.changeRecordId })
      .from(agentVersions)
      .where(byAgent(agentVersions.agentId))
      .all()
      .map((v) => [v.id, v.changeRecordId]),
  );
  return { deployments: production, changes, incidents: incidentRows, versionChange };
}

function rowOf(f: DoraFact): typeof doraFacts.$inferInsert {
  return {
    deploymentId: f.deploymentId,
    agentId: f.agentId,
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
    tierFailed: f.tier.failed ? 1 : 0,
    tierRolledBackBy: f.tier.rolledBackBy,
    tierRestoredAt: f.tier.restoredAt,
    tierRestoredHow: f.tier.restoredHow,
  };
}

function write(tx: Tx, facts: DoraFact[]) {
  for (let i = 0; i < facts.length; i += 500)
    tx.insert(doraFacts)
      .values(facts.slice(i, i + 500).map(rowOf))
      .run();
}

/** Re-derives the facts of these agents' production deployments; call it inside the transaction that changed them. */
export function refreshDoraFacts(tx: Tx, ...agentIds: string[]): void {
  const ids = [...new Set(agentIds)];
  if (ids.length === 0) return;
  tx.delete(doraFacts).where(inArray(doraFacts.agentId, ids)).run();
  write(tx, doraFactsOf(historyOf(tx, ids)));
}

/** Re-derives every fact: after a bulk load (the demo seed), or to bring an upgraded database up to date. */
export function rebuildDoraFacts(tx: Tx): number {
  tx.delete(doraFacts).run();
  const facts = doraFactsOf(historyOf(tx, null));
  write(tx, facts);
  return facts.length;
}

/**
 * Backfills a database that has production deployments without facts (one written before the table
 * existed). Idempotent: a database whose facts are complete is left alone. Returns whether it rebuilt.
 */
export function ensureDoraFacts(db: DB): boolean {
  const production = db.select({ n: count() }).from(deployments).where(eq(deployments.environment, "production")).get()!.n;
  const facts = db.select({ n: count() }).from(doraFacts).get()!.n;
  if (production === facts) return false;
  db.transaction((tx) => void rebuildDoraFacts(tx), { behavior: "immediate" });
  return true;
}
