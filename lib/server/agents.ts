import "server-only";
import { and, asc, desc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { engineOf, first, getDb, type DB } from "@/db";
import { agents, agentVersions, changeRecords, deployments, workflows } from "@/db/schema";
import {
  AGENT_STATUSES,
  type AgentStatus,
  DEFAULT_AGENT_STATUSES,
  ENVIRONMENTS,
  OPEN_CHANGE_STATES,
  PLATFORMS,
  RISK_LEVELS,
  type Environment,
  type Platform,
  type RiskLevel,
  changeNumberLabel,
} from "@/lib/domain/terms";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { assertCanRead, type Caller } from "./caller";
import { registrationChangeOf } from "./agent-lifecycle";
import { approvalsOf } from "./registry";
import type { Posture } from "./drift";
import { freshSince, hasOpenDrift, inventoryPosture, productionKind, unobservedSince } from "./inventory-posture";
import { inOrder } from "@/lib/in-order";

export const AGENT_SORTS = ["name", "platform", "workflow", "risk", "autonomy", "lastDeployed", "lastReviewed", "openChanges"] as const;
export type AgentSort = (typeof AGENT_SORTS)[number];

/** The inventory's filters, as they appear in the page URL and the API's query string. */
export const agentFiltersSchema = z.object({
  q: z.string().trim().max(200, "Search is limited to 200 characters").optional().catch(undefined),
  platform: z.enum(PLATFORMS, { error: `platform must be one of: ${PLATFORMS.join(", ")}` }).optional(),
  workflow: z.string().trim().max(100).optional(),
  risk: z.enum(RISK_LEVELS, { error: `risk must be one of: ${RISK_LEVELS.join(", ")}` }).optional(),
  /** One status, or "all"; none means the agents that run or are about to (active and proposed). */
  status: z.enum([...AGENT_STATUSES, "all"], { error: `status must be one of: ${[...AGENT_STATUSES, "all"].join(", ")}` }).optional(),
  /** "open": only agents with open drift in any environment. */
  drift: z.enum(["open"], { error: 'drift must be "open"' }).optional(),
  /** "stale": only agents running in production and not observed there within the setting. */
  observed: z.enum(["stale"], { error: 'observed must be "stale"' }).optional(),
  sort: z.enum(AGENT_SORTS, { error: `sort must be one of: ${AGENT_SORTS.join(", ")}` }).default("name"),
  dir: z.enum(["asc", "desc"], { error: 'dir must be "asc" or "desc"' }).default("asc"),
  ...paging,
});
export type AgentFilters = z.infer<typeof agentFiltersSchema>;

/** Reads filters from URL search parameters; empty values mean "no filter". Bad values are a 400 naming the parameter. */
export function parseAgentFilters(params: SearchParamsInput): AgentFilters {
  return parseQuery(agentFiltersSchema, params);
}

export type EnvironmentVersion = { version: number; specHash: string; deployedAt: number } | null;

export type AgentSummary = {
  slug: string;
  name: string;
  status: AgentStatus;
  /** The change that registers (or registered) a proposed or withdrawn agent, e.g. "CR-12". */
  registration: string | null;
  platform: Platform;
  workflow: { slug: string; name: string; riskClass: RiskLevel };
  autonomy: string;
  environments: Record<Environment, EnvironmentVersion>;
  lastDeployedAt: number | null;
  lastReviewedAt: number | null;
  openChanges: number;
  /** Who signed off the version production runs, or "standard change" when it was pre-approved. */
  productionApprovers: { role: string; name: string; email: string }[];
  productionStandardChange: string | null;
  /** Open drift, when production was last observed, and whether it is unobserved or due a review. */
  posture: Posture;
};

const openStates = sql.join(
  OPEN_CHANGE_STATES.map((s) => sql`${s}`),
  sql`, `,
);

/** The version an environment runs now is its latest deployment (ties broken by insertion order). */
const currentVersionId = (environment: Environment) =>
  sql<
    string | null
  >`(SELECT d.version_id FROM ${deployments} d WHERE d.agent_id = ${agents.id} AND d.environment = ${environment} ORDER BY d.deployed_at DESC, d.rowid DESC LIMIT 1)`;

const latestVersionId = sql<
  string | null
>`(SELECT v.id FROM ${agentVersions} v WHERE v.agent_id = ${agents.id} ORDER BY v.number DESC LIMIT 1)`;
const autonomy = sql<
  string | null
>`(SELECT v.autonomy FROM ${agentVersions} v WHERE v.id = COALESCE(${currentVersionId("production")}, ${latestVersionId}))`;
// The latest of each environment's latest deployment: three seeks down (agent, environment, deployed_at), not a scan of them all.
const latestIn = (environment: Environment) =>
  sql`COALESCE((SELECT MAX(d.deployed_at) FROM ${deployments} d WHERE d.agent_id = ${agents.id} AND d.environment = ${environment}), 0)`;
const lastDeployedAt = (db: DB) => sql<number | null>`NULLIF(${greatest(ENVIRONMENTS.map(latestIn), db)}, 0)`;
const openChanges = sql<number>`(SELECT COUNT(*) FROM ${changeRecords} c WHERE c.agent_id = ${agents.id} AND c.state IN (${openStates}))`;
const riskRank = sql`CASE ${workflows.riskClass} WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END`;
const autonomyRank = sql`CASE ${autonomy} WHEN 'read_only' THEN 0 WHEN 'bounded' THEN 1 ELSE 2 END`;

/** The largest of a few values, none of them NULL: SQLite's MAX takes several arguments, PostgreSQL's is GREATEST. */
function greatest(values: SQL[], db: DB): SQL {
  const list = sql.join(values, sql`, `);
  return engineOf(db) === "sqlite" ? sql`MAX(${list})` : sql`GREATEST(${list})`;
}

const sortKeys = (db: DB): Record<AgentSort, SQL | AnySQLiteColumn> => ({
  name: sql`${agents.name} COLLATE NOCASE`,
  platform: agents.platform,
  workflow: sql`${workflows.name} COLLATE NOCASE`,
  risk: riskRank,
  autonomy: autonomyRank,
  lastDeployed: lastDeployedAt(db),
  lastReviewed: agents.lastReviewedAt,
  openChanges,
});

const NULLABLE_SORTS = new Set<AgentSort>(["lastDeployed", "lastReviewed"]);

/** The statuses shown: one, all, or by default active and proposed (an IN on the (status, name) index). */
function statusCondition(status: AgentFilters["status"]): SQL | undefined {
  if (status === "all") return undefined;
  return status ? eq(agents.status, status) : inArray(agents.status, [...DEFAULT_AGENT_STATUSES]);
}

function whereClause(filters: AgentFilters, now: number, status: AgentFilters["status"] = filters.status): SQL | undefined {
  const conditions: (SQL | undefined)[] = [statusCondition(status)];
  if (filters.drift) conditions.push(hasOpenDrift);
  if (filters.observed) conditions.push(unobservedSince(freshSince(now)));
  if (filters.q) conditions.push(or(...[agents.name, agents.slug, agents.description].map((column) => containing(column, filters.q!))));
  if (filters.platform) conditions.push(eq(agents.platform, filters.platform));
  if (filters.workflow) conditions.push(eq(workflows.slug, filters.workflow));
  if (filters.risk) conditions.push(eq(workflows.riskClass, filters.risk));
  return and(...conditions);
}

/**
 * The column holds `text`, taken literally, whatever the case: lower() on both sides, since PostgreSQL's LIKE
 * heeds case where SQLite's does not (for ASCII letters, the only ones SQLite's lower() folds).
 */
function containing(column: SQL | AnySQLiteColumn, text: string): SQL {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`lower(${column}) LIKE lower(${pattern}) ESCAPE '\\'`;
}

async function agentRows(ids: string[]) {
  const db = getDb();
  return await db
    .select({
      id: agents.id,
      slug: agents.slug,
      name: agents.name,
      platform: agents.platform,
      status: agents.status,
      lastReviewedAt: agents.lastReviewedAt,
      workflowSlug: workflows.slug,
      workflowName: workflows.name,
      riskClass: workflows.riskClass,
      autonomy,
      lastDeployedAt: lastDeployedAt(db),
      openChanges,
      development: currentVersionId("development"),
      staging: currentVersionId("staging"),
      production: currentVersionId("production"),
      productionKind,
    })
    .from(agents)
    .innerJoin(workflows, eq(workflows.id, agents.workflowId))
    .where(inArray(agents.id, ids));
}
type AgentRow = Awaited<ReturnType<typeof agentRows>>[number];

/**
 * The agent inventory: the agents of the statuses asked (by default active and proposed) with what runs where. Any signed-in person may read it.
 * `all` returns every matching row (the CSV export) instead of one page.
 */
export async function listAgents(
  caller: Caller,
  filters: AgentFilters,
  options: { all?: boolean; now?: number } = {},
): Promise<{ items: AgentSummary[]; total: number }> {
  assertCanRead(caller);
  const db = getDb();
  const now = options.now ?? Date.now();
  const where = whereClause(filters, now);
  // Without a workflow or risk filter the count needs no join: it is read off the (status, name) index alone.
  const count = db.select({ n: sql<number>`COUNT(*)` }).from(agents);
  const total = (await first(
    filters.workflow || filters.risk ? count.innerJoin(workflows, eq(workflows.id, agents.workflowId)).where(where) : count.where(where),
  ))!.n;

  const order = filters.dir === "desc" ? desc : asc;
  // Rows with no value (never deployed, never reviewed) sort last either way.
  const sortKey = sortKeys(db)[filters.sort];
  // First the page's ids, sorted by the one key asked for; then the columns shown, for those rows only, so the
  // per-agent subqueries (versions, deployments, open changes) run fifty times rather than once per agent.
  // PostgreSQL orders a compound select by its result columns only, without a collation: it reads the (status, name)
  // index by the one query below instead.
  const idQuery =
    filters.status === undefined && filters.sort === "name" && engineOf(db) === "sqlite"
      ? // Two statuses, each read in name order off the (status, name) index and merged: the inventory is never sorted whole.
        db
          .select({ id: agents.id, name: agents.name, slug: agents.slug })
          .from(agents)
          .innerJoin(workflows, eq(workflows.id, agents.workflowId))
          .where(whereClause(filters, now, "active"))
          .unionAll(
            db
              .select({ id: agents.id, name: agents.name, slug: agents.slug })
              .from(agents)
              .innerJoin(workflows, eq(workflows.id, agents.workflowId))
              .where(whereClause(filters, now, "proposed")),
          )
          // A compound select orders by its result columns: 2 is the name, 3 the slug.
          .orderBy(order(sql`2 COLLATE NOCASE`), asc(sql`2`), asc(sql`3`))
      : db
          .select({ id: agents.id })
          .from(agents)
          .innerJoin(workflows, eq(workflows.id, agents.workflowId))
          .where(where)
          .orderBy(
            ...(NULLABLE_SORTS.has(filters.sort) ? [sql`${sortKey} IS NULL`] : []),
            order(sortKey),
            asc(agents.name),
            asc(agents.slug),
          );
  const pageIds = (options.all ? await idQuery : await idQuery.limit(filters.pageSize).offset((filters.page - 1) * filters.pageSize)).map(
    (r) => r.id,
  );
  const rowsById = new Map<string, AgentRow>();
  for (let i = 0; i < pageIds.length; i += 500) {
    for (const row of await agentRows(pageIds.slice(i, i + 500))) rowsById.set(row.id, row);
  }
  const rows = pageIds.map((id) => rowsById.get(id)!);

  const versionIds = [...new Set(rows.flatMap((r) => [r.development, r.staging, r.production]).filter((v): v is string => Boolean(v)))];
  const versions = new Map<string, { number: number; specHash: string; changeRecordId: string | null }>();
  for (let i = 0; i < versionIds.length; i += 500) {
    const slice = versionIds.slice(i, i + 500);
    for (const v of await db
      .select({
        id: agentVersions.id,
        number: agentVersions.number,
        specHash: agentVersions.specHash,
        changeRecordId: agentVersions.changeRecordId,
      })
      .from(agentVersions)
      .where(inArray(agentVersions.id, slice))) {
      versions.set(v.id, v);
    }
  }
  const deployedAt = await currentDeploymentTimes(rows.map((r) => r.id));
  const productionChange = (versionId: string | null) => (versionId ? (versions.get(versionId)?.changeRecordId ?? null) : null);
  const approvals = await approvalsOf(rows.map((r) => productionChange(r.production)));
  const posture = await inventoryPosture(rows, now);
  const envVersion = (agentId: string, env: Environment, versionId: string | null): EnvironmentVersion => {
    const v = versionId ? versions.get(versionId) : undefined;
    return v ? { version: v.number, specHash: v.specHash, deployedAt: deployedAt.get(`${agentId}:${env}`) ?? 0 } : null;
  };

  return {
    total,
    items: await inOrder(rows, async (r) => ({
      slug: r.slug,
      name: r.name,
      status: r.status,
      registration: await registrationLabel(r),
      platform: r.platform,
      workflow: { slug: r.workflowSlug, name: r.workflowName, riskClass: r.riskClass },
      autonomy: r.autonomy ?? "read_only",
      environments: Object.fromEntries(ENVIRONMENTS.map((env) => [env, envVersion(r.id, env, r[env])])) as Record<
        Environment,
        EnvironmentVersion
      >,
      lastDeployedAt: r.lastDeployedAt,
      lastReviewedAt: r.lastReviewedAt,
      openChanges: r.openChanges,
      productionApprovers: (approvals.get(productionChange(r.production) ?? "")?.approvals ?? []).map((a) => ({
        role: a.role,
        name: a.signerName,
        email: a.signer,
      })),
      productionStandardChange: approvals.get(productionChange(r.production) ?? "")?.standardChange ?? null,
      posture: posture.get(r.id)!,
    })),
  };
}

/** Only agents not yet (or never) active point to their registration: a few rows a page at most. */
async function registrationLabel(row: { id: string; status: AgentStatus }): Promise<string | null> {
  if (row.status !== "proposed" && row.status !== "withdrawn") return null;
  const change = await registrationChangeOf(getDb(), row.id);
  return change ? changeNumberLabel(change.number) : null;
}

async function currentDeploymentTimes(agentIds: string[]): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  const db = getDb();
  for (let i = 0; i < agentIds.length; i += 500) {
    const rows = await db
      .select({ agentId: deployments.agentId, environment: deployments.environment, at: sql<number>`MAX(${deployments.deployedAt})` })
      .from(deployments)
      .where(inArray(deployments.agentId, agentIds.slice(i, i + 500)))
      .groupBy(deployments.agentId, deployments.environment);
    for (const r of rows) times.set(`${r.agentId}:${r.environment}`, r.at);
  }
  return times;
}

