import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { execute, withTransaction, first, type DB } from "@/db";
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
  clipName,
  countsOf,
  environmentOf,
  hourOf,
  matchAction,
  modelMatches,
  specWithModel,
  spanSignal,
  ZERO_COUNTS,
  type AttributeValue,
  type AuthorityBreach,
  type ResourceSpans,
  type RuntimeCounts,
  type RuntimeSpan,
  type SpanSignal,
} from "@/lib/domain/runtime";
import { CLOCK_SKEW_MS } from "@/lib/domain/input-limits";
import { DEFAULT_RUNTIME_POLICY } from "@/lib/domain/signoff-policy";
import { specHash } from "@/lib/domain/spec";
import type { DeploymentKind, Environment, Severity } from "@/lib/domain/terms";
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
/** Kept traces with a breach, per agent, version and hour: every one up to this many, so a runaway agent cannot fill the disk. */
export const BREACH_TRACES_PER_HOUR = 100;
/** Different ungranted actions that get a breach record of their own, per version and UTC day; calls to more share one record. */
export const UNGRANTED_BREACHES_PER_DAY = 20;
/** Different actions outside the spec counted by name, per version and hour; calls to more are counted together. */
export const UNKNOWN_ACTIONS_PER_HOUR = 50;
/** What calls past those two limits are counted under, as a breach's subject and as an action. */
export const OTHER_ACTIONS = "(other actions)";
/** Different answering models one export observes per version (the latest answers): enough for a drift record to say so. */
const MODELS_PER_EXPORT = 5;
/** A kept trace holds at most this many spans, and this much of them as JSON; the hourly sums count them all. */
const MAX_KEPT_SPANS = 200;
const MAX_KEPT_TRACE_CHARS = 256 * 1024;
/** Span ids are remembered this long, so a retried export is not counted twice. */
const SEEN_SPANS_MS = 48 * 3_600_000;
const DAY_MS = 86_400_000;
/** Rows one statement writes or looks up: well under SQLite's limit on bound variables. */
const CHUNK = 400;
/** What one pruning pass deletes at most: a bounded amount, so a pass never holds the write lock for long. */
export const PRUNE_BATCH = { traces: 1_000, seenSpans: 5_000 } as const;

type Agent = typeof agents.$inferSelect;
type Version = typeof agentVersions.$inferSelect;
type Placed = { agent: Agent; environment: Environment; version: Version };

export type IngestResult = { accepted: number; rejected: RejectedSpan[] };

/**
 * Takes one OTLP export: each GenAI span is placed on an agent, environment and running version (RUNTIME.md),
 * counted into its hour, checked against that version's grants, and kept as a sample when its trace breached
 * or the hour has room. A span that cannot be placed is rejected with its reason, never guessed; the rest of
 * the export is kept. One transaction, so ten exporters at once lose no count.
 *
 * The work is bounded by what the export adds up to, not by its number of spans: spans are placed from
 * deployments read once per agent and environment, remembered in chunks, and summed in memory before one
 * write per hour, action, breach record and kept trace, each of those itself capped per hour or day.
 */
