import "server-only";
import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { agents, agentVersions, apiTokens, changeRecords, driftRecords, observations, users } from "@/db/schema";
import {
  DRIFT_ACTIONS,
  DRIFT_STATES,
  driftNumberLabel,
  isReviewDue,
  isUnobserved,
  resolutionInForce,
  resolutionProblems,
  type DriftAction,
  type DriftClosedReason,
  type DriftState,
} from "@/lib/domain/drift";
import type { DiffItem } from "@/lib/domain/permission-diff";
import type { AgentSpec } from "@/lib/domain/spec";
import { changeNumberLabel, ENVIRONMENTS, OPEN_CHANGE_STATES, type Environment, type RiskLevel, type Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { nulInParameter, refuseNul, withoutNul } from "@/lib/validations/nul";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { proposeChangeSchema } from "@/lib/validations/change-record";
import { assertOpenForChanges } from "./agent-lifecycle";
import { actorOf, assertCanRead, type Caller } from "./caller";
import { createChangeInTx } from "./changes";

type Reader = Pick<DB, "select">;

/** Who resolves drift: the people who own the runtime, the authority and the incident path; never a token. */
const RESOLVER_ROLES: Role[] = ["engineering", "security", "operations"];

export function canResolveDrift(user: { roles: Role[] }): boolean {
  return user.roles.some((r) => RESOLVER_ROLES.includes(r));
}

export type DriftObservationView = {
  id: string;
  /** Null when the agent was reported absent there. */
  specHash: string | null;
  source: string;
  observedAt: number;
  inSync: boolean;
  reportedBy: string;
};

export type DriftView = {
  id: string;
  number: number;
  label: string;
  agent: { slug: string; name: string };
  environment: Environment;
  state: DriftState;
  severity: RiskLevel;
  reasons: string[];
  /** From the approved version to what was last observed, escalations first. */
  diff: DiffItem[];
  approvedVersion: number | null;
  /** Null when what was last observed is the agent's absence where a version is deployed. */
  observedSpec: AgentSpec | null;
  observedSpecHash: string | null;
  openedAt: number;
  lastObservedAt: number;
  /** The resolution in force: a lapsed risk acceptance is none, and `acceptanceLapsedAt` says when it lapsed. */
  resolution: {
    action: DriftAction;
    reason: string;
    by: string | null;
    at: number;
    acceptedUntil: number | null;
    change: string | null;
  } | null;
  acceptanceLapsedAt: number | null;
  /** When the record was last resolved, lapsed or not: a form sends it back, so a decision made meanwhile is not overwritten. */
  resolvedAt: number | null;
  closedAt: number | null;
  closedReason: DriftClosedReason | null;
  /** Newest first; the whole list on one record, the latest ten in a list. */
  observations: DriftObservationView[];
  observationCount: number;
};

type DriftRow = typeof driftRecords.$inferSelect;

async function observationsOf(
  db: Reader,
  driftIds: string[],
  perRecord: number | null,
): Promise<Map<string, { items: DriftObservationView[]; count: number }>> {
  const out = new Map<string, { items: DriftObservationView[]; count: number }>();
  if (driftIds.length === 0) return out;
  const rows = await db
    .select({
      id: observations.id,
      driftRecordId: observations.driftRecordId,
      specHash: observations.specHash,
      source: observations.source,
      observedAt: observations.observedAt,
      inSync: observations.inSync,
      user: users.email,
      token: apiTokens.name,
    })
    .from(observations)
    .leftJoin(users, eq(users.id, observations.reportedById))
    .leftJoin(apiTokens, eq(apiTokens.id, observations.reportedByTokenId))
    .where(inArray(observations.driftRecordId, driftIds))
    .orderBy(desc(observations.observedAt), desc(sql`${observations}.rowid`));
  for (const r of rows) {
    const entry = out.get(r.driftRecordId!) ?? { items: [], count: 0 };
    entry.count += 1;
    if (perRecord === null || entry.items.length < perRecord)
      entry.items.push({
        id: r.id,
        specHash: r.specHash,
        source: r.source,
        observedAt: r.observedAt,
        inSync: r.inSync,
        reportedBy: r.user ?? `token:${r.token ?? "?"}`,
      });
    out.set(r.driftRecordId!, entry);
  }
  return out;
}

async function views(db: Reader, rows: DriftRow[], now: number, perRecord: number | null): Promise<DriftView[]> {
  if (rows.length === 0) return [];
  const agentRows = await db
    .select({ id: agents.id, slug: agents.slug, name: agents.name })
    .from(agents)
    .where(
      inArray(
        agents.id,
        rows.map((r) => r.agentId),
      ),
    );
  const agentById = new Map(agentRows.map((a) => [a.id, a]));
  const versionIds = rows.map((r) => r.approvedVersionId).filter((v): v is string => Boolean(v));
  const versionNumber = new Map(
    versionIds.length
      ? (
          await db
            .select({ id: agentVersions.id, number: agentVersions.number })
            .from(agentVersions)
            .where(inArray(agentVersions.id, versionIds))
        ).map((v) => [v.id, v.number])
      : [],
  );
  const resolverIds = rows.map((r) => r.resolvedById).filter((v): v is string => Boolean(v));
  const resolverEmail = new Map(
    resolverIds.length
      ? (await db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, resolverIds))).map((u) => [
          u.id,
          u.email,
        ])
      : [],
  );
  const changeIds = rows.map((r) => r.changeRecordId).filter((v): v is string => Boolean(v));
  const changeNumber = new Map(
    changeIds.length
      ? (
          await db
            .select({ id: changeRecords.id, number: changeRecords.number })
            .from(changeRecords)
            .where(inArray(changeRecords.id, changeIds))
        ).map((c) => [c.id, changeNumberLabel(c.number)])
      : [],
  );
  const observed = await observationsOf(
    db,
    rows.map((r) => r.id),
    perRecord,
  );
  return rows.map((r) => {
    const inForce = resolutionInForce(r, now);
    const agent = agentById.get(r.agentId)!;
    return {
      id: r.id,
      number: r.number,
      label: driftNumberLabel(r.number),
      agent: { slug: agent.slug, name: agent.name },
      environment: r.environment,
      state: r.state,
      severity: r.severity,
      reasons: r.reasons,
      diff: r.diff,
      approvedVersion: r.approvedVersionId ? (versionNumber.get(r.approvedVersionId) ?? null) : null,
      observedSpec: r.observedSpec,
      observedSpecHash: r.observedSpecHash,
      openedAt: r.openedAt,
      lastObservedAt: r.lastObservedAt,
      resolution:
        inForce && r.resolvedAt !== null
          ? {
              action: inForce,
              reason: r.resolutionReason ?? "",
              by: r.resolvedById ? (resolverEmail.get(r.resolvedById) ?? null) : null,
              at: r.resolvedAt,
              acceptedUntil: r.acceptedUntil,
              change: r.changeRecordId ? (changeNumber.get(r.changeRecordId) ?? null) : null,
            }
          : null,
      acceptanceLapsedAt: r.resolution === "accept" && !inForce && r.state === "open" ? r.acceptedUntil : null,
      resolvedAt: r.resolvedAt,
      closedAt: r.closedAt,
      closedReason: r.closedReason,
      observations: observed.get(r.id)?.items ?? [],
      observationCount: observed.get(r.id)?.count ?? 0,
    };
  });
}

