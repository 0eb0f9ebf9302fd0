import crypto from "node:crypto";
import { syncBuiltinESMExports } from "node:module";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { first, withConnection, type DB } from "../index";
import * as schema from "../schema";
import { crosses, derivedMetricOf, evaluationSpan, metricKey, type HarmMetric } from "../../lib/domain/harm-thresholds";
import type { AgentSpec } from "../../lib/domain/spec";
import type { Environment } from "../../lib/domain/terms";
import { decodeJsonExport } from "../../lib/otlp/decode";
import type { Caller } from "../../lib/server/caller";
import { productionRelease, thresholdsOf } from "../../lib/server/harm";
import { ingestTraces } from "../../lib/server/runtime-ingest";
import { recordSignals } from "../../lib/server/signals";
import { otlpJson, recordSpans, type Decision } from "../../lib/testing/otel-spans";
import { Rng } from "./rng";
import { PRODUCTION_TRAFFIC, STAGING_TRAFFIC, planTraffic, ungrantedDecision, ungrantedTool, type Caps } from "./runtime-traffic";

/**
 * The demo estate's runtime history: two weeks of OpenTelemetry traffic from a few production agents, sent
 * through the receiver's own use case (`ingestTraces`) as an engineer would send it, so the hourly sums, kept
 * traces, harm readings and breaches are exactly what the product makes of such traffic. Every harm counter stays
 * within its threshold, so no production incident opens and the DORA figures are the history's own; in staging
 * one release candidate calls an action it was not granted, so the demo shows a breach caught before production.
 */

const DAY = 86_400_000;
export const RUNTIME_DAYS = 14;
/** Agents with production traffic: no end-to-end journey changes what they run, and they span every risk class. */
export const RUNTIME_AGENTS = [
  "ticket-escalation-router",
  "alert-deduplicator",
  "account-unlock-bot",
  "onboarding-concierge",
  "duplicate-account-merger",
  "contract-clause-reviewer",
  "mfa-recovery-assistant",
  "postmortem-drafter",
] as const;
/** The staging breach: alert-deduplicator's candidate mutes a monitor, an action its spec does not grant. */
export const STAGING_BREACH = { agent: "alert-deduplicator", action: "monitors.mute", daysAgo: 2, stagingDays: 7 } as const;
const SENDER = "engineer@countersign.test";
/** A harm counter's traffic uses at most this share of its threshold, so no export comes near it. */
const HEADROOM = 0.5;

export type RuntimeSeedSummary = { runtimeDecisions: number; runtimeSpans: number; breaches: number; signals: number; auditEvents: number };

type Agent = typeof schema.agents.$inferSelect;