export async function ingestTraces(caller: Caller, decoded: DecodedExport, now = Date.now()): Promise<IngestResult> {
  assertCanSendEvidence(caller);
  const resources = decoded.resources.map(withoutNul);
  // Counted inside the transaction: PostgreSQL runs it again after a serialization failure, each attempt afresh.
  return await withTransaction(async (tx) => {
    const rejected = [...decoded.rejected];
    let accepted = 0;
    const placer = new Placer(tx, now);
    const placedSpans: { placed: Placed; span: RuntimeSpan; signal: SpanSignal }[] = [];
    for (const { resource, spans } of resources) {
      const environment = environmentOf(resource);
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      for (const span of spans) {
        const signal = spanSignal(span);
        if (signal.kind === "other") {
          accepted++; // taken, and nothing Countersign reads
          continue;
        }
        const placed = await placer.place(span, resource, environment, byId);
        if (typeof placed === "string") {
          rejected.push({ traceId: span.traceId, spanId: span.spanId, name: span.name, reason: placed });
          continue;
        }
        accepted++;
        placedSpans.push({ placed, span, signal });
      }
    }
    const fresh = await firstSightings(tx, placedSpans, now);
    const remembered = fresh.size;
    const batch = new Batch();
    for (const { placed, span, signal } of placedSpans) if (fresh.delete(seenKey(span))) batch.add(placed, span, signal);
    await batch.write(tx, caller, now);
    // Forget at least twice what this export made us remember, so a large collector cannot outgrow retention.
    await pruneRuntimeEvidence(tx, now, { seenSpans: Math.max(PRUNE_BATCH.seenSpans, 2 * remembered) });
    return { accepted, rejected };
  });
}

/**
 * A resource and its spans with every NUL character (U+0000) in names, attribute keys and texts replaced by
 * U+FFFD, the replacement character. OTLP allows a NUL in a string; PostgreSQL's text and jsonb cannot hold
 * one, and no agent, environment or granted action is named with one. So a span is never refused (nor an
 * export failed) for a NUL: it is counted like any other, and a breach or kept trace shows where the NUL was,
 * the same on either engine. Only what holds a NUL is copied; the rest of a large export is left as it is.
 */
function withoutNul(resourceSpans: ResourceSpans): ResourceSpans {
  const resource = hasNul(resourceSpans.resource) ? replaceNul(resourceSpans.resource) : resourceSpans.resource;
  const spans = resourceSpans.spans.map((span) => (hasNul(span) ? replaceNul(span) : span));
  return { resource, spans };
}

function hasNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(hasNul);
  if (value !== null && typeof value === "object") return Object.entries(value).some(([key, v]) => key.includes("\u0000") || hasNul(v));
  return false;
}

function replaceNul<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll("\u0000", "\uFFFD") as T;
  if (Array.isArray(value)) return value.map(replaceNul) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[replaceNul(key)] = replaceNul(v);
    return out as T;
  }
  return value;
}

const seenKey = (span: RuntimeSpan) => `${span.traceId}:${span.spanId}`;

/** The spans not seen before (a retried export's spans were counted the first time), remembered in chunks. */
async function firstSightings(tx: Tx, placed: { span: RuntimeSpan }[], now: number): Promise<Set<string>> {
  const keys = [...new Set(placed.map((p) => seenKey(p.span)))];
  const fresh = new Set<string>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const inserted = await tx
      .insert(runtimeSeenSpans)
      .values(keys.slice(i, i + CHUNK).map((key) => ({ key, seenAt: now })))
      .onConflictDoNothing()
      .returning({ key: runtimeSeenSpans.key });
    for (const row of inserted) fresh.add(row.key);
  }
  return fresh;
}

type InForce = { at: number; kind: DeploymentKind; version: Version };
type Directory = { bySlug: Map<string, string>; byRuntimeName: Map<string, string | "ambiguous"> };

const iso = (ms: number) => new Date(ms).toISOString();

/** Finds each span's agent, environment and running version, reading what it needs once per export. */
class Placer {
  private directory: Directory | null = null;
  private agentRows = new Map<string, Agent>();
  private timelines = new Map<string, InForce[]>();
  private versionsByHash = new Map<string, Version | null>();
  constructor(
    private tx: Tx,
    private now: number,
  ) {}

