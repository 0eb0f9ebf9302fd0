import "server-only";
import { and, asc, eq, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { getConnection, getDb, type DB } from "@/db";
import { agents, agentVersions, deployments, workflows } from "@/db/schema";
import { changeNumberLabel, ENVIRONMENTS, type Environment, type Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { parseAuditFilters, verifyAuditTrail } from "./audit";
import { assertCanRead, type Caller } from "./caller";
import { changeView, findChangeRow, type ChangeRecordView } from "./change-records";
import { deploymentViews, type DeploymentView } from "./deployments";
import { incidentsOfChange, type IncidentView } from "./incidents";
import { agentAsOf, compareAgentVersions, evalRunsFor, type EnvironmentState, type EvalRunView, type VersionComparison } from "./registry";

/** Evidence for auditors: what ran at an instant, and every production release of a period with its exceptions. */

type Reader = Pick<DB, "select">;

export type EvidenceApproval = {
  role: Role;
  signer: string;
  signerName: string;
  decidedAt: number;
  contentHash: string;
  /** Decided at or before the deployment it is read against. */
  precededDeployment: boolean;
  /** Someone other than the change's author (always, unless the separation of duties failed). */
  independentOfAuthor: boolean;
};

/** The approvals standing on a change: approved sign-offs on its current content hash, oldest first. */
function approvalsOf(change: ChangeRecordView, deployedAt: number): EvidenceApproval[] {
  const authorEmail = change.author.kind === "user" ? change.author.email : null;
  return change.signoffs
    .filter((s) => s.status === "approved" && s.contentHash === change.contentHash && s.signer && s.decidedAt !== null)
    .sort((a, b) => a.decidedAt! - b.decidedAt!)
    .map((s) => ({
      role: s.role,
      signer: s.signer!,
      signerName: s.signerName ?? s.signer!,
      decidedAt: s.decidedAt!,
      contentHash: s.contentHash!,
      precededDeployment: s.decidedAt! <= deployedAt,
      independentOfAuthor: s.signer !== authorEmail,
    }));
}

// ——— What ran when ———

export type RanThen = {
  state: EnvironmentState;
  /** The change record that created the version (for a rollback, the one that first released it). */
  change: ChangeRecordView | null;
  approvals: EvidenceApproval[];
  evalRuns: EvalRunView[];
  /** What the environment runs today, and how it differs from then (null: unchanged). */
  today: { version: number; deployedAt: number; comparison: VersionComparison | null };
};

export type WhatRanWhen = {
  agent: { slug: string; name: string; createdAt: number };
  at: number;
  /** False when the instant is before the agent was registered: nothing of it ran then. */
  existed: boolean;
  environments: Record<Environment, RanThen | null>;
};

/** "What ran at this instant": each environment's version then, how it got there, its evidence, and what changed since. */
export function whatRanWhen(caller: Caller, slug: string, at: number, now = Date.now()): WhatRanWhen {
  assertCanRead(caller);
  if (at > now)
    throw new AppError("bad_request", "Choose an instant in the past: what runs now is on the agent's page", { parameter: "at" });
  const db = getDb();
  const agent = db
    .select({ slug: agents.slug, name: agents.name, createdAt: agents.createdAt })
    .from(agents)
    .where(eq(agents.slug, slug))
    .get();
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  const none = { development: null, staging: null, production: null };
  if (at < agent.createdAt) return { agent, at, existed: false, environments: none };
  const then = agentAsOf(caller, slug, at).environments;
  const current = agentAsOf(caller, slug, now).environments;
  const environments = Object.fromEntries(
    ENVIRONMENTS.map((env) => {
      const state = then[env];
      const today = current[env];
      if (!state || !today) return [env, null];
      const number = state.approvedBy.changeNumber;
      const change = number === null ? null : changeView(db, findChangeRow(db, String(number)));
      return [
        env,
        {
          state,
          change,
          approvals: change ? approvalsOf(change, state.deployedAt) : [],
          evalRuns: evalRunsFor(caller, slug, state.specHash),
          today: {
            version: today.version,
            deployedAt: today.deployedAt,
            comparison: today.version === state.version ? null : compareAgentVersions(caller, slug, state.version, today.version),
          },
        } satisfies RanThen,
      ];
    }),
  ) as Record<Environment, RanThen | null>;
  return { agent, at, existed: true, environments };
}

// ——— Evidence pack ———

export const EXCEPTION_KINDS = [
  "approval_after_deployment",
  "missing_eval",
  "overdue_retro_signoff",
  "self_approval",
  "skipped_environment",
  "out_of_date_release",
  "author_released",
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];
export const EXCEPTION_LABELS: Record<ExceptionKind, string> = {
  approval_after_deployment: "approval after deployment",
  missing_eval: "missing eval",
  overdue_retro_signoff: "overdue retro sign-off",
  self_approval: "self-approval",
  skipped_environment: "skipped environment",
  out_of_date_release: "out-of-date release",
  author_released: "author released own change",
};

export type EvidenceException = { kind: ExceptionKind; label: string; detail: string };

/** An emergency release's full sign-off, given afterwards: due, completed (or still waiting, or refused), late or not. */
export type RetroSignoff = { dueAt: number; completedAt: number | null; waitingOn: Role[]; rejected: boolean; overdue: boolean };

export type EvidenceRelease = {
  deployment: DeploymentView;
  change: ChangeRecordView;
  approvals: EvidenceApproval[];
  /** Roles asked on the change and not decided yet. */
  pendingSignoffs: Role[];
  evalRuns: EvalRunView[];
  /** Set for an emergency release; `retro` when its full sign-off was left to afterwards. */
  emergency: { justification: string; retro: RetroSignoff | null } | null;
  /** Later production rollbacks that took this version out. */
  rollbacks: DeploymentView[];
  /** Incidents suspected of this deployment, or fixed by this change. */
  incidents: (IncidentView & { relation: "suspected" | "fixed" })[];
  exceptions: EvidenceException[];
};

export type EvidencePack = {
  generatedAt: number;
  /** [from, to): `to` is exclusive. */
  range: { from: number; to: number };
  filters: { workflow: string | null; agent: string | null };
  /** The audit trail's head when the pack was read, recomputed from genesis. */
  chain: { count: number; headHash: string; verified: boolean };
  exceptions: (EvidenceException & { release: { deploymentId: string; change: string; agent: string; deployedAt: number } })[];
  /** Releases with exceptions first, then the rest; each group oldest first. */
  releases: EvidenceRelease[];
};

export type EvidenceFilters = { from: number; to: number; workflow?: string; agent?: string };

/** The previous full calendar quarter (UTC) before `now`, as [from, to). */
export function previousQuarter(now: number): { from: number; to: number } {
  const d = new Date(now);
  const start = Math.floor(d.getUTCMonth() / 3) * 3;
  return { from: Date.UTC(d.getUTCFullYear(), start - 3, 1), to: Date.UTC(d.getUTCFullYear(), start, 1) };
}

const scopeSchema = z.object({
  workflow: z.string().trim().max(200, "workflow is too long").optional(),
  agent: z.string().trim().max(200, "agent is too long").optional(),
});

/**
 * The pack's filters from URL parameters: `from` and `to` as the audit log reads them (a date, or an
 * ISO-8601 time; a date as `to` includes that whole day). Neither: the previous full quarter; `from`
 * alone runs to now; `to` alone from the beginning.
 */
export function parseEvidenceFilters(params: SearchParamsInput, now = Date.now()): EvidenceFilters {
  const get = (key: string) => (params instanceof URLSearchParams ? params.get(key) : [params[key]].flat()[0]) || undefined;
  const bounds = parseAuditFilters({ from: get("from"), to: get("to") });
  const { workflow, agent } = parseQuery(scopeSchema, params);
  const quarter = previousQuarter(now);
  const none = bounds.from === undefined && bounds.to === undefined;
  const from = bounds.from ?? (none ? quarter.from : 0);
  const to = bounds.to ?? (none ? quarter.to : now + 1);
  if (to <= from) throw new AppError("bad_request", "to must be after from", { parameter: "to" });
  return { from, to, workflow, agent };
}

/** URL parameters that ask for exactly this range again: whole UTC days as dates, anything else as ISO times. */
export function evidenceRangeParams(range: { from: number; to: number }): { from: string; to: string } {
  const DAY = 86_400_000;
  if (range.from % DAY === 0 && range.to % DAY === 0)
    return { from: new Date(range.from).toISOString().slice(0, 10), to: new Date(range.to - DAY).toISOString().slice(0, 10) };
  // A time as `to` includes its own millisecond, so the exclusive bound is asked for as the one before it.
  return { from: new Date(range.from).toISOString(), to: new Date(range.to - 1).toISOString() };
}

/** The rungs below production a release should have climbed first. */
const EARLIER_ENVIRONMENTS = ["development", "staging"] as const satisfies Environment[];

/** What the promotion ladder shows of one release, read for all releases of the pack at once. */
type LadderFacts = {
  /** When the released spec first ran in each earlier environment, if it did before the release (null: never did). */
  ranBefore: Record<(typeof EARLIER_ENVIRONMENTS)[number], number | null>;
  /** The version production ran just before the release (null: nothing ran there yet). */
  replaced: { number: number; specHash: string } | null;
  /** The person or token that deployed to production is the change's author. */
  deployedByAuthor: boolean;
};

type ReleaseRow = {
  id: string;
  agentId: string;
  deployedAt: number;
  deployedById: string | null;
  deployedByTokenId: string | null;
  replacedVersionId: string | null;
};

/**
 * Two queries for every release of the pack: when each released spec first ran in development and
 * in staging (any version with the same spec hash counts: it is the same configuration), and the
 * versions production ran before each release.
 */
function ladderFactsOf(db: Reader, rows: ReleaseRow[], specHashes: Map<string, string>) {
  const firstRuns = rows.length
    ? db
        .select({
          agentId: deployments.agentId,
          environment: deployments.environment,
          specHash: agentVersions.specHash,
          firstAt: sql<number>`MIN(${deployments.deployedAt})`,
        })
        .from(deployments)
        .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
        .where(
          and(
            inArray(deployments.environment, [...EARLIER_ENVIRONMENTS]),
            inArray(deployments.agentId, [...new Set(rows.map((r) => r.agentId))]),
            inArray(agentVersions.specHash, [...new Set(specHashes.values())]),
          ),
        )
        .groupBy(deployments.agentId, deployments.environment, agentVersions.specHash)
        .all()
    : [];
  const firstRun = new Map(firstRuns.map((r) => [`${r.agentId} ${r.environment} ${r.specHash}`, r.firstAt]));
  const replacedIds = [...new Set(rows.flatMap((r) => (r.replacedVersionId ? [r.replacedVersionId] : [])))];
  const replaced = new Map(
    replacedIds.length
      ? db
          .select({ id: agentVersions.id, number: agentVersions.number, specHash: agentVersions.specHash })
          .from(agentVersions)
          .where(inArray(agentVersions.id, replacedIds))
          .all()
          .map((v) => [v.id, v])
      : [],
  );
  return (row: ReleaseRow, change: ChangeRecordView): LadderFacts => {
    const ranBefore = (env: (typeof EARLIER_ENVIRONMENTS)[number]) => {
      const at = firstRun.get(`${row.agentId} ${env} ${specHashes.get(row.id)}`);
      return at !== undefined && at < row.deployedAt ? at : null;
    };
    const previous = row.replacedVersionId ? replaced.get(row.replacedVersionId) : undefined;
    return {
      ranBefore: { development: ranBefore("development"), staging: ranBefore("staging") },
      replaced: previous ? { number: previous.number, specHash: previous.specHash } : null,
      deployedByAuthor: change.author.kind === "user" ? row.deployedById === change.author.id : row.deployedByTokenId === change.author.id,
    };
  };
}

function exceptionsOf(r: Omit<EvidenceRelease, "exceptions">, ladder: LadderFacts): EvidenceException[] {
  const found: EvidenceException[] = [];
  const add = (kind: ExceptionKind, detail: string) => found.push({ kind, label: EXCEPTION_LABELS[kind], detail });
  const at = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const late = r.approvals.filter((a) => !a.precededDeployment);
  if (late.length) {
    const who = late.map((a) => `${a.role.replace("_", " ")} (${a.signer}) at ${at(a.decidedAt)}`).join("; ");
    add(
      "approval_after_deployment",
      `${r.emergency ? "Emergency release, signed in full afterwards: " : ""}approved after the deployment at ${at(r.deployment.deployedAt)} by ${who}`,
    );
  }
  // Testing evidence counts when it existed at release time; a run recorded afterwards is listed, not counted.
  if (!r.evalRuns.some((e) => e.recordedAt <= r.deployment.deployedAt))
    add("missing_eval", `No eval run recorded on spec ${r.deployment.specHash.slice(0, 12)} before the deployment`);
  const retro = r.emergency?.retro;
  if (retro?.overdue) {
    add(
      "overdue_retro_signoff",
      retro.completedAt === null
        ? `Retro sign-off was due ${at(retro.dueAt)}; still waiting on ${retro.waitingOn.map((role) => role.replace("_", " ")).join(", ")}`
        : `Retro sign-off was due ${at(retro.dueAt)}; completed ${at(retro.completedAt)}`,
    );
  }
  for (const a of r.approvals.filter((x) => !x.independentOfAuthor))
    add("self_approval", `${a.signer}, the author, approved as ${a.role.replace("_", " ")}`);
  const skipped = EARLIER_ENVIRONMENTS.filter((env) => ladder.ranBefore[env] === null);
  if (skipped.length)
    add(
      "skipped_environment",
      `${r.emergency ? "Emergency release: skipped" : "Skipped"} ${skipped.join(" and ")}, where v${r.deployment.version} (spec ${r.deployment.specHash.slice(0, 12)}) never ran before the release`,
    );
  // Production's previous version is what the release overwrote; the reviewers saw a diff against the base.
  // A base with the same spec as that version is the same diff; a first release onto an empty production overwrote nothing.
  const base = r.change.baseVersion;
  const ran = ladder.replaced;
  if (ran && base?.specHash !== ran.specHash)
    add(
      "out_of_date_release",
      `${base ? `Based on v${base.number}` : "Proposed with no base version, as a new agent"}; production ran v${ran.number} when it was released, a version its reviewers never compared against`,
    );
  if (ladder.deployedByAuthor)
    add("author_released", `${r.deployment.deployedBy}, the author, deployed it to production (${r.change.riskTier ?? "unassessed"} risk)`);
  return found;
}

function retroOf(change: ChangeRecordView, now: number): RetroSignoff | null {
  if (change.retroSignoffDueAt === null) return null;
  const dueAt = change.retroSignoffDueAt;
  const waitingOn = change.signoffs.filter((s) => s.status === "pending").map((s) => s.role);
  // The retro review completes when the last open sign-off is approved; that moment is the change's approval.
  const completedAt = waitingOn.length === 0 ? change.approvedAt : null;
  const overdue = completedAt !== null ? completedAt > dueAt : waitingOn.length > 0 && now > dueAt;
  return { dueAt, completedAt, waitingOn, rejected: change.signoffs.some((s) => s.status === "rejected"), overdue };
}

/**
 * Every production release (a promotion or an emergency release to production) deployed in
 * [from, to), with the evidence an auditor asks for, and its exceptions. Read in one transaction, so
 * the chain head given covers every event behind the releases listed.
 */
export function evidencePack(caller: Caller, filters: EvidenceFilters, now = Date.now()): EvidencePack {
  assertCanRead(caller);
  const { sqlite } = getConnection();
  return sqlite.transaction(() => {
    const db = getDb();
    const rows = db
      .select({
        id: deployments.id,
        agentId: deployments.agentId,
        versionId: deployments.versionId,
        deployedAt: deployments.deployedAt,
        changeRecordId: deployments.changeRecordId,
        deployedById: deployments.deployedById,
        deployedByTokenId: deployments.deployedByTokenId,
        replacedVersionId: deployments.replacedVersionId,
      })
      .from(deployments)
      .innerJoin(agents, eq(agents.id, deployments.agentId))
      .innerJoin(workflows, eq(workflows.id, agents.workflowId))
      .where(
        and(
          eq(deployments.environment, "production"),
          inArray(deployments.kind, ["promote", "emergency"]),
          isNotNull(deployments.changeRecordId),
          gte(deployments.deployedAt, filters.from),
          lt(deployments.deployedAt, filters.to),
          filters.agent ? eq(agents.slug, filters.agent) : undefined,
          filters.workflow ? eq(workflows.slug, filters.workflow) : undefined,
        ),
      )
      .orderBy(asc(deployments.deployedAt), asc(sql`${deployments}.rowid`))
      .all();
    const views = new Map(
      deploymentViews(
        db,
        rows.map((r) => r.id),
      ).map((d) => [d.id, d]),
    );
    const ladderOf = ladderFactsOf(db, rows, new Map([...views.values()].map((d) => [d.id, d.specHash])));
    const rollbackRows = rows.length
      ? db
          .select({
            id: deployments.id,
            agentId: deployments.agentId,
            replacedVersionId: deployments.replacedVersionId,
            deployedAt: deployments.deployedAt,
          })
          .from(deployments)
          .where(
            and(
              eq(deployments.environment, "production"),
              eq(deployments.kind, "rollback"),
              inArray(deployments.agentId, [...new Set(rows.map((r) => r.agentId))]),
            ),
          )
          .orderBy(asc(deployments.deployedAt))
          .all()
      : [];
    const releases = rows.map((row): EvidenceRelease => {
      const deployment = views.get(row.id)!;
      const change = changeView(db, findChangeRow(db, row.changeRecordId!));
      const rollbackIds = rollbackRows
        .filter((b) => b.agentId === row.agentId && b.replacedVersionId === row.versionId && b.deployedAt >= row.deployedAt)
        .map((b) => b.id);
      const incidents = incidentsOfChange(caller, change.id).flatMap((i): EvidenceRelease["incidents"] =>
        i.deploymentId === row.id
          ? [{ ...i, relation: "suspected" }]
          : i.fixChangeNumber === change.number
            ? [{ ...i, relation: "fixed" }]
            : [],
      );
      const release = {
        deployment,
        change,
        approvals: approvalsOf(change, deployment.deployedAt),
        pendingSignoffs: change.signoffs.filter((s) => s.status === "pending").map((s) => s.role),
        evalRuns: evalRunsFor(caller, change.agent.slug, deployment.specHash),
        emergency: change.emergency ? { justification: change.emergency.justification, retro: retroOf(change, now) } : null,
        rollbacks: deploymentViews(db, rollbackIds),
        incidents,
      };
      return { ...release, exceptions: exceptionsOf(release, ladderOf(row, change)) };
    });
    releases.sort((a, b) => Number(b.exceptions.length > 0) - Number(a.exceptions.length > 0));
    const chain = verifyAuditTrail(sqlite);
    return {
      generatedAt: now,
      range: { from: filters.from, to: filters.to },
      filters: { workflow: filters.workflow ?? null, agent: filters.agent ?? null },
      chain: { count: chain.count, headHash: chain.headHash, verified: chain.ok },
      exceptions: releases.flatMap((r) =>
        r.exceptions.map((e) => ({
          ...e,
          release: {
            deploymentId: r.deployment.id,
            change: changeNumberLabel(r.change.number),
            agent: r.change.agent.slug,
            deployedAt: r.deployment.deployedAt,
          },
        })),
      ),
      releases,
    };
  })();
}
