import "server-only";
import { randomUUID } from "node:crypto";
import { and, desc, eq, lte, sql } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import {
  agents,
  agentVersions,
  breaches,
  deployments,
  driftRecords,
  runtimeActionHours,
  runtimeHours,
  runtimeSeenSpans,
  runtimeTraces,
  type KeptSpan,
} from "@/db/schema";
import {
  addCounts,
  agentNamesOf,
  authorityBreaches,
  countsOf,
  environmentOf,
  hourOf,
  matchAction,
  modelMatches,
  specWithModel,
  spanSignal,
  ZERO_COUNTS,
  type AuthorityBreach,
  type RuntimeCounts,
  type RuntimeSpan,
} from "@/lib/domain/runtime";
import { DEFAULT_RUNTIME_POLICY } from "@/lib/domain/signoff-policy";
import { specHash } from "@/lib/domain/spec";
import type { Environment } from "@/lib/domain/terms";
import type { DecodedExport, RejectedSpan } from "@/lib/otlp/decode";
import type { Caller } from "./caller";
import type { Tx } from "./changes";
import { openBreach } from "./breaches";
import { evaluateHarm } from "./harm";
import { assertCanSendEvidence } from "./evidence-senders";
import { observeIn } from "./observations";
import { currentPolicy } from "./policy";

/** Kept traces without a breach, per agent, version and hour: enough to see what normal looks like. */
export const SAMPLED_TRACES_PER_HOUR = 5;
/** A kept trace holds at most this many spans; the hourly sums count them all. */
const MAX_KEPT_SPANS = 200;
/** Span ids are remembered this long, so a retried export is not counted twice. */
const SEEN_SPANS_MS = 48 * 3_600_000;
const CLOCK_SKEW_MS = 5 * 60_000;

type Agent = typeof agents.$inferSelect;
type Version = typeof agentVersions.$inferSelect;
type Placed = { agent: Agent; environment: Environment; version: Version };

export type IngestResult = { accepted: number; rejected: RejectedSpan[] };

/**
 * Takes one OTLP export: each GenAI span is placed on an agent, environment and running version (RUNTIME.md),
 * counted into its hour, checked against that version's grants, and kept as a sample when its trace breached
 * or the hour has room. A span that cannot be placed is rejected with its reason, never guessed; the rest of
 * the export is kept. One transaction, so ten exporters at once lose no count.
 */
export function ingestTraces(caller: Caller, decoded: DecodedExport, now = Date.now()): IngestResult {
  assertCanSendEvidence(caller);
  const rejected = [...decoded.rejected];
  let accepted = 0;
  const db = getDb();
  db.transaction(
    (tx) => {
      const placer = new Placer(tx, now);
      const batch = new Batch();
      for (const { resource, spans } of decoded.resources) {
        const environment = environmentOf(resource);
        const byId = new Map(spans.map((s) => [s.spanId, s]));
        for (const span of spans) {
          const signal = spanSignal(span);
          if (signal.kind === "other") {
            accepted++; // taken, and nothing Countersign reads
            continue;
          }
          const placed = placer.place(span, resource, environment, byId);
          if (typeof placed === "string") {
            rejected.push({ traceId: span.traceId, spanId: span.spanId, name: span.name, reason: placed });
            continue;
          }
          accepted++;
          if (!firstSighting(tx, span, now)) continue;
          batch.add(placed, span, signal);
        }
      }
      batch.write(tx, caller, now);
      pruneRuntimeEvidence(tx, now);
    },
    { behavior: "immediate" },
  );
  return { accepted, rejected };
}

/** Whether this span is new: a retried export's spans were counted the first time. */
function firstSighting(tx: Tx, span: RuntimeSpan, now: number): boolean {
  const inserted = tx
    .insert(runtimeSeenSpans)
    .values({ key: `${span.traceId}:${span.spanId}`, seenAt: now })
    .onConflictDoNothing()
    .run();
  return inserted.changes > 0;
}

/** Finds each span's agent, environment and running version, remembering what it looked up. */
class Placer {
  private agentsByName = new Map<string, Agent | "ambiguous" | null>();
  private versions = new Map<string, Version | null>();
  constructor(
    private tx: Tx,
    private now: number,
  ) {}