  async place(
    span: RuntimeSpan,
    resource: Record<string, AttributeValue>,
    environment: Environment | null,
    byId: Map<string, RuntimeSpan>,
  ): Promise<Placed | string> {
    if (!environment) {
      const named = resource["deployment.environment.name"] ?? resource["deployment.environment"];
      return named === undefined
        ? "no deployment.environment.name on the resource"
        : `deployment.environment.name "${clipName(String(named))}" is not development, staging or production`;
    }
    if (span.startMs > this.now + CLOCK_SKEW_MS) return "the span starts in the future";
    const slug = typeof resource["countersign.agent"] === "string" ? clipName(resource["countersign.agent"]) : null;
    const { names, missingParent } = slug ? { names: [slug], missingParent: null } : this.namesUp(span, byId);
    if (names.length === 0)
      return missingParent
        ? `no agent: the span's parent ${missingParent} is not in this export, and the agent is named on no span before it; set the resource attribute countersign.agent`
        : "no agent: set the resource attribute countersign.agent, or gen_ai.agent.name on the span";
    const found = await this.agentNamed(names, slug !== null);
    if (found === null) return `unknown agent "${names[0]}"`;
    if ("ambiguous" in found) return `agent name "${found.ambiguous}" is a runtime name of more than one agent`;
    const agent = found.agent;
    if (span.startMs < agent.createdAt) return `the span starts before ${agent.slug} was registered`;
    const timeline = await this.timeline(agent, environment);
    const current = inForceAt(timeline, span.startMs);
    if (current?.kind === "retire") return `${agent.slug} was retired from ${environment} at ${iso(current.at)}`;
    const hash = typeof resource["countersign.spec_hash"] === "string" ? clipName(resource["countersign.spec_hash"]) : null;
    if (!hash)
      return current
        ? { agent, environment, version: current.version }
        : `nothing of ${agent.slug} was deployed to ${environment} at ${iso(span.startMs)}`;
    const version = await this.versionByHash(agent, hash);
    if (!version) return `no version of ${agent.slug} has spec hash ${hash}`;
    // A spec hash names a version that ran there (a rolling deployment's older pods, say), never one that was
    // only proposed or deployed elsewhere: evidence is not put on a version that never ran in that environment.
    if (!timeline.some((d) => d.version.id === version.id && d.kind !== "retire" && d.at <= span.startMs))
      return `v${version.number} of ${agent.slug} (spec hash ${hash}) was never deployed to ${environment} before ${iso(span.startMs)}`;
    return { agent, environment, version };
  }

  /**
   * The span's own agent names, else its nearest ancestor's in the same export; when there are none, the
   * parent the chain stopped at for not being in this export (exporters send children before their parent).
   */
  private namesUp(span: RuntimeSpan, byId: Map<string, RuntimeSpan>): { names: string[]; missingParent: string | null } {
    let s: RuntimeSpan = span;
    for (let hops = 0; hops < 64; hops++) {
      const names = agentNamesOf(s);
      if (names.length > 0) return { names, missingParent: null };
      if (!s.parentSpanId) break;
      const parent = byId.get(s.parentSpanId);
      if (!parent) return { names: [], missingParent: s.parentSpanId };
      s = parent;
    }
    return { names: [], missingParent: null };
  }

  /**
   * The agent the first of `names` that names one: by slug, or (unless only a slug may name it) by a
   * runtime name. A runtime's own id for the agent (`gen_ai.agent.id`) that Countersign does not know does
   * not hide the `gen_ai.agent.name` it does.
   */
  private async agentNamed(names: string[], slugOnly: boolean): Promise<{ agent: Agent } | { ambiguous: string } | null> {
    const directory = await this.agents();
    for (const name of names) {
      const id = directory.bySlug.get(name) ?? (slugOnly ? undefined : directory.byRuntimeName.get(name));
      if (id === "ambiguous") return { ambiguous: name };
      if (id) return { agent: await this.agentRow(id) };
    }
    return null;
  }

  /** Every agent's slug and runtime names, read once: an export naming thousands of agents costs one query. */
  private async agents(): Promise<Directory> {
    if (!this.directory) {
      const bySlug = new Map<string, string>();
      const byRuntimeName = new Map<string, string | "ambiguous">();
      for (const a of await this.tx.select({ id: agents.id, slug: agents.slug, runtimeNames: agents.runtimeNames }).from(agents)) {
        bySlug.set(a.slug, a.id);
        for (const name of new Set(a.runtimeNames)) byRuntimeName.set(name, byRuntimeName.has(name) ? "ambiguous" : a.id);
      }
      this.directory = { bySlug, byRuntimeName };
    }
    return this.directory;
  }

