import "server-only";
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { first, getDb } from "@/db";
import { agents, deployments, driftRecords, observations } from "@/db/schema";
import { driftNumberLabel } from "@/lib/domain/drift";
import type { DeploymentKind, Environment, RiskLevel } from "@/lib/domain/terms";
import { env, postureSettings } from "@/lib/env";
import { assertCanRead, type Caller } from "./caller";
import { postureOf, type Posture } from "./drift";

/**
 * Drift and observation posture as the inventory and the home page read it: SQL conditions for the inventory's
 * filters (so counts and pages stay exact), each listed agent's posture, and the home page's summary.
 */

/** The kind of the latest production deployment: none, or `retire`, means nothing runs in production. */
export const productionKind = sql<DeploymentKind | null>`(SELECT d.kind FROM ${deployments} d WHERE d.agent_id = ${agents.id} AND d.environment = 'production' ORDER BY d.deployed_at DESC, d.rowid DESC LIMIT 1)`;

const inProduction = sql`COALESCE(${productionKind}, 'retire') <> 'retire'`;

/** Agents with an open drift record in any environment (the partial unique index holds the open ones). */
export const hasOpenDrift: SQL = sql`EXISTS (SELECT 1 FROM ${driftRecords} dr WHERE dr.agent_id = ${agents.id} AND dr.state = 'open')`;

/** Agents running in production not observed there since `since`: the rule of `isUnobserved`, in SQL. */
export function unobservedSince(since: number): SQL {
  return sql`(${inProduction} AND NOT EXISTS (SELECT 1 FROM ${observations} o WHERE o.agent_id = ${agents.id} AND o.environment = 'production' AND o.observed_at >= ${since}))`;
}

/** The oldest observation that still counts as recent at `now`. */
export const freshSince = (now: number) => now - postureSettings.unobservedAfterMs;

export const UNOBSERVED_AFTER_DAYS = env.COUNTERSIGN_UNOBSERVED_AFTER_DAYS;

/** The posture settings in days, as the inventory's badges explain them. */
export const postureDays = { unobservedAfterDays: UNOBSERVED_AFTER_DAYS, reviewIntervalDays: env.COUNTERSIGN_REVIEW_INTERVAL_DAYS };

/** Each listed agent's posture, with the settings in force. */
export async function inventoryPosture(
  rows: { id: string; productionKind: DeploymentKind | null; lastReviewedAt: number | null }[],
  now: number,
): Promise<Map<string, Posture>> {
  const list = rows.map((r) => ({
    id: r.id,
    inProduction: r.productionKind !== null && r.productionKind !== "retire",
    lastReviewedAt: r.lastReviewedAt,
  }));
  const out = new Map<string, Posture>();
  for (let i = 0; i < list.length; i += 500)
    for (const [id, posture] of await postureOf(getDb(), list.slice(i, i + 500), postureSettings, now)) out.set(id, posture);
  return out;
}

export type DriftOverview = {
  /** Open drift records, every agent and environment. */
  open: number;
  /** The worst few, most severe first, then the oldest. */
  worst: { label: string; agent: { slug: string; name: string }; environment: Environment; severity: RiskLevel; openedAt: number }[];
  /** Agents running in production not observed within the setting. */
  unobserved: number;
  unobservedAfterDays: number;
};

const severityRank = sql`CASE ${driftRecords.severity} WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;

/** The home page's drift card: how much drift is open, the worst of it, and how much of production is not being watched. */
export async function driftOverview(caller: Caller, now = Date.now(), limit = 5): Promise<DriftOverview> {
  assertCanRead(caller);
  const db = getDb();
  const isOpen = eq(driftRecords.state, "open");
  const open = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(driftRecords)
      .where(isOpen),
  ))!.n;
  const worst = await db
    .select({
      number: driftRecords.number,
      environment: driftRecords.environment,
      severity: driftRecords.severity,
      openedAt: driftRecords.openedAt,
      slug: agents.slug,
      name: agents.name,
    })
    .from(driftRecords)
    .innerJoin(agents, eq(agents.id, driftRecords.agentId))
    .where(isOpen)
    .orderBy(severityRank, asc(driftRecords.openedAt), asc(driftRecords.number))
    .limit(limit);
  const unobserved = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(agents)
      .where(and(eq(agents.status, "active"), unobservedSince(freshSince(now)))),
  ))!.n;
  return {
    open,
    worst: worst.map((w) => ({
      label: driftNumberLabel(w.number),
      agent: { slug: w.slug, name: w.name },
      environment: w.environment,
      severity: w.severity,
      openedAt: w.openedAt,
    })),
    unobserved,
    unobservedAfterDays: UNOBSERVED_AFTER_DAYS,
  };
}