  place(
    span: RuntimeSpan,
    resource: Record<string, unknown>,
    environment: Environment | null,
    byId: Map<string, RuntimeSpan>,
  ): Placed | string {
    if (!environment) {
      const named = resource["deployment.environment.name"] ?? resource["deployment.environment"];
      return named === undefined
        ? "no deployment.environment.name on the resource"
        : `deployment.environment.name "${String(named)}" is not development, staging or production`;
    }
    if (span.startMs > this.now + CLOCK_SKEW_MS) return "the span starts in the future";
    const slug = typeof resource["countersign.agent"] === "string" ? resource["countersign.agent"] : null;
    const names = slug ? [slug] : this.namesUp(span, byId);
    if (names.length === 0) return "no agent: set the resource attribute countersign.agent, or gen_ai.agent.name on the span";
    const agent = this.agentNamed(names[0]!, slug !== null);
    if (agent === "ambiguous") return `agent name "${names[0]}" is a runtime name of more than one agent`;
    if (!agent) return `unknown agent "${names[0]}"`;
    if (span.startMs < agent.createdAt) return `the span starts before ${agent.slug} was registered`;
    const hash = typeof resource["countersign.spec_hash"] === "string" ? resource["countersign.spec_hash"] : null;
    const version = hash ? this.versionByHash(agent, hash) : this.deployed(agent, environment, span.startMs);
    if (!version)
      return hash
        ? `no version of ${agent.slug} has spec hash ${hash}`
        : `nothing of ${agent.slug} was deployed to ${environment} at ${new Date(span.startMs).toISOString()}`;
    return { agent, environment, version };
  }

  /** The span's own agent names, else its nearest ancestor's in the same export. */
  private namesUp(span: RuntimeSpan, byId: Map<string, RuntimeSpan>): string[] {
    for (
      let s: RuntimeSpan | undefined = span, hops = 0;
      s && hops < 64;
      s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined, hops++
    ) {
      const names = agentNamesOf(s);
      if (names.length > 0) return names;
    }
    return [];
  }

  private agentNamed(name: string, slugOnly: boolean): Agent | "ambiguous" | null {
    const key = `${slugOnly ? "slug" : "any"}:${name}`;
    if (!this.agentsByName.has(key)) {
      const bySlug = this.tx.select().from(agents).where(eq(agents.slug, name)).get();
      let found: Agent | "ambiguous" | null = bySlug ?? null;
      if (!found && !slugOnly) {
        const named = this.tx
          .select()
          .from(agents)
          .where(sql`EXISTS (SELECT 1 FROM json_each(${agents.runtimeNames}) WHERE json_each.value = ${name})`)
          .limit(2)
          .all();
        found = named.length > 1 ? "ambiguous" : (named[0] ?? null);
      }
      this.agentsByName.set(key, found);
    }
    return this.agentsByName.get(key)!;
  }

  private versionByHash(agent: Agent, hash: string): Version | null {
    const key = `hash:${agent.id}:${hash}`;
    if (!this.versions.has(key))
      this.versions.set(
        key,
        this.tx
          .select()
          .from(agentVersions)
          .where(and(eq(agentVersions.agentId, agent.id), eq(agentVersions.specHash, hash)))
          .get() ?? null,
      );
    return this.versions.get(key)!;
  }

  /** The version deployed at an instant; cached per hour only when no deployment happened within it. */
  private deployed(agent: Agent, environment: Environment, at: number): Version | null {
    const row = this.tx
      .select({ kind: deployments.kind, version: agentVersions })
      .from(deployments)
      .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
      .where(and(eq(deployments.agentId, agent.id), eq(deployments.environment, environment), lte(deployments.deployedAt, at)))
      .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
      .limit(1)
      .get();
    return row && row.kind !== "retire" ? row.version : null;
  }
}

type Grouped<T> = Map<string, T>;

/** What one export adds, summed before it is written: one upsert per hour and action, one breach per kind and day. */
class Batch {
  private hours: Grouped<{ placed: Placed; hour: number; counts: RuntimeCounts }> = new Map();
  private actions: Grouped<{ placed: Placed; hour: number; action: string; calls: number; errors: number; rejections: number }> = new Map();
  private authority: Grouped<{ placed: Placed; breach: AuthorityBreach; first: RuntimeSpan; lastAt: number; occurrences: number }> =
    new Map();
  private models: Grouped<{ placed: Placed; model: string; span: RuntimeSpan }> = new Map();
  private traces: Grouped<{ placed: Placed; traceId: string; spans: RuntimeSpan[]; breach: boolean }> = new Map();
  private production = new Map<string, Agent>();