/** The workflows the inventory can be filtered by (a handful of rows, unlike the agents). */
export async function workflowFacets(): Promise<{ slug: string; name: string; riskClass: RiskLevel }[]> {
  return await getDb()
    .select({ slug: workflows.slug, name: workflows.name, riskClass: workflows.riskClass })
    .from(workflows)
    .orderBy(asc(workflows.name));
}

export type AgentOption = { slug: string; name: string; status: AgentStatus };

export const agentSearchSchema = z.object({
  q: z.string().trim().max(200, "q is limited to 200 characters").default(""),
  limit: z.coerce.number({ error: "limit must be a whole number from 1 to 50" }).int().min(1).max(50).default(20),
  status: z.enum(["active", "all"], { error: 'status must be "active" or "all"' }).default("active"),
});
export type AgentSearch = z.infer<typeof agentSearchSchema>;

export function parseAgentSearch(params: SearchParamsInput): AgentSearch {
  return parseQuery(agentSearchSchema, params);
}

// Above every character a prefix can be followed by: the upper bound of a prefix range.
const AFTER_PREFIX = "\u{10FFFF}";

/**
 * Agents whose name or slug starts with, then contains, the query (case-insensitive, the query taken literally),
 * by name. Prefixes are ranges on the name (NOCASE) and slug indexes; substrings, only when the prefixes do not
 * fill the list, scan the name index in order and stop at the limit. Any signed-in person, or a read token, may search.
 */
