import "server-only";
import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { first, rows, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvents, type AuditInput } from "@/db/audit";
import { refreshDoraFacts } from "@/db/dora-facts";
import { agents, agentVersions, apiTokens, changeRecords, deployments, incidents, users } from "@/db/schema";
import { LIMITS, tooLong } from "@/lib/domain/input-limits";
import { changeNumberLabel, RESOLUTIONS, SEVERITIES, type Environment, type Resolution, type Severity } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { actorOf, assertCanRead, type Caller } from "./caller";
import { findChangeRow } from "./change-records";
import { hasRole } from "./users";

/** Incidents: what went wrong with an agent, which deployment is suspected, and how it was resolved. */

export type IncidentView = {
  id: string;
  agent: string;
  agentName: string;
  deploymentId: string | null;
  deployment: { environment: Environment; version: number; changeNumber: number | null } | null;
  severity: Severity;
  title: string;
  detectedAt: number;
  resolvedAt: number | null;
  resolution: Resolution | null;
  fixChangeNumber: number | null;
  openedBy: string;
};

type Tx = Pick<DB, "select" | "insert" | "update">;

/** People who run agents open and resolve incidents; leaders and auditors read. A token needs the deploy scope. */
export function canHandleIncidents(caller: Caller): boolean {
  if (caller.kind === "token") return caller.scopes.includes("deploy");
  return hasRole(caller.user, "operations", "engineering", "security", "workflow_owner", "compliance");
}

function assertCanHandle(caller: Caller) {
  if (canHandleIncidents(caller)) return;
  throw new AppError(
    "forbidden",
    caller.kind === "token"
      ? `Token "${caller.name}" lacks the deploy scope`
      : "Only operations, engineering, security, workflow owners and compliance open or resolve incidents",
  );
}

const isoTime = (name: string) =>
  z
    .string({ error: `${name} must be an ISO-8601 time` })
    .refine(
      (v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)),
      `${name} must be an ISO-8601 time, e.g. 2026-03-01T12:00:00Z`,
    )
    .transform((v) => Date.parse(v));

const severity = z.enum(SEVERITIES, { error: `severity must be one of: ${SEVERITIES.join(", ")}` });
const title = z
  .string({ error: "Give the incident a title" })
  .trim()
  .min(1, "Give the incident a title")
  .max(LIMITS.title, tooLong("the title", LIMITS.title));
const reference = (what: string) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .min(1)
    .max(LIMITS.name, tooLong(what, LIMITS.name));

export const openIncidentSchema = z.strictObject({
  agent: z.string({ error: "agent is the agent's slug" }).trim().min(1, "Choose the agent").max(LIMITS.name, tooLong("agent", LIMITS.name)),
  deploymentId: reference("deploymentId").nullish(),
  severity,
  title,
  detectedAt: isoTime("detectedAt").optional(),
});

export const updateIncidentSchema = z.strictObject({
  severity: severity.optional(),
  title: title.optional(),
  deploymentId: reference("deploymentId").nullish(),
  resolution: z.enum(RESOLUTIONS, { error: `resolution must be one of: ${RESOLUTIONS.join(", ")}` }).optional(),
  fixChange: reference("fixChange").nullish(),
  resolvedAt: isoTime("resolvedAt").optional(),
});

const parse = <T extends z.ZodType>(schema: T, input: unknown) => parseInput(schema, input, "The incident has problems");

function invalid(field: string, message: string): AppError {
  return new AppError("validation_failed", message, { fieldErrors: { [field]: [message] } });
}

async function agentBySlug(tx: Pick<DB, "select">, slug: string) {
  const agent = await first(tx.select().from(agents).where(eq(agents.slug, slug)));
  if (!agent) throw invalid("agent", `No agent with slug "${slug}"`);
  return agent;
}

async function deploymentOf(tx: Pick<DB, "select">, agentId: string, id: string) {
  const deployment = await first(tx.select().from(deployments).where(eq(deployments.id, id)));
  if (!deployment || deployment.agentId !== agentId) throw invalid("deploymentId", `Deployment ${id} is not a deployment of this agent`);
  return deployment;
}

/** Opens an incident inside the caller's transaction; rollback uses it too. */
export async function openIncidentIn(
  tx: Tx,
  caller: Caller,
  input: { agentId: string; agentSlug: string; deploymentId: string | null; severity: Severity; title: string; detectedAt: number },
  now: number,
): Promise<string> {
  const id = randomUUID();
  await tx.insert(incidents).values({
    id,
    agentId: input.agentId,
    deploymentId: input.deploymentId,
    severity: input.severity,
    title: input.title,
    detectedAt: input.detectedAt,
    openedById: caller.kind === "user" ? caller.user.id : null,
    openedByTokenId: caller.kind === "token" ? caller.id : null,
    createdAt: now,
  });
  await appendAuditEvents(tx, [
    {
      at: now,
      actor: actorOf(caller),
      action: "incident.opened",
      entityType: "incident",
      entityId: id,
      payload: {
        agent: input.agentSlug,
        severity: input.severity,
        title: input.title,
        deploymentId: input.deploymentId,
        detectedAt: input.detectedAt,
      },
    },
  ]);
  return id;
}

