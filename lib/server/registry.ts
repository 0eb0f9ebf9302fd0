import "server-only";
import { and, asc, desc, eq, inArray, lte, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { first, getDb } from "@/db";
import { agents, agentVersions, apiTokens, changeRecords, deployments, evalRuns, signoffs, users, workflows } from "@/db/schema";
import { instructionsDiff, permissionDiff, type DiffItem, type LineChange } from "@/lib/domain/permission-diff";
import type { AgentSpec } from "@/lib/domain/spec";
import { ENVIRONMENTS, type DeploymentKind, type Environment, type Platform, type RiskLevel, type Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { assertCanRead, type Caller } from "./caller";
import { inOrder } from "@/lib/in-order";

/** The agent registry: an agent's configuration record, its versions, where each runs, and how it got there. */

export type Person = { name: string; email: string };
export type Approval = { role: Role; signer: string; signerName: string; at: number };

export type VersionApprovals = {
  changeNumber: number | null;
  changeTitle: string | null;
  standardChange: string | null;
  emergency: boolean;
  approvals: Approval[];
};

export type EnvironmentState = {
  version: number;
  specHash: string;
  deployedAt: number;
  kind: DeploymentKind;
  deployedBy: string;
  /** The change record the deployment was made for (none for a rollback). */
  changeNumber: number | null;
  reason: string | null;
} & { approvedBy: VersionApprovals };

export type VersionSummary = {
  number: number;
  specHash: string;
  createdAt: number;
  createdBy: string | null;
  changeNumber: number | null;
  changeTitle: string | null;
  runningIn: Environment[];
};

export type AgentRecord = {
  slug: string;
  name: string;
  description: string;
  platform: Platform;
  status: string;
  lastReviewedAt: number | null;
  workflow: { slug: string; name: string; riskClass: RiskLevel; riskReason: string; owner: Person };
  engineeringOwner: Person;
  rollbackOwner: Person;
  environments: Record<Environment, EnvironmentState | null>;
  versions: VersionSummary[];
};

const versionParam = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a version number (1, 2, …)` })
    .int(`${name} must be a version number (1, 2, …)`)
    .min(1, `${name} must be a version number (1, 2, …)`);

/** Parses a version number from a URL; a malformed one is a 400 that names the parameter. */
export function parseVersionNumber(name: string, value: string | null | undefined): number {
  if (value === null || value === undefined || value === "") throw new AppError("bad_request", `${name} is required`, { parameter: name });
  const parsed = versionParam(name).safeParse(value);
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues[0]!.message, { parameter: name });
  return parsed.data;
}

/** Parses an ISO-8601 instant; a malformed one is a 400 that names the parameter. */
export function parseInstant(name: string, value: string | null | undefined): number {
  const time = value && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time))
    throw new AppError("bad_request", `${name} must be an ISO-8601 time, e.g. 2026-03-01T12:00:00Z`, { parameter: name });
  return time;
}

async function findAgent(slug: string) {
  const agent = await first(getDb().select().from(agents).where(eq(agents.slug, slug)));
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  return agent;
}

async function findVersion(agentId: string, slug: string, number: number) {
  const version = await first(
    getDb()
      .select()
      .from(agentVersions)
      .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.number, number))),
  );
  if (!version) throw new AppError("not_found", `Agent "${slug}" has no version ${number}`);
  return version;
}

async function people(ids: (string | null)[]): Promise<Map<string, Person>> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (wanted.length === 0) return new Map();
  return new Map(
    (await getDb().select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, wanted))).map((u) => [
      u.id,
      u,
    ]),
  );
}

/** Who approved a version: the sign-offs standing on the change record that created it. */
export async function approvalsOf(changeRecordIds: (string | null)[]): Promise<Map<string, VersionApprovals>> {
  const ids = [...new Set(changeRecordIds.filter((id): id is string => Boolean(id)))];
  const result = new Map<string, VersionApprovals>();
  if (ids.length === 0) return result;
  const db = getDb();
  const records = await db.select().from(changeRecords).where(inArray(changeRecords.id, ids));
  const signed = await db
    .select({
      changeRecordId: signoffs.changeRecordId,
      role: signoffs.role,
      at: signoffs.decidedAt,
      email: users.email,
      name: users.name,
      contentHash: signoffs.contentHash,
    })
    .from(signoffs)
    .innerJoin(users, eq(users.id, signoffs.signerId))
    .where(and(inArray(signoffs.changeRecordId, ids), eq(signoffs.status, "approved")))
    .orderBy(asc(signoffs.decidedAt));
  for (const record of records) {
    result.set(record.id, {
      changeNumber: record.number,
      changeTitle: record.title,
      standardChange: record.standardChange,
      emergency: record.emergency,
      approvals: signed
        .filter((s) => s.changeRecordId === record.id && s.contentHash === record.contentHash)
        .map((s) => ({ role: s.role, signer: s.email, signerName: s.name, at: s.at! })),
    });
  }
  return result;
}

const NO_APPROVALS: VersionApprovals = { changeNumber: null, changeTitle: null, standardChange: null, emergency: false, approvals: [] };

/**
 * What each environment ran at `at` (default: now): its latest deployment at or before that instant,
 * ties broken by the order deployments were written. Exact to the millisecond.
 */
async function environmentsAt(agentId: string, at: number | null): Promise<Record<Environment, EnvironmentState | null>> {
  const db = getDb();
  const deployChange = alias(changeRecords, "deploy_change");
  const rows = await inOrder(
    ENVIRONMENTS,
    async (environment) =>
      await first(
        db
          .select({
            environment: deployments.environment,
            deployedAt: deployments.deployedAt,
            kind: deployments.kind,
            reason: deployments.reason,
            deployedById: deployments.deployedById,
            tokenName: apiTokens.name,
            changeNumber: deployChange.number,
            version: agentVersions.number,
            specHash: agentVersions.specHash,
            versionChangeId: agentVersions.changeRecordId,
          })
          .from(deployments)
          .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
          .leftJoin(deployChange, eq(deployChange.id, deployments.changeRecordId))
          .leftJoin(apiTokens, eq(apiTokens.id, deployments.deployedByTokenId))
          .where(
            and(
              eq(deployments.agentId, agentId),
              eq(deployments.environment, environment),
              at === null ? undefined : lte(deployments.deployedAt, at),
            ),
          )
          .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
          .limit(1),
      ),
  );
  const who = await people(rows.map((r) => r?.deployedById ?? null));
  const approvals = await approvalsOf(rows.map((r) => r?.versionChangeId ?? null));
  return Object.fromEntries(
    ENVIRONMENTS.map((env, i) => {
      const r = rows[i];
      if (!r) return [env, null];
      const state: EnvironmentState = {
        version: r.version,
        specHash: r.specHash,
        deployedAt: r.deployedAt,
        kind: r.kind,
        deployedBy: r.deployedById ? (who.get(r.deployedById)?.email ?? "unknown") : r.tokenName ? `token:${r.tokenName}` : "Countersign",
        changeNumber: r.changeNumber,
        reason: r.reason,
        approvedBy: (r.versionChangeId && approvals.get(r.versionChangeId)) || NO_APPROVALS,
      };
      return [env, state];
    }),
  ) as Record<Environment, EnvironmentState | null>;
}

export async function getAgentRecord(caller: Caller, slug: string): Promise<AgentRecord> {
  assertCanRead(caller);
  const db = getDb();
  const agent = await findAgent(slug);
  const workflow = (await first(db.select().from(workflows).where(eq(workflows.id, agent.workflowId))))!;
  const owners = await people([workflow.ownerId, agent.engineeringOwnerId, agent.rollbackOwnerId]);
  const environments = await environmentsAt(agent.id, null);
  const versionRows = await db
    .select({
      number: agentVersions.number,
      specHash: agentVersions.specHash,
      createdAt: agentVersions.createdAt,
      createdById: agentVersions.createdById,
      changeNumber: changeRecords.number,
      changeTitle: changeRecords.title,
    })
    .from(agentVersions)
    .leftJoin(changeRecords, eq(changeRecords.id, agentVersions.changeRecordId))
    .where(eq(agentVersions.agentId, agent.id))
    .orderBy(desc(agentVersions.number));
  const authors = await people(versionRows.map((v) => v.createdById));
  return {
    slug: agent.slug,
    name: agent.name,
    description: agent.description,
    platform: agent.platform,
    status: agent.status,
    lastReviewedAt: agent.lastReviewedAt,
    workflow: {
      slug: workflow.slug,
      name: workflow.name,
      riskClass: workflow.riskClass,
      riskReason: workflow.riskReason,
      owner: owners.get(workflow.ownerId)!,
    },
    engineeringOwner: owners.get(agent.engineeringOwnerId)!,
    rollbackOwner: owners.get(agent.rollbackOwnerId)!,
    environments,
    versions: versionRows.map((v) => ({
      number: v.number,
      specHash: v.specHash,
      createdAt: v.createdAt,
      createdBy: v.createdById ? (authors.get(v.createdById)?.email ?? null) : null,
      changeNumber: v.changeNumber,
      changeTitle: v.changeTitle,
      runningIn: ENVIRONMENTS.filter((env) => environments[env]?.version === v.number && environments[env]?.kind !== "retire"),
    })),
  };
}

export type AgentVersionDetail = { number: number; specHash: string; spec: AgentSpec; createdAt: number; approvedBy: VersionApprovals };

export async function getAgentVersion(caller: Caller, slug: string, number: number): Promise<AgentVersionDetail> {
  assertCanRead(caller);
  const agent = await findAgent(slug);
  const version = await findVersion(agent.id, slug, number);
  const approvedBy = (version.changeRecordId && (await approvalsOf([version.changeRecordId])).get(version.changeRecordId)) || NO_APPROVALS;
  return { number: version.number, specHash: version.specHash, spec: version.spec, createdAt: version.createdAt, approvedBy };
}

export type VersionComparison = {
  from: { number: number; specHash: string };
  to: { number: number; specHash: string };
  items: DiffItem[];
  instructions: LineChange[];
};

/** Any two versions of an agent, compared: the permission diff (escalations first) and the instructions line diff. */
export async function compareAgentVersions(caller: Caller, slug: string, from: number, to: number): Promise<VersionComparison> {
  assertCanRead(caller);
  const agent = await findAgent(slug);
  const a = await findVersion(agent.id, slug, from);
  const b = await findVersion(agent.id, slug, to);
  return {
    from: { number: a.number, specHash: a.specHash },
    to: { number: b.number, specHash: b.specHash },
    items: permissionDiff(a.spec, b.spec),
    instructions: instructionsDiff(a.spec.instructions, b.spec.instructions),
  };
}

/** "What ran on date D": each environment's version at that instant, through which change, approved by whom. */
export async function agentAsOf(
  caller: Caller,
  slug: string,
  at: number,
): Promise<{ at: number; environments: Record<Environment, EnvironmentState | null> }> {
  assertCanRead(caller);
  return { at, environments: await environmentsAt((await findAgent(slug)).id, at) };
}

export type EvalRunView = {
  suite: string;
  environment: string;
  passed: number;
  failed: number;
  regressions: number;
  reportUrl: string | null;
  recordedAt: number;
};

/** What an eval run shows, wherever it is listed. */
export const EVAL_RUN_VIEW = {
  suite: evalRuns.suite,
  environment: evalRuns.environment,
  passed: evalRuns.passed,
  failed: evalRuns.failed,
  regressions: evalRuns.regressions,
  reportUrl: evalRuns.reportUrl,
  recordedAt: evalRuns.recordedAt,
};

/** The eval runs recorded for one exact spec of an agent, newest first. */
export async function evalRunsFor(caller: Caller, slug: string, specHash: string): Promise<EvalRunView[]> {
  assertCanRead(caller);
  const agent = await findAgent(slug);
  return await getDb()
    .select(EVAL_RUN_VIEW)
    .from(evalRuns)
    .where(and(eq(evalRuns.agentId, agent.id), eq(evalRuns.specHash, specHash)))
    .orderBy(desc(evalRuns.recordedAt));
}

/** An agent's most recent eval runs across its versions, newest first. */
export async function recentEvalRuns(caller: Caller, slug: string, limit = 10): Promise<(EvalRunView & { version: number | null })[]> {
  assertCanRead(caller);
  const agent = await findAgent(slug);
  return await getDb()
    .select({ ...EVAL_RUN_VIEW, version: agentVersions.number })
    .from(evalRuns)
    .leftJoin(agentVersions, and(eq(agentVersions.agentId, evalRuns.agentId), eq(agentVersions.specHash, evalRuns.specHash)))
    .where(eq(evalRuns.agentId, agent.id))
    .orderBy(desc(evalRuns.recordedAt))
    .limit(limit);
}