export async function driftView(db: Reader, id: string, now = Date.now()): Promise<DriftView> {
  const row = await first(db.select().from(driftRecords).where(eq(driftRecords.id, id)));
  if (!row) throw new AppError("not_found", `No drift record ${id}`);
  return (await views(db, [row], now, null))[0]!;
}

async function findDriftRow(db: Reader, ref: string): Promise<DriftRow> {
  const match = /^(?:DR-)?(\d+)$/i.exec(ref.trim());
  const row = match
    ? await first(
        db
          .select()
          .from(driftRecords)
          .where(eq(driftRecords.number, Number(match[1]))),
      )
    : await first(db.select().from(driftRecords).where(eq(driftRecords.id, ref)));
  if (!row) throw new AppError("not_found", `No drift record ${ref}`);
  return row;
}

export const driftFiltersSchema = z.object({
  state: z.enum(DRIFT_STATES, { error: "state is open or closed" }).optional(),
  agent: z.string().trim().max(200).refine(withoutNul, nulInParameter("agent")).optional(),
  environment: z.enum(ENVIRONMENTS, { error: `environment is one of: ${ENVIRONMENTS.join(", ")}` }).optional(),
  ...paging,
});
export type DriftFilters = z.infer<typeof driftFiltersSchema>;

export function parseDriftFilters(params: SearchParamsInput): DriftFilters {
  return parseQuery(driftFiltersSchema, params);
}

/** Drift records, open ones first, then newest. */
export async function listDrift(
  caller: Caller,
  filters: Partial<DriftFilters>,
  now = Date.now(),
): Promise<{ items: DriftView[]; total: number }> {
  assertCanRead(caller);
  const db = getDb();
  const conditions: (SQL | undefined)[] = [];
  if (filters.state) conditions.push(eq(driftRecords.state, filters.state));
  if (filters.environment) conditions.push(eq(driftRecords.environment, filters.environment));
  if (filters.agent) {
    const agent = await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, filters.agent)));
    if (!agent) return { items: [], total: 0 };
    conditions.push(eq(driftRecords.agentId, agent.id));
  }
  const where = and(...conditions);
  const total = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(driftRecords)
      .where(where),
  ))!.n;
  const pageSize = filters.pageSize ?? 50;
  const rows = await db
    .select()
    .from(driftRecords)
    .where(where)
    .orderBy(sql`${driftRecords.state} = 'open' DESC`, desc(driftRecords.openedAt), desc(driftRecords.number))
    .limit(pageSize)
    .offset(((filters.page ?? 1) - 1) * pageSize);
  return { items: await views(db, rows, now, 10), total };
}

