import "server-only";
import { and, desc, eq, gt, gte, inArray, lt, ne, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { first, getDb, type DB } from "@/db";
import { agents, agentVersions, apiTokens, changeRecords, deployments, incidents, users } from "@/db/schema";
import { ENVIRONMENTS, type DeploymentKind, type Environment } from "@/lib/domain/terms";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { nulInParameter, withoutNul } from "@/lib/validations/nul";
import { assertCanRead, type Caller } from "./caller";
import { findChangeRow } from "./change-records";
import { inOrder } from "@/lib/in-order";

/** The deployment log: every version placed in an environment, by whom, for which change. */

export type DeploymentView = {
  id: string;
  agent: string;
  environment: Environment;
  version: number;
  specHash: string;
  kind: DeploymentKind;
  deployedAt: number;
  deployedBy: string;
  changeNumber: number | null;
  replacedVersion: number | null;
  reason: string | null;
};

type Reader = Pick<DB, "select">;

/** What an environment of an agent runs now: its latest deployment, ties broken by write order. */
export async function currentDeployment(db: Reader, agentId: string, environment: Environment) {
  return (
    (await first(
      db
        .select({ deployment: deployments, version: agentVersions })
        .from(deployments)
        .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
        .where(and(eq(deployments.agentId, agentId), eq(deployments.environment, environment)))
        .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
        .limit(1),
    )) ?? null
  );
}

/** The spec hash each environment of an agent runs now. */
export async function runningSpecs(db: Reader, agentId: string): Promise<Partial<Record<Environment, string>>> {
  return Object.fromEntries(
    (await inOrder(ENVIRONMENTS, async (env) => [env, (await currentDeployment(db, agentId, env))?.version.specHash])).filter(
      ([, hash]) => hash,
    ),
  );
}

/** The environments that have ever run a spec of this agent (by its hash, whichever version carried it). */
export async function environmentsThatRan(db: Reader, agentId: string, specHash: string): Promise<Partial<Record<Environment, boolean>>> {
  const rows = await db
    .select({ environment: deployments.environment })
    .from(deployments)
    .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
    .where(and(eq(deployments.agentId, agentId), eq(agentVersions.specHash, specHash)))
    .groupBy(deployments.environment);
  return Object.fromEntries(rows.map((r) => [r.environment, true]));
}

const instant = (name: string) =>
  z
    .string()
    .refine(
      (v) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(v) && !Number.isNaN(Date.parse(v)),
      `${name} must be an ISO-8601 date or time, e.g. 2026-03-01 or 2026-03-01T12:00:00Z`,
    )
    .transform((v) => Date.parse(v));

export const deploymentFiltersSchema = z.object({
  environment: z.enum(ENVIRONMENTS, { error: `environment must be one of: ${ENVIRONMENTS.join(", ")}` }).optional(),
  agent: z.string().trim().max(200).refine(withoutNul, nulInParameter("agent")).optional(),
  change: z.string().trim().max(200).refine(withoutNul, nulInParameter("change")).optional(),
  from: instant("from").optional(),
  to: instant("to").optional(),
  ...paging,
});
export type DeploymentFilters = z.infer<typeof deploymentFiltersSchema>;

export function parseDeploymentFilters(params: SearchParamsInput): DeploymentFilters {
  return parseQuery(deploymentFiltersSchema, params);
}

/** Deployments, newest first; `from` is inclusive and `to` exclusive. */
export async function listDeployments(
  caller: Caller,
  filters: Partial<DeploymentFilters>,
): Promise<{ items: DeploymentView[]; total: number }> {
  assertCanRead(caller);
  const db = getDb();
  // The agent is looked up once, so neither the count nor the page joins agents: a deployment's agent always exists.
  let agentId: string | undefined;
  if (filters.agent) {
    agentId = (await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, filters.agent))))?.id;
    if (!agentId) return { items: [], total: 0 };
  }
  const conditions: (SQL | undefined)[] = [
    filters.environment ? eq(deployments.environment, filters.environment) : undefined,
    agentId ? eq(deployments.agentId, agentId) : undefined,
    filters.change ? eq(deployments.changeRecordId, (await findChangeRow(db, filters.change)).id) : undefined,
    filters.from !== undefined ? gte(deployments.deployedAt, filters.from) : undefined,
    filters.to !== undefined ? lt(deployments.deployedAt, filters.to) : undefined,
  ];
  const where = and(...conditions);
  const total = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(deployments)
      .where(where),
  ))!.n;
  const pageSize = filters.pageSize ?? 50;
  // Newest first off the (deployed_at) index, whose entries end in the rowid: no sort of the whole log.
  const ids = (
    await db
      .select({ id: deployments.id })
      .from(deployments)
      .where(where)
      .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
      .limit(pageSize)
      .offset(((filters.page ?? 1) - 1) * pageSize)
  ).map((r) => r.id);
  return { items: await deploymentViews(db, ids), total };
}