export async function openIncident(caller: Caller, input: unknown, now = Date.now()): Promise<IncidentView> {
  assertCanHandle(caller);
  const data = parse(openIncidentSchema, input);
  const detectedAt = data.detectedAt ?? now;
  if (detectedAt > now) throw invalid("detectedAt", "An incident cannot be detected in the future");
  const db = getDb();
  const id = await withTransaction(async (tx) => {
    const agent = await agentBySlug(tx, data.agent);
    if (data.deploymentId) await deploymentOf(tx, agent.id, data.deploymentId);
    const opened = await openIncidentIn(
      tx,
      caller,
      {
        agentId: agent.id,
        agentSlug: agent.slug,
        deploymentId: data.deploymentId ?? null,
        severity: data.severity,
        title: data.title,
        detectedAt,
      },
      now,
    );
    await refreshDoraFacts(tx, agent.id);
    return opened;
  });
  return await incidentView(db, id);
}

/** Edits an incident, and resolves it when a resolution is given. A resolved incident stays resolved. */
export async function updateIncident(caller: Caller, id: string, input: unknown, now = Date.now()): Promise<IncidentView> {
  assertCanHandle(caller);
  const data = parse(updateIncidentSchema, input);
  const db = getDb();
  await withTransaction(async (tx) => {
    const row = await first(tx.select().from(incidents).where(eq(incidents.id, id)));
    if (!row) throw new AppError("not_found", `No incident ${id}`);
    const changes: Partial<typeof incidents.$inferInsert> = {};
    const events: AuditInput[] = [];
    const actor = actorOf(caller);
    if (data.severity && data.severity !== row.severity) changes.severity = data.severity;
    if (data.title && data.title !== row.title) changes.title = data.title;
    if (data.deploymentId !== undefined && data.deploymentId !== row.deploymentId) {
      if (data.deploymentId) await deploymentOf(tx, row.agentId, data.deploymentId);
      changes.deploymentId = data.deploymentId ?? null;
    }
    if (Object.keys(changes).length) {
      const before = Object.fromEntries(Object.keys(changes).map((k) => [k, row[k as keyof typeof row]]));
      events.push({
        at: now,
        actor,
        action: "incident.updated",
        entityType: "incident",
        entityId: id,
        payload: { before, after: changes },
      });
    }
    if (data.resolution || data.resolvedAt !== undefined || data.fixChange) {
      if (row.resolvedAt !== null)
        throw new AppError("conflict", `This incident was already resolved (${row.resolution?.replace("_", " ")})`);
      if (!data.resolution) throw invalid("resolution", "Choose how the incident was resolved");
      const resolvedAt = data.resolvedAt ?? now;
      if (resolvedAt < row.detectedAt) throw invalid("resolvedAt", "An incident cannot be resolved before it was detected");
      if (resolvedAt > now) throw invalid("resolvedAt", "An incident cannot be resolved in the future");
      let fixChangeRecordId: string | null = null;
      if (data.fixChange) {
        let fix;
        try {
          fix = await findChangeRow(tx, data.fixChange);
        } catch {
          throw invalid("fixChange", `No change record ${data.fixChange}`);
        }
        if (fix.agentId !== row.agentId) throw invalid("fixChange", `${changeNumberLabel(fix.number)} changes another agent`);
        fixChangeRecordId = fix.id;
      } else if (data.resolution === "fix_forward") {
        throw invalid("fixChange", "Name the change record that fixed it forward");
      }
      Object.assign(changes, { resolvedAt, resolution: data.resolution, fixChangeRecordId });
      events.push({
        at: now,
        actor,
        action: "incident.resolved",
        entityType: "incident",
        entityId: id,
        payload: { resolution: data.resolution, resolvedAt, fixChangeRecordId },
      });
    }
    if (events.length === 0) return;
    await tx.update(incidents).set(changes).where(eq(incidents.id, id));
    await appendAuditEvents(tx, events);
    await refreshDoraFacts(tx, row.agentId);
  });
  return await incidentView(db, id);
}

export const incidentFiltersSchema = z.object({
  agent: z.string().trim().max(200).optional(),
  open: z.enum(["true", "false", "1", "0"], { error: 'open must be "true" or "false"' }).optional(),
  severity: severity.optional(),
  ...paging,
});
export type IncidentFilters = z.infer<typeof incidentFiltersSchema>;

export function parseIncidentFilters(params: SearchParamsInput): IncidentFilters {
  return parseQuery(incidentFiltersSchema, params);
}