export async function getDrift(caller: Caller, ref: string, now = Date.now()): Promise<DriftView> {
  assertCanRead(caller);
  const db = getDb();
  return (await views(db, [await findDriftRow(db, ref)], now, null))[0]!;
}

export const resolveSchema = z.strictObject({
  action: z.enum(DRIFT_ACTIONS, { error: "action is adopt, restore or accept" }),
  reason: z.string({ error: "Say why" }).trim().max(2_000, "Keep the reason to 2,000 characters"),
  expiresAt: z.iso.datetime({ offset: true, error: "expiresAt is an ISO-8601 time, like 2027-01-31T00:00:00Z" }).nullable().optional(),
  /**
   * When the resolution the person saw was recorded (`resolution.at`, or null when there was none): if someone
   * resolved it since, the request is a 409 rather than a silent overwrite. Optional for API clients.
   */
  seenResolvedAt: z.iso.datetime({ offset: true, error: "seenResolvedAt is an ISO-8601 time" }).nullable().optional(),
});

/**
 * Resolves open drift, audited: `adopt` opens a change record whose proposed spec is the observed one (the
 * drift stays open until it is released and observed in sync); `restore` records that the approved version is
 * being put back (the next in-sync observation closes it); `accept` lives with it until an expiry at most 90
 * days away, after which it is open again if the agent still drifts. People only: never the token that observed it.
 */
export async function resolveDrift(
  caller: Caller,
  ref: string,
  input: unknown,
  now = Date.now(),
): Promise<{ drift: DriftView; change: { id: string; number: string } | null }> {
  if (caller.kind !== "user") throw new AppError("forbidden", "Drift is resolved by a person, not an API token");
  if (!canResolveDrift(caller.user)) throw new AppError("forbidden", "Only engineering, security and operations resolve drift");
  refuseNul(input, "The resolution is not valid");
  const data = parseInput(resolveSchema, input, "The resolution is not valid");
  const expiresAt = data.expiresAt ? Date.parse(data.expiresAt) : null;
  const actor = actorOf(caller);
  const db = getDb();
  const { id, changeId } = await withTransaction(async (tx) => {
    const row = await findDriftRow(tx, ref);
    if (data.seenResolvedAt !== undefined && (data.seenResolvedAt === null ? null : Date.parse(data.seenResolvedAt)) !== row.resolvedAt)
      throw new AppError(
        "conflict",
        `${driftNumberLabel(row.number)} was resolved by someone else meanwhile: reload to see their decision before changing it`,
      );
    const adopted = row.changeRecordId
      ? await first(tx.select({ state: changeRecords.state }).from(changeRecords).where(eq(changeRecords.id, row.changeRecordId)))
      : undefined;
    const adoptedChangeOpen = adopted !== undefined && (OPEN_CHANGE_STATES as readonly string[]).includes(adopted.state);
    const problems = resolutionProblems(row, { action: data.action, reason: data.reason, expiresAt }, now, adoptedChangeOpen);
    if (problems.action) throw new AppError("conflict", `${driftNumberLabel(row.number)}: ${problems.action[0]}`);
    if (Object.keys(problems).length > 0)
      throw new AppError("validation_failed", Object.values(problems).flat()[0]!, { fieldErrors: problems });
    let changeId: string | null = null;
    if (data.action === "adopt") {
      const agent = (await first(tx.select().from(agents).where(eq(agents.id, row.agentId))))!;
      if (!row.observedSpec)
        throw new AppError(
          "conflict",
          `${driftNumberLabel(row.number)}: ${agent.slug} was not found in ${row.environment}; there is no spec to adopt (propose retiring it instead)`,
        );
      await assertOpenForChanges(tx, agent);
      const fields = proposeChangeSchema.parse({
        agent: agent.slug,
        title: `Adopt what ${row.environment} runs (${driftNumberLabel(row.number)})`,
        rationale: data.reason,
        spec: row.observedSpec,
      });
      changeId = (await createChangeInTx(tx, caller, agent, fields, now)).id;
    }
    await tx
      .update(driftRecords)
      .set({
        resolution: data.action,
        resolutionReason: data.reason,
        resolvedById: caller.user.id,
        resolvedAt: now,
        acceptedUntil: data.action === "accept" ? expiresAt : null,
        // Only an adoption links a change: another resolution replaces it.
        changeRecordId: changeId,
      })
      .where(eq(driftRecords.id, row.id));
    await appendAuditEvent(tx, {
      at: now,
      actor,
      action: "drift.resolved",
      entityType: "drift_record",
      entityId: row.id,
      payload: {
        number: row.number,
        resolution: data.action,
        reason: data.reason,
        ...(expiresAt !== null && { acceptedUntil: new Date(expiresAt).toISOString() }),
        ...(changeId && {
          change: changeNumberLabel(
            (await first(tx.select({ n: changeRecords.number }).from(changeRecords).where(eq(changeRecords.id, changeId))))!.n,
          ),
        }),
      },
    });
    return { id: row.id, changeId };
  });
  const drift = await driftView(db, id, now);
  return { drift, change: changeId ? { id: changeId, number: drift.resolution!.change! } : null };
}