  private async agentRow(id: string): Promise<Agent> {
    let row = this.agentRows.get(id);
    if (!row) this.agentRows.set(id, (row = (await first(this.tx.select().from(agents).where(eq(agents.id, id))))!));
    return row;
  }

  /** The agent's deployments to an environment, oldest first (ties in the order they were written). */
  private async timeline(agent: Agent, environment: Environment): Promise<InForce[]> {
    const key = `${agent.id}|${environment}`;
    let timeline = this.timelines.get(key);
    if (!timeline)
      this.timelines.set(
        key,
        (timeline = await this.tx
          .select({ at: deployments.deployedAt, kind: deployments.kind, version: agentVersions })
          .from(deployments)
          .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
          .where(and(eq(deployments.agentId, agent.id), eq(deployments.environment, environment)))
          .orderBy(asc(deployments.deployedAt), asc(sql`${deployments}.rowid`))),
      );
    return timeline;
  }

  private async versionByHash(agent: Agent, hash: string): Promise<Version | null> {
    const key = `${agent.id}:${hash}`;
    if (!this.versionsByHash.has(key))
      this.versionsByHash.set(
        key,
        (await first(
          this.tx
            .select()
            .from(agentVersions)
            .where(and(eq(agentVersions.agentId, agent.id), eq(agentVersions.specHash, hash))),
        )) ?? null,
      );
    return this.versionsByHash.get(key)!;
  }
}

/** The deployment in force at an instant: the latest at or before it. */
function inForceAt(timeline: InForce[], at: number): InForce | null {
  let [lo, hi] = [0, timeline.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeline[mid]!.at <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? timeline[lo - 1]! : null;
}

type HourEntry = { placed: Placed; hour: number; counts: RuntimeCounts };
type ActionEntry = { placed: Placed; hour: number; action: string; inSpec: boolean; calls: number; errors: number; rejections: number };
type BreachEntry = { placed: Placed; day: string; breach: AuthorityBreach; first: RuntimeSpan; lastAt: number; occurrences: number };
type ModelEntry = { placed: Placed; model: string; span: RuntimeSpan };
type TraceEntry = { placed: Placed; traceId: string; spans: RuntimeSpan[]; startedAt: number; breach: boolean };

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const baseOf = ({ agent, environment, version }: Placed) => `${agent.id}|${environment}|${version.id}`;

/** Groups values by a key, keeping the order they came in. */
function groupBy<T>(values: Iterable<T>, key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const k = key(value);
    const group = groups.get(k);
    if (group) group.push(value);
    else groups.set(k, [value]);
  }
  return groups;
}

/** What one export adds, summed before it is written: one upsert per hour and action, one breach per kind and day. */
class Batch {
  private hours = new Map<string, HourEntry>();
  private actions = new Map<string, ActionEntry>();
  private authority = new Map<string, BreachEntry>();
  private models = new Map<string, ModelEntry>();
  private traces = new Map<string, TraceEntry>();
  private production = new Map<string, Agent>();