  add(placed: Placed, span: RuntimeSpan, signal: ReturnType<typeof spanSignal>) {
    const { agent, environment, version } = placed;
    const base = `${agent.id}|${environment}|${version.id}`;
    const hour = hourOf(span.startMs);
    const h = this.hours.get(`${base}|${hour}`) ?? { placed, hour, counts: ZERO_COUNTS };
    h.counts = addCounts(h.counts, countsOf(signal));
    this.hours.set(`${base}|${hour}`, h);
    let breached = false;
    if (signal.kind === "tool_call") {
      const action = matchAction(version.spec, signal.tool, signal.named).key;
      const a = this.actions.get(`${base}|${hour}|${action}`) ?? { placed, hour, action, calls: 0, errors: 0, rejections: 0 };
      a.calls++;
      a.errors += signal.error ? 1 : 0;
      a.rejections += signal.privilegeRejected ? 1 : 0;
      this.actions.set(`${base}|${hour}|${action}`, a);
      for (const breach of authorityBreaches(version.spec, signal)) {
        breached = true;
        const key = `${base}|${breach.kind}|${breach.action}|${new Date(span.startMs).toISOString().slice(0, 10)}`;
        const b = this.authority.get(key);
        if (!b) this.authority.set(key, { placed, breach, first: span, lastAt: span.startMs, occurrences: 1 });
        else {
          b.occurrences++;
          if (span.startMs < b.first.startMs) b.first = span;
          b.lastAt = Math.max(b.lastAt, span.startMs);
        }
      }
    }
    if (signal.kind === "inference" && signal.model && !modelMatches(version.spec.model, signal.model)) {
      const key = `${base}|${signal.model}`;
      const m = this.models.get(key);
      if (!m || span.startMs > m.span.startMs) this.models.set(key, { placed, model: signal.model, span });
    }
    const traceKey = `${agent.id}|${span.traceId}`;
    const t = this.traces.get(traceKey) ?? { placed, traceId: span.traceId, spans: [], breach: false };
    t.spans.push(span);
    t.breach ||= breached;
    this.traces.set(traceKey, t);
    if (environment === "production") this.production.set(agent.id, agent);
  }

  write(tx: Tx, caller: Caller, now: number) {
    for (const { placed, hour, counts } of this.hours.values()) {
      const values = { agentId: placed.agent.id, environment: placed.environment, versionId: placed.version.id, hour, ...counts };
      const set = Object.fromEntries(
        (Object.keys(ZERO_COUNTS) as (keyof RuntimeCounts)[]).map((k) => [k, sql`${runtimeHours[k]} + ${counts[k]}`]),
      );
      tx.insert(runtimeHours)
        .values(values)
        .onConflictDoUpdate({ target: [runtimeHours.agentId, runtimeHours.environment, runtimeHours.versionId, runtimeHours.hour], set })
        .run();
    }
    for (const a of this.actions.values()) {
      tx.insert(runtimeActionHours)
        .values({
          agentId: a.placed.agent.id,
          environment: a.placed.environment,
          versionId: a.placed.version.id,
          hour: a.hour,
          action: a.action,
          calls: a.calls,
          errors: a.errors,
          privilegeRejections: a.rejections,
        })
        .onConflictDoUpdate({
          target: [
            runtimeActionHours.agentId,
            runtimeActionHours.environment,
            runtimeActionHours.versionId,
            runtimeActionHours.hour,
            runtimeActionHours.action,
          ],
          set: {
            calls: sql`${runtimeActionHours.calls} + ${a.calls}`,
            errors: sql`${runtimeActionHours.errors} + ${a.errors}`,
            privilegeRejections: sql`${runtimeActionHours.privilegeRejections} + ${a.rejections}`,
          },
        })
        .run();
    }
    const policy = currentPolicy(tx).policy.runtime ?? DEFAULT_RUNTIME_POLICY;
    for (const b of this.authority.values()) recordAuthorityBreach(tx, caller, b, policy.authorityBreachIncident, now);
    for (const m of this.models.values()) observeAnsweringModel(tx, caller, m.placed, m.model, m.span, now);
    for (const t of this.traces.values()) keepTrace(tx, t.placed, t.traceId, t.spans, t.breach);
    for (const agent of this.production.values()) evaluateHarm(tx, caller, agent, now);
  }
}

function recordAuthorityBreach(
  tx: Tx,
  caller: Caller,
  b: { placed: Placed; breach: AuthorityBreach; first: RuntimeSpan; lastAt: number; occurrences: number },
  incidentSeverity: Parameters<typeof openBreach>[6],
  now: number,
) {
  const { agent, environment, version } = b.placed;
  const day = new Date(b.first.startMs).toISOString().slice(0, 10);
  const existing = tx
    .select()
    .from(breaches)
    .where(
      and(
        eq(breaches.agentId, agent.id),
        eq(breaches.environment, environment),
        eq(breaches.versionId, version.id),
        eq(breaches.kind, b.breach.kind),
        eq(breaches.subject, b.breach.action),
        eq(breaches.day, day),
      ),
    )
    .get();
  if (existing) {
    tx.update(breaches)
      .set({
        occurrences: existing.occurrences + b.occurrences,
        lastAt: Math.max(existing.lastAt, b.lastAt),
        firstAt: Math.min(existing.firstAt, b.first.startMs),
      })
      .where(eq(breaches.id, existing.id))
      .run();
    return;
  }
  openBreach(
    tx,
    caller,
    agent,
    environment,
    version,
    {
      kind: b.breach.kind,
      subject: b.breach.action,
      detail: b.breach.detail,
      firstAt: b.first.startMs,
      lastAt: b.lastAt,
      occurrences: b.occurrences,
      traceId: b.first.traceId,
      spanId: b.first.spanId,
    },
    incidentSeverity,
    now,
  );
}