/** Each agent's open drift, worst first, for the inventory and the home page. */
export async function openDriftByAgent(
  db: Reader,
  agentIds: string[],
): Promise<Map<string, { label: string; environment: Environment; severity: RiskLevel }[]>> {
  const out = new Map<string, { label: string; environment: Environment; severity: RiskLevel }[]>();
  if (agentIds.length === 0) return out;
  const rows = await db
    .select({
      agentId: driftRecords.agentId,
      number: driftRecords.number,
      environment: driftRecords.environment,
      severity: driftRecords.severity,
    })
    .from(driftRecords)
    .where(and(eq(driftRecords.state, "open"), inArray(driftRecords.agentId, agentIds)));
  for (const r of rows)
    out.set(r.agentId, [
      ...(out.get(r.agentId) ?? []),
      { label: driftNumberLabel(r.number), environment: r.environment, severity: r.severity },
    ]);
  return out;
}

/** When each agent's production was last observed. */
export async function lastObservedInProduction(db: Reader, agentIds: string[]): Promise<Map<string, number>> {
  if (agentIds.length === 0) return new Map();
  return new Map(
    (
      await db
        .select({ agentId: observations.agentId, at: sql<number>`MAX(${observations.observedAt})` })
        .from(observations)
        .where(and(eq(observations.environment, "production"), inArray(observations.agentId, agentIds)))
        .groupBy(observations.agentId)
    ).map((r) => [r.agentId, r.at]),
  );
}

export type Posture = {
  /** Open drift records in any environment, worst first. */
  openDrift: { label: string; environment: Environment; severity: RiskLevel }[];
  lastObservedAt: number | null;
  /** Runs in production and was not observed within the setting: its posture is unknown. */
  unobserved: boolean;
  /** Its last approved change is older than the review interval. */
  reviewDue: boolean;
};

const SEVERITY_ORDER: RiskLevel[] = ["critical", "high", "medium", "low"];

/**
 * Each agent's posture, for the inventory, the agent page and the home page. `agents` carry whether they run
 * in production now and when their last change was approved.
 */
export async function postureOf(
  db: Reader,
  list: { id: string; inProduction: boolean; lastReviewedAt: number | null }[],
  settings: { unobservedAfterMs: number; reviewIntervalMs: number },
  now = Date.now(),
): Promise<Map<string, Posture>> {
  const ids = list.map((a) => a.id);
  const drift = await openDriftByAgent(db, ids);
  const observed = await lastObservedInProduction(db, ids);
  return new Map(
    list.map((a) => {
      const lastObservedAt = observed.get(a.id) ?? null;
      const openDrift = [...(drift.get(a.id) ?? [])].sort(
        (x, y) => SEVERITY_ORDER.indexOf(x.severity) - SEVERITY_ORDER.indexOf(y.severity),
      );
      return [
        a.id,
        {
          openDrift,
          lastObservedAt,
          unobserved: a.inProduction && isUnobserved(lastObservedAt, settings.unobservedAfterMs, now),
          reviewDue: a.inProduction && isReviewDue(a.lastReviewedAt, settings.reviewIntervalMs, now),
        },
      ];
    }),
  );
}

/** The agent's latest observation in production, for its page: when, from which source, and whether it matched. */
export async function lastProductionObservation(
  caller: Caller,
  slug: string,
): Promise<{ observedAt: number; source: string; inSync: boolean } | null> {
  assertCanRead(caller);
  return (
    (await first(
      getDb()
        .select({ observedAt: observations.observedAt, source: observations.source, inSync: observations.inSync })
        .from(observations)
        .innerJoin(agents, eq(agents.id, observations.agentId))
        .where(and(eq(agents.slug, slug), eq(observations.environment, "production")))
        .orderBy(desc(observations.observedAt), desc(sql`${observations}.rowid`))
        .limit(1),
    )) ?? null
  );
}