  add(placed: Placed, span: RuntimeSpan, signal: SpanSignal) {
    const { agent, environment, version } = placed;
    const base = baseOf(placed);
    const hour = hourOf(span.startMs);
    const h = this.hours.get(`${base}|${hour}`) ?? { placed, hour, counts: ZERO_COUNTS };
    h.counts = addCounts(h.counts, countsOf(signal));
    this.hours.set(`${base}|${hour}`, h);
    let breached = false;
    if (signal.kind === "tool_call") {
      const match = matchAction(version.spec, signal.tool, signal.named);
      const actionKey = `${base}|${hour}|${match.key}`;
      const a = this.actions.get(actionKey) ?? {
        placed,
        hour,
        action: match.key,
        inSpec: match.kind !== "unknown",
        calls: 0,
        errors: 0,
        rejections: 0,
      };
      a.calls++;
      a.errors += signal.error ? 1 : 0;
      a.rejections += signal.privilegeRejected ? 1 : 0;
      this.actions.set(actionKey, a);
      for (const breach of authorityBreaches(version.spec, signal)) {
        breached = true;
        const day = dayOf(span.startMs);
        const key = `${base}|${day}|${breach.kind}|${breach.action}`;
        const b = this.authority.get(key);
        if (!b) this.authority.set(key, { placed, day, breach, first: span, lastAt: span.startMs, occurrences: 1 });
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
    const t = this.traces.get(traceKey) ?? { placed, traceId: span.traceId, spans: [], startedAt: span.startMs, breach: false };
    t.spans.push(span);
    t.startedAt = Math.min(t.startedAt, span.startMs);
    t.breach ||= breached;
    this.traces.set(traceKey, t);
    if (environment === "production") this.production.set(agent.id, agent);
  }

  async write(tx: Tx, caller: Caller, now: number) {
    for (const { placed, hour, counts } of this.hours.values()) {
      const values = { agentId: placed.agent.id, environment: placed.environment, versionId: placed.version.id, hour, ...counts };
      const set = Object.fromEntries(
        (Object.keys(ZERO_COUNTS) as (keyof RuntimeCounts)[]).map((k) => [k, sql`${runtimeHours[k]} + ${counts[k]}`]),
      );
      await tx
        .insert(runtimeHours)
        .values(values)
        .onConflictDoUpdate({ target: [runtimeHours.agentId, runtimeHours.environment, runtimeHours.versionId, runtimeHours.hour], set });
    }
    for (const group of groupBy(this.actions.values(), (a) => `${baseOf(a.placed)}|${a.hour}`).values())
      for (const a of await namedActions(tx, group)) await writeActionHour(tx, a);
    const policy = (await currentPolicy(tx)).policy.runtime ?? DEFAULT_RUNTIME_POLICY;
    for (const group of groupBy(this.authority.values(), (b) => `${baseOf(b.placed)}|${b.day}`).values())
      await recordAuthorityBreaches(tx, caller, group, policy.authorityBreachIncident, now);
    // The latest answers of each version, the most recent observed last so the drift record ends on it.
    for (const group of groupBy(this.models.values(), (m) => baseOf(m.placed)).values())
      for (const m of group
        .sort((a, b) => b.span.startMs - a.span.startMs)
        .slice(0, MODELS_PER_EXPORT)
        .reverse())
        await observeAnsweringModel(tx, caller, m.placed, m.model, m.span, now);
    await keepTraces(tx, [...this.traces.values()], now);
    for (const agent of this.production.values()) await evaluateHarm(tx, caller, agent, now);
  }
}

/**
 * One hour's actions of a version, as they are counted: actions of the spec by name, and as many actions
 * outside it as the hour has room for (UNKNOWN_ACTIONS_PER_HOUR, the first ones seen); calls to more are
 * counted together under OTHER_ACTIONS, so a runtime inventing tool names cannot grow the table without end.
 */
async function namedActions(tx: Tx, group: ActionEntry[]): Promise<ActionEntry[]> {
  if (group.every((a) => a.inSpec)) return group;
  const { placed, hour } = group[0]!;
  const existing = new Set(
    (
      await tx
        .select({ action: runtimeActionHours.action })
        .from(runtimeActionHours)
        .where(
          and(
            eq(runtimeActionHours.agentId, placed.agent.id),
            eq(runtimeActionHours.environment, placed.environment),
            eq(runtimeActionHours.versionId, placed.version.id),
            eq(runtimeActionHours.hour, hour),
          ),
        )
    ).map((r) => r.action),
  );
  let outside = [...existing].filter((a) => a !== OTHER_ACTIONS && matchAction(placed.version.spec, a).kind === "unknown").length;
  const named = new Map<string, ActionEntry>();
  const add = (a: ActionEntry, action = a.action) => {
    const sum = named.get(action) ?? { ...a, action, calls: 0, errors: 0, rejections: 0 };
    sum.calls += a.calls;
    sum.errors += a.errors;
    sum.rejections += a.rejections;
    named.set(action, sum);
  };
  for (const a of group) {
    if (a.inSpec || a.action === OTHER_ACTIONS || existing.has(a.action)) add(a);
    else if (outside < UNKNOWN_ACTIONS_PER_HOUR) {
      outside++;
      add(a);
    } else add(a, OTHER_ACTIONS);
  }
  return [...named.values()];
}

async function writeActionHour(tx: Tx, a: ActionEntry) {
  await tx
    .insert(runtimeActionHours)
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
    });
}