/** Sends the runtime history; deterministic for the same estate and seed. Returns what it sent. */
export async function seedRuntimeHistory(db: DB, options: { until: number; seed: number }): Promise<RuntimeSeedSummary> {
  const summary: RuntimeSeedSummary = { runtimeDecisions: 0, runtimeSpans: 0, breaches: 0, signals: 0, auditEvents: 0 };
  const caller = await senderCaller(db);
  if (!caller) return summary;
  // The traffic arrives by the end of the history, after everything the history audited.
  const lastAudit = await first(
    db
      .select({ seq: schema.auditEvents.seq, at: schema.auditEvents.at })
      .from(schema.auditEvents)
      .orderBy(desc(schema.auditEvents.seq))
      .limit(1),
  );
  const now = Math.max(options.until, lastAudit?.at ?? 0);
  const traffic = new Rng(options.seed * 7_919 + 18);
  const ids = new Rng(options.seed * 104_729 + 18);
  const days = Array.from({ length: RUNTIME_DAYS }, (_, i) => options.until - (RUNTIME_DAYS - i) * DAY);

  type Export = { agent: Agent; environment: Environment; decisions: Decision[] };
  const byDay: Export[][] = days.map(() => []);
  const signals: { agent: string; environment: "production"; metric: string; value: number; at: string }[] = [];
  for (const slug of RUNTIME_AGENTS) {
    const agent = await first(db.select().from(schema.agents).where(eq(schema.agents.slug, slug)));
    if (!agent) continue;
    const specAt = await deployedSpecs(db, agent.id, "production");
    const plan = planTraffic(traffic, days, specAt, PRODUCTION_TRAFFIC, await productionCaps(db, agent.id, now));
    plan.forEach((decisions, i) => byDay[i]!.push({ agent, environment: "production", decisions }));
    signals.push(...(await businessSignals(db, traffic, agent, days, now)));
  }
  const candidate = await first(db.select().from(schema.agents).where(eq(schema.agents.slug, STAGING_BREACH.agent)));
  if (candidate) {
    const specAt = await deployedSpecs(db, candidate.id, "staging");
    const stagingDays = days.slice(-STAGING_BREACH.stagingDays);
    const plan = planTraffic(traffic, stagingDays, specAt, STAGING_TRAFFIC);
    const breachAt = options.until - STAGING_BREACH.daysAgo * DAY + 10 * 3_600_000 + traffic.int(0, 3_599_999);
    const spec = specAt(breachAt);
    if (spec) {
      const i = plan.findIndex((_, d) => stagingDays[d]! <= breachAt && breachAt < stagingDays[d]! + DAY);
      plan[i]!.push(ungrantedDecision(traffic, breachAt, spec, ungrantedTool(spec, STAGING_BREACH.action)));
      plan[i]!.sort((a, b) => a.at - b.at);
    }
    const offset = days.length - stagingDays.length;
    plan.forEach((decisions, i) => byDay[offset + i]!.push({ agent: candidate, environment: "staging", decisions }));
  }

  const idGenerator = {
    generateTraceId: () => hex(ids, 32),
    generateSpanId: () => hex(ids, 16),
  };
  await withConnection(db, () =>
    withSeededUuids(ids, async () => {
      for (const exports of byDay)
        for (const { agent, environment, decisions } of exports) {
          if (decisions.length === 0) continue;
          const resource = { "service.name": agent.slug, "deployment.environment.name": environment, "countersign.agent": agent.slug };
          const decoded = decodeJsonExport(otlpJson(recordSpans(resource, decisions, idGenerator)));
          const result = await ingestTraces(caller, decoded, now);
          if (result.rejected.length > 0)
            throw new Error(
              `The demo runtime traffic of ${agent.slug} was refused: ${result.rejected[0]!.reason} (${result.rejected.length} spans)`,
            );
          summary.runtimeDecisions += decisions.length;
          summary.runtimeSpans += decoded.spanCount;
        }
      if (signals.length > 0) summary.signals = (await recordSignals(caller, { signals }, now)).recorded.length;
    }),
  );
  summary.breaches = (await first(db.select({ n: sql<number>`COUNT(*)` }).from(schema.breaches)))!.n;
  summary.auditEvents = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(schema.auditEvents)
      .where(sql`${schema.auditEvents.seq} > ${lastAudit?.seq ?? 0}`),
  ))!.n;
  return summary;
}

/** engineer@, as the use cases see a signed-in person; none in an estate without the demo people. */
async function senderCaller(db: DB): Promise<Caller | null> {
  const user = await first(db.select().from(schema.users).where(eq(schema.users.email, SENDER)));
  if (!user) return null;
  const roles = await db.select({ role: schema.userRoles.role }).from(schema.userRoles).where(eq(schema.userRoles.userId, user.id));
  return { kind: "user", user: { id: user.id, email: user.email, name: user.name, roles: roles.map((r) => r.role) } };
}

/** The spec deployed to an environment at an instant, as the receiver places a span (the latest deployment at or before it). */
async function deployedSpecs(db: DB, agentId: string, environment: Environment): Promise<(at: number) => AgentSpec | null> {
  const timeline = await db
    .select({ at: schema.deployments.deployedAt, kind: schema.deployments.kind, spec: schema.agentVersions.spec })
    .from(schema.deployments)
    .innerJoin(schema.agentVersions, eq(schema.agentVersions.id, schema.deployments.versionId))
    .where(and(eq(schema.deployments.agentId, agentId), eq(schema.deployments.environment, environment)))
    .orderBy(asc(schema.deployments.deployedAt), asc(sql`${schema.deployments}.rowid`));
  return (at) => {
    const current = timeline.findLast((d) => d.at <= at);
    return current && current.kind !== "retire" ? current.spec : null;
  };
}