export async function searchAgents(caller: Caller, search: AgentSearch): Promise<AgentOption[]> {
  assertCanRead(caller);
  const db = getDb();
  const q = search.q.toLowerCase();
  // "active" lists the agents that run or are about to: a proposed agent can already be found.
  const status = search.status === "active" ? inArray(agents.status, [...DEFAULT_AGENT_STATUSES]) : undefined;
  const columns = { slug: agents.slug, name: agents.name, status: agents.status };
  const byName = sql`${agents.name} COLLATE NOCASE`;
  const found = new Map<string, AgentOption>();
  const add = (rows: AgentOption[]) => rows.forEach((r) => found.size < search.limit && !found.has(r.slug) && found.set(r.slug, r));
  if (q) {
    const prefixes = [
      ...(await db
        .select(columns)
        .from(agents)
        .where(and(sql`${byName} >= ${q}`, sql`${byName} < ${q + AFTER_PREFIX}`, status))
        .orderBy(byName)
        .limit(search.limit)),
      ...(await db
        .select(columns)
        .from(agents)
        .where(and(sql`${agents.slug} >= ${q}`, sql`${agents.slug} < ${q + AFTER_PREFIX}`, status))
        .orderBy(agents.slug)
        .limit(search.limit)),
    ].sort((a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }));
    add(prefixes);
  }
  if (found.size < search.limit) {
    add(
      await db
        .select(columns)
        .from(agents)
        .where(and(q ? or(containing(agents.name, q), containing(agents.slug, q)) : undefined, status))
        .orderBy(byName)
        .limit(search.limit + found.size),
    );
  }
  return [...found.values()];
}

/** One agent's slug and name, for a filter that opens with ?agent=slug; null when there is no such agent. */
export async function agentOption(slug: string | null | undefined): Promise<AgentOption | null> {
  if (!slug) return null;
  return (
    (await first(
      getDb().select({ slug: agents.slug, name: agents.name, status: agents.status }).from(agents).where(eq(agents.slug, slug)),
    )) ?? null
  );
}