/**
 * One version's authority breaches of one UTC day: calls add to the day's record of their kind and action,
 * or open one (audited, told, an incident in production). An agent calling ever new made-up actions gets a
 * record for each of the first UNGRANTED_BREACHES_PER_DAY of them; calls to any more add to one record,
 * OTHER_ACTIONS, so neither the breach list nor the people told are flooded.
 */
async function recordAuthorityBreaches(tx: Tx, caller: Caller, group: BreachEntry[], incidentSeverity: Severity | null, now: number) {
  const { placed, day } = group[0]!;
  const { agent, environment, version } = placed;
  const existing = await tx
    .select()
    .from(breaches)
    .where(
      and(
        eq(breaches.agentId, agent.id),
        eq(breaches.environment, environment),
        eq(breaches.versionId, version.id),
        eq(breaches.day, day),
        ne(breaches.kind, "harm_threshold"),
      ),
    );
  const byKey = new Map(existing.map((b) => [`${b.kind}|${b.subject}`, b.id]));
  let ungranted = existing.filter((b) => b.kind === "ungranted_action" && b.subject !== OTHER_ACTIONS).length;
  let others: BreachEntry | null = null;
  const open = async (b: BreachEntry) =>
    await openBreach(
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
  for (const b of group.sort((x, y) => x.first.startMs - y.first.startMs)) {
    const id = byKey.get(`${b.breach.kind}|${b.breach.action}`);
    if (id) await addOccurrences(tx, id, b);
    else if (b.breach.kind !== "ungranted_action" || b.breach.action === OTHER_ACTIONS || ungranted < UNGRANTED_BREACHES_PER_DAY) {
      if (b.breach.kind === "ungranted_action" && b.breach.action !== OTHER_ACTIONS) ungranted++;
      byKey.set(`${b.breach.kind}|${b.breach.action}`, await open(b));
    } else if (!others)
      others = {
        ...b,
        breach: {
          kind: "ungranted_action",
          action: OTHER_ACTIONS,
          detail: `Calls to more ungranted actions than the ${UNGRANTED_BREACHES_PER_DAY} recorded by name on ${day}, counted together; the first was ${b.breach.action}`,
        },
      };
    else {
      others.occurrences += b.occurrences;
      others.lastAt = Math.max(others.lastAt, b.lastAt);
    }
  }
  if (!others) return;
  const id = byKey.get(`ungranted_action|${OTHER_ACTIONS}`);
  if (id) await addOccurrences(tx, id, others);
  else await open(others);
}

async function addOccurrences(tx: Tx, id: string, b: Pick<BreachEntry, "occurrences" | "lastAt" | "first">) {
  await tx
    .update(breaches)
    .set({
      occurrences: sql`${breaches.occurrences} + ${b.occurrences}`,
      // Not MAX(a, b)/MIN(a, b): those are SQLite's; PostgreSQL spells them GREATEST/LEAST. CASE is both's.
      lastAt: sql`CASE WHEN ${breaches.lastAt} > ${b.lastAt} THEN ${breaches.lastAt} ELSE ${b.lastAt} END`,
      firstAt: sql`CASE WHEN ${breaches.firstAt} < ${b.first.startMs} THEN ${breaches.firstAt} ELSE ${b.first.startMs} END`,
    })
    .where(eq(breaches.id, id));
}

/**
 * A model other than the approved one answered: an observation of what runs with that model, so the agent's
 * drift record opens or takes it. A trace shows only the model: what else an open drift record saw running
 * (changed instructions from a platform export, say) is kept in the observation, not erased by it. Once an
 * hour per model is enough: the record already says so.
 */
async function observeAnsweringModel(tx: Tx, caller: Caller, placed: Placed, model: string, span: RuntimeSpan, now: number) {
  const open = await first(
    tx
      .select({
        hash: driftRecords.observedSpecHash,
        lastObservedAt: driftRecords.lastObservedAt,
        observedSpec: driftRecords.observedSpec,
        approvedVersionId: driftRecords.approvedVersionId,
      })
      .from(driftRecords)
      .where(
        and(eq(driftRecords.agentId, placed.agent.id), eq(driftRecords.environment, placed.environment), eq(driftRecords.state, "open")),
      ),
  );
  const seen = open?.observedSpec && open.approvedVersionId === placed.version.id ? open.observedSpec : placed.version.spec;
  const observed = specWithModel(seen, model);
  if (open && open.hash === specHash(observed) && Math.abs(span.startMs - open.lastObservedAt) < 3_600_000) return;
  await observeIn(
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

/**
 * Keeps traces' spans for their version's traceRetentionDays (0 keeps none): a trace already kept takes its
 * new spans; a new one is kept when it breached (up to BREACH_TRACES_PER_HOUR an hour) or while its hour has
 * room for a sample. The kept traces an export continues are looked up together, and each hour's count once.
 */
async function keepTraces(tx: Tx, traces: TraceEntry[], now: number) {
  const retained = traces.filter((t) => {
    const days = t.placed.version.spec.traceRetentionDays;
    return days > 0 && t.startedAt + days * DAY_MS > now;
  });
  const kept = new Map<string, { id: string; breach: boolean; spans: KeptSpan[] }>();
  for (const [agentId, group] of groupBy(retained, (t) => t.placed.agent.id)) {
    const ids = group.map((t) => t.traceId);
    for (let i = 0; i < ids.length; i += CHUNK)
      for (const row of await tx
        .select({ id: runtimeTraces.id, traceId: runtimeTraces.traceId, breach: runtimeTraces.breach, spans: runtimeTraces.spans })
        .from(runtimeTraces)
        .where(and(eq(runtimeTraces.agentId, agentId), inArray(runtimeTraces.traceId, ids.slice(i, i + CHUNK)))))
        kept.set(`${agentId}|${row.traceId}`, row);
  }
  const room = new Map<string, number>();
  for (const t of retained) {
    const existing = kept.get(`${t.placed.agent.id}|${t.traceId}`);
    if (existing) {
      const spans = keptSpans(existing.spans, t.spans);
      if (spans.length === existing.spans.length && (existing.breach || !t.breach)) continue;
      await tx
        .update(runtimeTraces)
        .set({ spans, breach: existing.breach || t.breach })
        .where(eq(runtimeTraces.id, existing.id));
      continue;
    }
    const hour = hourOf(t.startedAt);
    const key = `${t.placed.agent.id}|${t.placed.version.id}|${hour}|${t.breach}`;
    const already =
      room.get(key) ??
      (await first(
        tx
          .select({ n: sql<number>`COUNT(*)` })
          .from(runtimeTraces)
          .where(
            and(
              eq(runtimeTraces.agentId, t.placed.agent.id),
              eq(runtimeTraces.versionId, t.placed.version.id),
              sql`${runtimeTraces.startedAt} >= ${hour} AND ${runtimeTraces.startedAt} < ${hour + 3_600_000}`,
              eq(runtimeTraces.breach, t.breach),
            ),
          ),
      ))!.n;
    room.set(key, already);
    if (already >= (t.breach ? BREACH_TRACES_PER_HOUR : SAMPLED_TRACES_PER_HOUR)) continue;
    room.set(key, already + 1);
    await tx.insert(runtimeTraces).values({
      id: randomUUID(),
      agentId: t.placed.agent.id,
      environment: t.placed.environment,
      versionId: t.placed.version.id,
      traceId: t.traceId,
      startedAt: t.startedAt,
      breach: t.breach,
      spans: keptSpans([], t.spans),
      expiresAt: t.startedAt + t.placed.version.spec.traceRetentionDays * DAY_MS,
    });
  }
}

const MAX_ATTRIBUTE_TEXT = 2_000;
/** Items of a list or entries of a map an attribute keeps. */
const MAX_ATTRIBUTE_ITEMS = 100;

/** An attribute as a kept trace holds it: long texts cut, long lists and maps shortened, at any depth. */
function keptValue(value: AttributeValue): AttributeValue {
  if (typeof value === "string") return value.length > MAX_ATTRIBUTE_TEXT ? `${value.slice(0, MAX_ATTRIBUTE_TEXT)}…` : value;
  if (Array.isArray(value)) return value.slice(0, MAX_ATTRIBUTE_ITEMS).map(keptValue);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, MAX_ATTRIBUTE_ITEMS)
        .map(([k, v]) => [k, keptValue(v)]),
    );
  return value;
}

function keptSpan(span: RuntimeSpan): KeptSpan {
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: clipName(span.name),
    startMs: span.startMs,
    endMs: span.endMs,
    status: span.status.code,
    attributes: Object.fromEntries(
      Object.entries(span.attributes)
        .slice(0, MAX_ATTRIBUTE_ITEMS)
        .map(([k, v]) => [k, keptValue(v)]),
    ),
  };
}