/**
 * A model other than the approved one answered: an observation of the running spec with that model, so the
 * agent's drift record opens or takes it. Once an hour per model is enough: the record already says so.
 */
function observeAnsweringModel(tx: Tx, caller: Caller, placed: Placed, model: string, span: RuntimeSpan, now: number) {
  const observed = specWithModel(placed.version.spec, model);
  const open = tx
    .select({ hash: driftRecords.observedSpecHash, lastObservedAt: driftRecords.lastObservedAt })
    .from(driftRecords)
    .where(and(eq(driftRecords.agentId, placed.agent.id), eq(driftRecords.environment, placed.environment), eq(driftRecords.state, "open")))
    .get();
  if (open && open.hash === specHash(observed) && Math.abs(span.startMs - open.lastObservedAt) < 3_600_000) return;
  observeIn(
    tx,
    caller,
    placed.agent,
    {
      environment: placed.environment,
      observed,
      source: `runtime traces: ${model} answered (trace ${span.traceId})`,
      observedAt: span.startMs,
    },
    now,
  );
}

/** Keeps a trace's spans for the version's traceRetentionDays: always when it breached, else while the hour has room. */
function keepTrace(tx: Tx, placed: Placed, traceId: string, spans: RuntimeSpan[], breach: boolean) {
  const retentionDays = placed.version.spec.traceRetentionDays;
  if (retentionDays <= 0) return;
  const startedAt = Math.min(...spans.map((s) => s.startMs));
  const existing = tx
    .select()
    .from(runtimeTraces)
    .where(and(eq(runtimeTraces.agentId, placed.agent.id), eq(runtimeTraces.traceId, traceId)))
    .get();
  const kept = spans.map(keptSpan);
  if (existing) {
    tx.update(runtimeTraces)
      .set({ spans: [...existing.spans, ...kept].slice(0, MAX_KEPT_SPANS), breach: existing.breach || breach })
      .where(eq(runtimeTraces.id, existing.id))
      .run();
    return;
  }
  if (!breach) {
    const hour = hourOf(startedAt);
    const sampled = tx
      .select({ n: sql<number>`COUNT(*)` })
      .from(runtimeTraces)
      .where(
        and(
          eq(runtimeTraces.agentId, placed.agent.id),
          eq(runtimeTraces.versionId, placed.version.id),
          sql`${runtimeTraces.startedAt} >= ${hour} AND ${runtimeTraces.startedAt} < ${hour + 3_600_000}`,
          eq(runtimeTraces.breach, false),
        ),
      )
      .get()!.n;
    if (sampled >= SAMPLED_TRACES_PER_HOUR) return;
  }
  tx.insert(runtimeTraces)
    .values({
      id: randomUUID(),
      agentId: placed.agent.id,
      environment: placed.environment,
      versionId: placed.version.id,
      traceId,
      startedAt,
      breach,
      spans: kept.slice(0, MAX_KEPT_SPANS),
      expiresAt: startedAt + retentionDays * 86_400_000,
    })
    .run();
}

const MAX_ATTRIBUTE_TEXT = 2_000;

function keptSpan(span: RuntimeSpan): KeptSpan {
  const attributes = Object.fromEntries(
    Object.entries(span.attributes).map(([k, v]) => [
      k,
      typeof v === "string" && v.length > MAX_ATTRIBUTE_TEXT ? `${v.slice(0, MAX_ATTRIBUTE_TEXT)}…` : v,
    ]),
  );
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    startMs: span.startMs,
    endMs: span.endMs,
    status: span.status.code,
    attributes,
  };
}

/** Deletes kept traces past their retention and span ids past the retry window; the hourly sums stay. A bounded amount per call. */
export function pruneRuntimeEvidence(tx: Pick<DB, "run">, now: number): void {
  tx.run(sql`DELETE FROM runtime_traces WHERE rowid IN (SELECT rowid FROM runtime_traces WHERE expires_at <= ${now} LIMIT 1000)`);
  tx.run(
    sql`DELETE FROM runtime_seen_spans WHERE rowid IN (SELECT rowid FROM runtime_seen_spans WHERE seen_at < ${now - SEEN_SPANS_MS} LIMIT 5000)`,
  );
}
