import "server-only";
import { and, asc, desc, eq, gte, lte, or, sql } from "drizzle-orm";
import { z } from "zod";
import { first, getDb, type DB } from "@/db";
import { agents, agentVersions, breaches, changeRecords, deployments, runtimeActionHours, runtimeHours, runtimeTraces } from "@/db/schema";
import { addCounts, matchAction, ZERO_COUNTS, type BreachKind, type RuntimeCounts } from "@/lib/domain/runtime";
import { changeNumberLabel, ENVIRONMENTS, type DeploymentKind, type Environment } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { breachNumberLabel } from "./breaches";
import { assertCanRead, type Caller } from "./caller";
import { harmReadings, type HarmReading } from "./harm";
import { jsonArrayLength } from "./sql-dialect";

const DAY_MS = 86_400_000;
/** The longest range one read covers: a year of days. */
const MAX_RANGE_DAYS = 366;

export const runtimeQuerySchema = z.object({
  from: z.iso
    .datetime({ offset: true, error: "from is an ISO-8601 time" })
    .or(z.iso.date({ error: "from is a date or an ISO-8601 time" }))
    .optional(),
  to: z.iso
    .datetime({ offset: true, error: "to is an ISO-8601 time" })
    .or(z.iso.date({ error: "to is a date or an ISO-8601 time" }))
    .optional(),
  environment: z.enum(ENVIRONMENTS, { error: `environment is one of: ${ENVIRONMENTS.join(", ")}` }).default("production"),
});

export type BreachView = {
  number: string;
  kind: BreachKind;
  /** `system:action` of an authority breach; the metric of a harm threshold. */
  action: string | null;
  metric: string | null;
  detail: string;
  at: number;
  lastAt: number;
  occurrences: number;
  environment: Environment;
  version: number;
  change: string | null;
  trace: string | null;
  incidentId: string | null;
  value: number | null;
  threshold: string | null;
  /** Harm thresholds: when it came back within; null while it is still crossed. */
  clearedAt: number | null;
};

export type RuntimeView = {
  agent: string;
  environment: Environment;
  from: number;
  to: number;
  totals: RuntimeCounts;
  series: ({ day: string } & RuntimeCounts)[];
  actions: { action: string; granted: boolean; calls: number; errors: number; privilegeRejections: number }[];
  harm: (Pick<HarmReading, "source" | "value" | "status"> & HarmReading["metric"])[];
  breaches: BreachView[];
  markers: { at: number; kind: DeploymentKind; version: number; change: string | null }[];
  traces: { traceId: string; startedAt: number; version: number; breach: boolean; spans: number }[];
};

type Reader = Pick<DB, "select">;

export async function breachViews(db: Reader, where: ReturnType<typeof and>): Promise<BreachView[]> {
  return (
    await db
      .select({ b: breaches, version: agentVersions.number, change: changeRecords.number })
      .from(breaches)
      .innerJoin(agentVersions, eq(agentVersions.id, breaches.versionId))
      .leftJoin(changeRecords, eq(changeRecords.id, breaches.changeRecordId))
      .where(where)
      .orderBy(desc(breaches.firstAt), desc(breaches.number))
      .limit(500)
  ).map(({ b, version, change }) => ({
    number: breachNumberLabel(b.number),
    kind: b.kind,
    action: b.kind === "harm_threshold" ? null : b.subject,
    metric: b.kind === "harm_threshold" ? b.subject : null,
    detail: b.detail,
    at: b.firstAt,
    lastAt: b.lastAt,
    occurrences: b.occurrences,
    environment: b.environment,
    version,
    change: change ? changeNumberLabel(change) : null,
    trace: b.traceId,
    incidentId: b.incidentId,
    value: b.value,
    threshold: b.threshold,
    clearedAt: b.clearedAt,
  }));
}