/** A kept trace's spans with new ones added while it has room: MAX_KEPT_SPANS of them, MAX_KEPT_TRACE_CHARS of JSON. */
function keptSpans(kept: KeptSpan[], spans: RuntimeSpan[]): KeptSpan[] {
  const out = [...kept];
  let chars = kept.length === 0 ? 2 : JSON.stringify(kept).length;
  for (const span of spans) {
    if (out.length >= MAX_KEPT_SPANS) break;
    const next = keptSpan(span);
    const size = JSON.stringify(next).length + 1;
    if (chars + size > MAX_KEPT_TRACE_CHARS) break;
    out.push(next);
    chars += size;
  }
  return out;
}

/**
 * Deletes kept traces past their retention and span ids past the retry window; the hourly sums stay. A
 * bounded amount per call (PRUNE_BATCH, or as asked); `more` says a limit was reached and rows may remain.
 */
export async function pruneRuntimeEvidence(
  tx: DB,
  now: number,
  limits: { traces?: number; seenSpans?: number } = {},
): Promise<{ traces: number; seenSpans: number; more: boolean }> {
  const traceLimit = limits.traces ?? PRUNE_BATCH.traces;
  const seenLimit = limits.seenSpans ?? PRUNE_BATCH.seenSpans;
  const traces = await execute(
    sql`DELETE FROM runtime_traces WHERE rowid IN (SELECT rowid FROM runtime_traces WHERE expires_at <= ${now} LIMIT ${traceLimit})`,
    tx,
  );
  const seenSpans = await execute(
    sql`DELETE FROM runtime_seen_spans WHERE rowid IN (SELECT rowid FROM runtime_seen_spans WHERE seen_at < ${now - SEEN_SPANS_MS} LIMIT ${seenLimit})`,
    tx,
  );
  return { traces, seenSpans, more: traces >= traceLimit || seenSpans >= seenLimit };
}
