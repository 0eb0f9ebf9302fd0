import { first } from "@/db";
import "server-only";
import { and, desc, eq, gte, isNull, lte, sql } from "drizzle-orm";
import type { DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { agents, agentVersions, breaches, businessSignals, changeRecords, deployments, runtimeHours } from "@/db/schema";
import {
  derivedMetricOf,
  derivedValue,
  evaluationSpan,
  harmStatus,
  metricKey,
  thresholdLabel,
  type HarmMetric,
  type HarmStatus,
} from "@/lib/domain/harm-thresholds";
import { hourOf, ZERO_COUNTS, type RuntimeCounts } from "@/lib/domain/runtime";
import { DEFAULT_RUNTIME_POLICY } from "@/lib/domain/signoff-policy";
import { actorOf, type Caller } from "./caller";
import type { Tx } from "./changes";
import { openBreach } from "./breaches";
import { currentPolicy } from "./policy";
import { floatMean } from "./sql-dialect";

type Reader = Pick<DB, "select">;
type Agent = typeof agents.$inferSelect;

export type HarmReading = {
  metric: HarmMetric;
  /** Declared by the change that released the version, or held by the policy for every release. */
  source: "change" | "policy";
  value: number | null;
  status: HarmStatus;
  from: number;
  to: number;
};

/** What runs in production now and since when: the version, its deployment time and the change that released it. */
export async function productionRelease(db: Reader, agentId: string, now: number) {
  const row = await first(
    db
      .select({ kind: deployments.kind, deployedAt: deployments.deployedAt, version: agentVersions })
      .from(deployments)
      .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
      .where(and(eq(deployments.agentId, agentId), eq(deployments.environment, "production"), lte(deployments.deployedAt, now)))
      .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
      .limit(1),
  );
  return row && row.kind !== "retire" ? { version: row.version, releasedAt: row.deployedAt } : null;
}

/** The thresholds a release is held to: its change's harm metrics, then the policy's defaults for metrics it does not declare. */
export async function thresholdsOf(
  db: Reader,
  changeRecordId: string | null,
): Promise<{ metric: HarmMetric; source: "change" | "policy" }[]> {
  const declared = changeRecordId
    ? ((await first(db.select({ harmMetrics: changeRecords.harmMetrics }).from(changeRecords).where(eq(changeRecords.id, changeRecordId))))
        ?.harmMetrics ?? [])
    : [];
  const defaults = ((await currentPolicy(db)).policy.runtime ?? DEFAULT_RUNTIME_POLICY).defaultThresholds;
  const named = new Set(declared.map((m) => derivedMetricOf(m.name) ?? metricKey(m.name)));
  return [
    ...declared.map((metric) => ({ metric, source: "change" as const })),
    ...defaults
      .filter((m) => !named.has(derivedMetricOf(m.name) ?? metricKey(m.name)))
      .map((metric) => ({ metric, source: "policy" as const })),
  ];
}

/** Sums a version's hourly counters in an environment between two instants (by the hours they fall in). */
export async function countsBetween(
  db: Reader,
  agentId: string,
  environment: string,
  versionId: string | null,
  from: number,
  to: number,
): Promise<RuntimeCounts> {
  const keys = Object.keys(ZERO_COUNTS) as (keyof RuntimeCounts)[];
  const row = await first(
    db
      .select(
        Object.fromEntries(keys.map((k) => [k, sql<number>`COALESCE(SUM(${runtimeHours[k]}), 0)`])) as Record<
          keyof RuntimeCounts,
          ReturnType<typeof sql<number>>
        >,
      )
      .from(runtimeHours)
      .where(
        and(
          eq(runtimeHours.agentId, agentId),
          eq(runtimeHours.environment, environment as "production"),
          versionId ? eq(runtimeHours.versionId, versionId) : undefined,
          gte(runtimeHours.hour, hourOf(from)),
          lte(runtimeHours.hour, to),
        ),
      ),
  );
  return { ...ZERO_COUNTS, ...(row as Partial<RuntimeCounts>) };
}

/**
 * A business metric's mean over a window, summed by the database (a collector reporting every second for a
 * week is 600,000 values, read on every export); divided value by value where the plain sum overflows.
 */
async function businessMean(
  db: Reader,
  agentId: string,
  versionId: string,
  metric: string,
  span: { from: number; to: number },
): Promise<number | null> {
  const inWindow = and(
    eq(businessSignals.agentId, agentId),
    eq(businessSignals.environment, "production"),
    eq(businessSignals.versionId, versionId),
    eq(businessSignals.metric, metric),
    gte(businessSignals.at, span.from),
    lte(businessSignals.at, span.to),
  );
  const { n, mean } = (await first(
    db
      .select({ n: sql<number>`COUNT(*)`, mean: floatMean(sql`${businessSignals.value}`, db) })
      .from(businessSignals)
      .where(inWindow),
  ))!;
  if (n === 0) return null;
  if (mean !== null && Number.isFinite(mean)) return mean;
  return (await first(
    db
      .select({ mean: sql<number>`SUM(${businessSignals.value} / ${n})` })
      .from(businessSignals)
      .where(inWindow),
  ))!.mean;
}

/** Each threshold of the running production release, read over its window: the agent page and the change page show these. */
export async function harmReadings(db: Reader, agentId: string, now: number): Promise<HarmReading[]> {
  const release = await productionRelease(db, agentId, now);
  if (!release) return [];
  const thresholds = await thresholdsOf(db, release.version.changeRecordId);
  const readings: HarmReading[] = [];
  for (const { metric, source } of thresholds) {
    const span = evaluationSpan(metric.window, release.releasedAt, now);
    if (!span) continue;
    const derived = derivedMetricOf(metric.name);
    const value = derived
      ? derivedValue(derived, await countsBetween(db, agentId, "production", release.version.id, span.from, span.to))
      : await businessMean(db, agentId, release.version.id, metricKey(metric.name), span);
    readings.push({ metric, source, value, status: harmStatus(value, metric), ...span });
  }
  return readings;
}

/** A threshold crossing again within this long of coming back reopens its record instead of writing (and telling) a new one. */
const REOPEN_WITHIN_MS = 86_400_000;

/**
 * Re-reads an agent's production thresholds after new evidence: a threshold newly crossed opens a harm breach
 * (and an incident when the policy says so); one back within its threshold clears; breaches of a version no
 * longer in production clear, as what they judged has stopped running.
 *
 * One record per metric: thresholds naming the same metric (a change's and the policy's, a name and its
 * alias, two windows) are crossed when any of them is, and back within only when none is. A metric going
 * back and forth across its line reopens the record it cleared within the last day, told once, not anew.
 */
export async function evaluateHarm(tx: Tx, caller: Caller, agent: Agent, now: number): Promise<void> {
  const release = await productionRelease(tx, agent.id, now);
  const open = await tx
    .select()
    .from(breaches)
    .where(
      and(
        eq(breaches.agentId, agent.id),
        eq(breaches.environment, "production"),
        eq(breaches.kind, "harm_threshold"),
        isNull(breaches.clearedAt),
      ),
    );
  const clear = async (id: string, number: number, why: string) => {
    await tx.update(breaches).set({ clearedAt: now }).where(eq(breaches.id, id));
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "breach.cleared",
      entityType: "breach",
      entityId: id,
      payload: { number, agent: agent.slug, reason: why },
    });
  };
  for (const b of open)
    if (!release || b.versionId !== release.version.id) await clear(b.id, b.number, "the version is no longer in production");
  if (!release) return;
  const severity = ((await currentPolicy(tx)).policy.runtime ?? DEFAULT_RUNTIME_POLICY).harmBreachIncident;
  const bySubject = new Map<string, HarmReading[]>();
  for (const reading of await harmReadings(tx, agent.id, now)) {
    const subject = derivedMetricOf(reading.metric.name) ?? metricKey(reading.metric.name);
    bySubject.set(subject, [...(bySubject.get(subject) ?? []), reading]);
  }
  for (const [subject, readings] of bySubject) {
    const current = open.find((b) => b.versionId === release.version.id && b.subject === subject);
    const crossed = readings.find((r) => r.status === "breached" && r.value !== null);
    if (!crossed) {
      if (current && readings.some((r) => r.status === "within"))
        await clear(current.id, current.number, `${readings[0]!.metric.name} is back within its threshold`);
      continue;
    }
    const value = crossed.value!;
    const detail = `${crossed.metric.name} is ${round(value)}, past its threshold (${thresholdLabel(crossed.metric)})`;
    if (current) {
      await tx.update(breaches).set({ value, detail, lastAt: now }).where(eq(breaches.id, current.id));
      continue;
    }
    const recent = await first(
      tx
        .select()
        .from(breaches)
        .where(
          and(
            eq(breaches.agentId, agent.id),
            eq(breaches.environment, "production"),
            eq(breaches.versionId, release.version.id),
            eq(breaches.kind, "harm_threshold"),
            eq(breaches.subject, subject),
            gte(breaches.clearedAt, now - REOPEN_WITHIN_MS),
          ),
        )
        .orderBy(desc(breaches.clearedAt))
        .limit(1),
    );
    if (recent) {
      await tx
        .update(breaches)
        .set({
          clearedAt: null,
          value,
          detail,
          threshold: thresholdLabel(crossed.metric),
          lastAt: now,
          occurrences: sql`${breaches.occurrences} + 1`,
        })
        .where(eq(breaches.id, recent.id));
      await appendAuditEvent(tx, {
        at: now,
        actor: actorOf(caller),
        action: "breach.reopened",
        entityType: "breach",
        entityId: recent.id,
        payload: { number: recent.number, agent: agent.slug, subject, value, threshold: thresholdLabel(crossed.metric) },
      });
      continue;
    }
    await openBreach(
      tx,
      caller,
      agent,
      "production",
      release.version,
      {
        kind: "harm_threshold",
        subject,
        detail,
        firstAt: now,
        lastAt: now,
        occurrences: 1,
        traceId: null,
        spanId: null,
        value,
        threshold: thresholdLabel(crossed.metric),
      },
      severity,
      now,
    );
  }
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * Production changed (a release, a rollback, a retirement): the old version's harm breaches clear at once, not
 * at the agent's next evidence, and the new version's thresholds start from its release.
 */
export async function evaluateHarmAfterDeployment(tx: Tx, caller: Caller, agentId: string, now: number): Promise<void> {
  const agent = await first(tx.select().from(agents).where(eq(agents.id, agentId)));
  if (agent) await evaluateHarm(tx, caller, agent, now);
}