export async function deploymentViews(db: Reader, ids: string[]): Promise<DeploymentView[]> {
  if (ids.length === 0) return [];
  const replaced = sql<number | null>`(SELECT number FROM agent_versions WHERE id = ${deployments.replacedVersionId})`;
  const rows = await db
    .select({
      deployment: deployments,
      slug: agents.slug,
      version: agentVersions.number,
      specHash: agentVersions.specHash,
      changeNumber: changeRecords.number,
      email: users.email,
      tokenName: apiTokens.name,
      replaced,
    })
    .from(deployments)
    .innerJoin(agents, eq(agents.id, deployments.agentId))
    .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
    .leftJoin(changeRecords, eq(changeRecords.id, deployments.changeRecordId))
    .leftJoin(users, eq(users.id, deployments.deployedById))
    .leftJoin(apiTokens, eq(apiTokens.id, deployments.deployedByTokenId))
    .where(inArray(deployments.id, ids));
  const byId = new Map(rows.map((r) => [r.deployment.id, r]));
  return ids.map((id) => {
    const r = byId.get(id)!;
    return {
      id,
      agent: r.slug,
      environment: r.deployment.environment,
      version: r.version,
      specHash: r.specHash,
      kind: r.deployment.kind,
      deployedAt: r.deployment.deployedAt,
      deployedBy: r.email ?? (r.tokenName ? `token:${r.tokenName}` : "Countersign"),
      changeNumber: r.changeNumber,
      replacedVersion: r.replaced,
      reason: r.deployment.reason,
    };
  });
}

/** The production rollback that took a version out, and the incident raised on that version's production release, if any. */
export type ProductionRollback = { deployment: DeploymentView; incident: { id: string; title: string } | null };

export async function productionRollbackOf(db: Reader, agentId: string, versionId: string): Promise<ProductionRollback | null> {
  const rolledBack = await first(
    db
      .select({ id: deployments.id })
      .from(deployments)
      .where(
        and(
          eq(deployments.agentId, agentId),
          eq(deployments.environment, "production"),
          eq(deployments.kind, "rollback"),
          eq(deployments.replacedVersionId, versionId),
        ),
      )
      .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
      .limit(1),
  );
  if (!rolledBack) return null;
  const incident = await first(
    db
      .select({ id: incidents.id, title: incidents.title })
      .from(incidents)
      .innerJoin(deployments, eq(deployments.id, incidents.deploymentId))
      .where(and(eq(incidents.agentId, agentId), eq(deployments.environment, "production"), eq(deployments.versionId, versionId)))
      .orderBy(desc(incidents.detectedAt))
      .limit(1),
  );
  return { deployment: (await deploymentViews(db, [rolledBack.id]))[0]!, incident: incident ?? null };
}

export type EnvironmentRelease = {
  environment: Environment;
  /** The change's latest deployment there; null when it never went there. */
  deployed: DeploymentView | null;
  /** The first deployment of another version after it, when there is one. */
  replacedBy: DeploymentView | null;
  /** What the environment runs now. */
  current: DeploymentView | null;
};

export type ReleaseHistory = { environments: EnvironmentRelease[]; rollback: ProductionRollback | null };

/** What happened to a change's version in each environment, and the production rollback that took it out, if one did. */
export async function releaseHistory(caller: Caller, ref: string): Promise<ReleaseHistory> {
  assertCanRead(caller);
  const db = getDb();
  const change = await findChangeRow(db, ref);
  const rowid = sql<number>`${deployments}.rowid`;
  const environments = await inOrder(ENVIRONMENTS, async (environment): Promise<EnvironmentRelease> => {
    const current = await currentDeployment(db, change.agentId, environment);
    const currentView = current ? (await deploymentViews(db, [current.deployment.id]))[0]! : null;
    const mine = await first(
      db
        .select({ id: deployments.id, versionId: deployments.versionId, deployedAt: deployments.deployedAt, rowid })
        .from(deployments)
        .where(and(eq(deployments.changeRecordId, change.id), eq(deployments.environment, environment)))
        .orderBy(desc(deployments.deployedAt), desc(rowid))
        .limit(1),
    );
    if (!mine) return { environment, deployed: null, replacedBy: null, current: currentView };
    const next = await first(
      db
        .select({ id: deployments.id })
        .from(deployments)
        .where(
          and(
            eq(deployments.agentId, change.agentId),
            eq(deployments.environment, environment),
            ne(deployments.versionId, mine.versionId),
            or(gt(deployments.deployedAt, mine.deployedAt), and(eq(deployments.deployedAt, mine.deployedAt), gt(rowid, mine.rowid))),
          ),
        )
        .orderBy(deployments.deployedAt, rowid)
        .limit(1),
    );
    const [deployed, replacedBy] = await deploymentViews(db, next ? [mine.id, next.id] : [mine.id]);
    return { environment, deployed: deployed!, replacedBy: replacedBy ?? null, current: currentView };
  });
  const rollback = change.headVersionId ? await productionRollbackOf(db, change.agentId, change.headVersionId) : null;
  return { environments, rollback };
}