/** How much of each derived counter the production release's thresholds leave to the traffic, read at the end of the history. */
async function productionCaps(db: DB, agentId: string, now: number): Promise<Caps> {
  const release = await productionRelease(db, agentId, now);
  if (!release) return {};
  const caps: Caps = {};
  const keys = {
    corrections_rate: "corrections",
    privilege_rejections: "privilegeRejections",
    approval_denied_rate: "approvalsDenied",
    error_rate: "errors",
  } as const;
  for (const { metric } of await thresholdsOf(db, release.version.changeRecordId)) {
    const derived = derivedMetricOf(metric.name);
    const span = evaluationSpan(metric.window, release.releasedAt, now);
    if (!derived || !span) continue;
    // A "below" threshold is not kept by holding back; such a metric is left to show what it shows.
    if (metric.comparator !== ">" && metric.comparator !== ">=") continue;
    const key = keys[derived];
    const max = metric.threshold * HEADROOM;
    const earlier = caps[key];
    caps[key] = { from: Math.min(span.from, earlier?.from ?? Infinity), max: Math.min(max, earlier?.max ?? Infinity) };
  }
  return caps;
}

/**
 * A value a day for each business metric the production release declares (`reversal rate > 2 over 7d`), from its
 * release on, well within the threshold.
 */
async function businessSignals(db: DB, rng: Rng, agent: Agent, days: number[], now: number) {
  const release = await productionRelease(db, agent.id, now);
  if (!release) return [];
  const declared = (await thresholdsOf(db, release.version.changeRecordId))
    .filter(({ source, metric }) => source === "change" && !derivedMetricOf(metric.name))
    .map(({ metric }) => metric);
  return declared.flatMap((metric: HarmMetric) =>
    days
      .map((day) => day + 12 * 3_600_000)
      .filter((at) => at >= release.releasedAt && at <= now)
      .flatMap((at) => {
        const value = withinValue(rng, metric);
        return value === null
          ? []
          : [
              {
                agent: agent.slug,
                environment: "production" as const,
                metric: metricKey(metric.name),
                value,
                at: new Date(at).toISOString(),
              },
            ];
      }),
  );
}

/** A value between a quarter and three quarters of an upper threshold; none for a lower bound, which restraint cannot keep. */
function withinValue(rng: Rng, metric: HarmMetric): number | null {
  if ((metric.comparator !== ">" && metric.comparator !== ">=") || metric.threshold <= 0) return null;
  const value = Math.round(metric.threshold * rng.int(25, 75)) / 100;
  return crosses(value, metric) ? null : value;
}

function hex(rng: Rng, length: number): string {
  let out = "";
  while (out.length < length)
    out += Math.floor(rng.next() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, "0");
  out = out.slice(0, length);
  return /^0+$/.test(out) ? `1${out.slice(1)}` : out;
}

/**
 * The use cases name what they write with `crypto.randomUUID()`, and a breach's id is in its audit event, so in
 * the hash chain. While the seed sends its traffic those ids come from the seed's own generator: the same
 * options give the same estate and the same hashes (README). Synchronous work only, so nothing else draws one.
 */
async function withSeededUuids<T>(rng: Rng, work: () => Promise<T>): Promise<T> {
  const cryptoModule = crypto as { randomUUID: () => string };
  const original = cryptoModule.randomUUID;
  cryptoModule.randomUUID = () => {
    const h = hex(rng, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20)}`;
  };
  // ES-module importers of node:crypto read its exports through live bindings; this updates them.
  syncBuiltinESMExports();
  try {
    return await work();
  } finally {
    cryptoModule.randomUUID = original;
    syncBuiltinESMExports();
  }
}