/** Incidents, open ones first, then newest detected first. */
export async function listIncidents(caller: Caller, filters: Partial<IncidentFilters>): Promise<{ items: IncidentView[]; total: number }> {
  assertCanRead(caller);
  const db = getDb();
  const conditions: (SQL | undefined)[] = [];
  if (filters.agent) {
    // The slug is resolved first, so the count and the page read the incidents' own indexes, without a join.
    const agent = await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, filters.agent)));
    conditions.push(agent ? eq(incidents.agentId, agent.id) : sql`1 = 0`);
  }
  if (filters.open)
    conditions.push(filters.open === "true" || filters.open === "1" ? isNull(incidents.resolvedAt) : isNotNull(incidents.resolvedAt));
  if (filters.severity) conditions.push(eq(incidents.severity, filters.severity));
  const where = and(...conditions);
  const total = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(incidents)
      .where(where),
  ))!.n;
  const pageSize = filters.pageSize ?? 50;
  // The order is incidents_list_idx's, backwards, so a page is read off that index.
  const ids = (
    await db
      .select({ id: incidents.id })
      .from(incidents)
      .where(where)
      .orderBy(desc(sql`(${incidents.resolvedAt} IS NULL)`), desc(incidents.detectedAt))
      .limit(pageSize)
      .offset(((filters.page ?? 1) - 1) * pageSize)
  ).map((r) => r.id);
  return { items: await incidentViews(db, ids), total };
}

export async function getIncident(caller: Caller, id: string): Promise<IncidentView> {
  assertCanRead(caller);
  return await incidentView(getDb(), id);
}

/**
 * One incident, without asking whether the caller may read: for the use case that just wrote it, whose
 * result is its writer's to see (a deploy-only token opens an incident and is answered with it).
 */
export async function incidentView(db: Pick<DB, "select">, id: string): Promise<IncidentView> {
  const [view] = await incidentViews(db, [id]);
  if (!view) throw new AppError("not_found", `No incident ${id}`);
  return view;
}

/** Incidents linked to a change record: suspected of its deployments, or fixed by it. */
export async function incidentsOfChange(caller: Caller, changeId: string): Promise<IncidentView[]> {
  assertCanRead(caller);
  const db = getDb();
  return await incidentsOfChanges(db, [changeId]);
}

/**
 * Incidents of some change records, newest first: those suspected of one of their deployments, and
 * those they fixed. Two index lookups joined by UNION (an OR across the join read every incident).
 */
export async function incidentsOfChanges(db: DB, changeIds: string[]): Promise<IncidentView[]> {
  if (changeIds.length === 0) return [];
  const ids = sql.join(
    changeIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const found = await rows<{ id: string }>(
    sql`
    SELECT i.id AS id, i.detected_at AS "detectedAt" FROM incidents i
      JOIN deployments d ON d.id = i.deployment_id WHERE d.change_record_id IN (${ids})
    UNION
    SELECT i.id, i.detected_at FROM incidents i WHERE i.fix_change_record_id IN (${ids})
    ORDER BY "detectedAt" DESC`,
    db,
  );
  return await incidentViews(
    db,
    found.map((r) => r.id),
  );
}

async function incidentViews(db: Pick<DB, "select">, ids: string[]): Promise<IncidentView[]> {
  if (ids.length === 0) return [];
  const fix = sql<number | null>`(SELECT number FROM change_records WHERE id = ${incidents.fixChangeRecordId})`;
  const rows = await db
    .select({
      incident: incidents,
      agentSlug: agents.slug,
      agentName: agents.name,
      environment: deployments.environment,
      version: agentVersions.number,
      changeNumber: changeRecords.number,
      fixChangeNumber: fix,
      openedBy: users.email,
      tokenName: apiTokens.name,
    })
    .from(incidents)
    .innerJoin(agents, eq(agents.id, incidents.agentId))
    .leftJoin(deployments, eq(deployments.id, incidents.deploymentId))
    .leftJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
    .leftJoin(changeRecords, eq(changeRecords.id, deployments.changeRecordId))
    .leftJoin(users, eq(users.id, incidents.openedById))
    .leftJoin(apiTokens, eq(apiTokens.id, incidents.openedByTokenId))
    .where(inArray(incidents.id, ids));
  const byId = new Map(rows.map((r) => [r.incident.id, r]));
  // An unknown id has no row: it is left out, so getIncident answers not_found instead of crashing.
  return ids
    .filter((id) => byId.has(id))
    .map((id) => byId.get(id)!)
    .map((r) => ({
      id: r.incident.id,
      agent: r.agentSlug,
      agentName: r.agentName,
      deploymentId: r.incident.deploymentId,
      deployment:
        r.environment && r.version !== null ? { environment: r.environment, version: r.version, changeNumber: r.changeNumber } : null,
      severity: r.incident.severity,
      title: r.incident.title,
      detectedAt: r.incident.detectedAt,
      resolvedAt: r.incident.resolvedAt,
      resolution: r.incident.resolution,
      fixChangeNumber: r.fixChangeNumber,
      openedBy: r.openedBy ?? (r.tokenName ? `token:${r.tokenName}` : "Countersign"),
    }));
}