/** An agent's runtime evidence in one environment over a range (the last 30 days unless asked): daily figures, actions, thresholds, breaches and release markers. */
export async function agentRuntime(caller: Caller, slug: string, params: SearchParamsInput, now = Date.now()): Promise<RuntimeView> {
  assertCanRead(caller);
  const query = parseQuery(runtimeQuerySchema, params);
  const to = query.to ? endOf(query.to) : now;
  const from = query.from ? Date.parse(query.from) : to - 30 * DAY_MS;
  if (!(from < to)) throw new AppError("bad_request", "from must be before to", { parameter: "from" });
  if (to - from > MAX_RANGE_DAYS * DAY_MS)
    throw new AppError("bad_request", `A range covers at most ${MAX_RANGE_DAYS} days`, { parameter: "from" });
  const db = getDb();
  const agent = await first(db.select().from(agents).where(eq(agents.slug, slug)));
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  const env = query.environment;
  const inRange = and(
    eq(runtimeHours.agentId, agent.id),
    eq(runtimeHours.environment, env),
    gte(runtimeHours.hour, Math.floor(from / 3_600_000) * 3_600_000),
    lte(runtimeHours.hour, to),
  );
  const keys = Object.keys(ZERO_COUNTS) as (keyof RuntimeCounts)[];
  // Days since the epoch, by integer division on both engines (hours are whole milliseconds, never before 1970); named as dates here.
  const daily = (
    (await db
      .select({
        day: sql<number>`${runtimeHours.hour} / 86400000`,
        ...(Object.fromEntries(keys.map((k) => [k, sql<number>`SUM(${runtimeHours[k]})`])) as Record<
          keyof RuntimeCounts,
          ReturnType<typeof sql<number>>
        >),
      })
      .from(runtimeHours)
      .where(inRange)
      .groupBy(sql`1`)
      .orderBy(sql`1`)) as ({ day: number } & RuntimeCounts)[]
  ).map((d) => ({ ...d, day: new Date(d.day * DAY_MS).toISOString().slice(0, 10) }));
  // The range's totals are its days summed: the same hours, read once.
  const totals = daily.reduce<RuntimeCounts>((sum, day) => addCounts(sum, day), { ...ZERO_COUNTS });
  const latest = await first(
    db
      .select({ kind: deployments.kind, spec: agentVersions.spec })
      .from(deployments)
      .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
      .where(and(eq(deployments.agentId, agent.id), eq(deployments.environment, env), lte(deployments.deployedAt, to)))
      .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
      .limit(1),
  );
  // A retired environment runs nothing: none of its actions is granted any more.
  const running = latest?.kind === "retire" ? undefined : latest;
  const actions = (
    await db
      .select({
        action: runtimeActionHours.action,
        calls: sql<number>`SUM(${runtimeActionHours.calls})`,
        errors: sql<number>`SUM(${runtimeActionHours.errors})`,
        privilegeRejections: sql<number>`SUM(${runtimeActionHours.privilegeRejections})`,
      })
      .from(runtimeActionHours)
      .where(
        and(
          eq(runtimeActionHours.agentId, agent.id),
          eq(runtimeActionHours.environment, env),
          gte(runtimeActionHours.hour, Math.floor(from / 3_600_000) * 3_600_000),
          lte(runtimeActionHours.hour, to),
        ),
      )
      .groupBy(runtimeActionHours.action)
      .orderBy(desc(sql`2`))
      .limit(100)
  ).map((a) => ({ ...a, granted: running ? matchAction(running.spec, a.action).kind === "granted" : false }));
  const markers = (
    await db
      .select({ at: deployments.deployedAt, kind: deployments.kind, version: agentVersions.number, change: changeRecords.number })
      .from(deployments)
      .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
      .leftJoin(changeRecords, eq(changeRecords.id, deployments.changeRecordId))
      .where(
        and(
          eq(deployments.agentId, agent.id),
          eq(deployments.environment, env),
          gte(deployments.deployedAt, from),
          lte(deployments.deployedAt, to),
        ),
      )
      .orderBy(asc(deployments.deployedAt))
  ).map((m) => ({ ...m, change: m.change ? changeNumberLabel(m.change) : null }));
  const traces = await db
    .select({
      traceId: runtimeTraces.traceId,
      startedAt: runtimeTraces.startedAt,
      version: agentVersions.number,
      breach: runtimeTraces.breach,
      spans: jsonArrayLength(sql`${runtimeTraces.spans}`, db),
    })
    .from(runtimeTraces)
    .innerJoin(agentVersions, eq(agentVersions.id, runtimeTraces.versionId))
    .where(
      and(
        eq(runtimeTraces.agentId, agent.id),
        eq(runtimeTraces.environment, env),
        gte(runtimeTraces.startedAt, from),
        lte(runtimeTraces.startedAt, to),
      ),
    )
    .orderBy(desc(runtimeTraces.breach), desc(runtimeTraces.startedAt))
    .limit(20);
  return {
    agent: agent.slug,
    environment: env,
    from,
    to,
    totals,
    series: fillDays(daily, from, to),
    actions,
    harm:
      env === "production"
        ? (await harmReadings(db, agent.id, now)).map(({ metric, source, value, status }) => ({ ...metric, source, value, status }))
        : [],
    breaches: await breachViews(
      db,
      and(
        eq(breaches.agentId, agent.id),
        eq(breaches.environment, env),
        or(
          and(gte(breaches.lastAt, from), lte(breaches.firstAt, to)),
          sql`${breaches.clearedAt} IS NULL AND ${breaches.kind} = 'harm_threshold'`,
        ),
      ),
    ),
    markers,
    traces,
  };
}

/** A date alone as `to` means the whole of that day. */
function endOf(value: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(value) + DAY_MS - 1 : Date.parse(value);
}

/** One entry per UTC day of the range, days without evidence at zero, so a chart's gaps are real quiet. */
function fillDays(daily: ({ day: string } & RuntimeCounts)[], from: number, to: number): ({ day: string } & RuntimeCounts)[] {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const days: ({ day: string } & RuntimeCounts)[] = [];
  for (let t = Math.floor(from / DAY_MS) * DAY_MS; t <= to; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push(byDay.get(day) ?? { day, ...ZERO_COUNTS });
  }
  return days;
}
