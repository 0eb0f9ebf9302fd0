import "server-only";
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { first, getDb, rows, withSnapshot, type DB } from "@/db";
import { agents, agentVersions, deployments } from "@/db/schema";
import { changeNumberLabel, ENVIRONMENTS, type Environment, type Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { parseAuditFilters } from "./audit";
import { auditChainStatus, type AuditChainStatus } from "./audit-verification";
import { assertCanRead, type Caller } from "./caller";
import { changeView, findChangeRow } from "./change-records";
import type { DeploymentView } from "./deployments";
import { breachDetail, breachedCount, breachesOfReleases, type ReleaseBreach } from "./evidence-breaches";
import { driftDetail, driftedCount, driftOfReleases, type ReleaseDrift } from "./evidence-drift";
import { anyException, exceptionConditions, loadReleases, type EvidenceChange, type ReleaseRow } from "./evidence-releases";
import type { IncidentView } from "./incidents";
import { agentAsOf, compareAgentVersions, evalRunsFor, type EnvironmentState, type EvalRunView, type VersionComparison } from "./registry";
import { inOrder } from "@/lib/in-order";
import { unindexed } from "./sql-dialect";

export type { EvidenceChange };

/** Evidence for auditors: what ran at an instant, and every production release of a period with its exceptions. */

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
function approvalsOf(change: EvidenceChange, deployedAt: number): EvidenceApproval[] {
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
  change: Awaited<ReturnType<typeof changeView>> | null;
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
export async function whatRanWhen(caller: Caller, slug: string, at: number, now = Date.now()): Promise<WhatRanWhen> {
  assertCanRead(caller);
  if (at > now)
    throw new AppError("bad_request", "Choose an instant in the past: what runs now is on the agent's page", { parameter: "at" });
  const db = getDb();
  const agent = await first(
    db.select({ slug: agents.slug, name: agents.name, createdAt: agents.createdAt }).from(agents).where(eq(agents.slug, slug)),
  );
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  const none = { development: null, staging: null, production: null };
  if (at < agent.createdAt) return { agent, at, existed: false, environments: none };
  const then = (await agentAsOf(caller, slug, at)).environments;
  const current = (await agentAsOf(caller, slug, now)).environments;
  const environments = Object.fromEntries(
    await inOrder(ENVIRONMENTS, async (env) => {
      const state = then[env];
      const today = current[env];
      if (!state || !today) return [env, null];
      const number = state.approvedBy.changeNumber;
      const change = number === null ? null : await changeView(db, await findChangeRow(db, String(number)));
      return [
        env,
        {
          state,
          change,
          approvals: change ? approvalsOf(change, state.deployedAt) : [],
          evalRuns: await evalRunsFor(caller, slug, state.specHash),
          today: {
            version: today.version,
            deployedAt: today.deployedAt,
            comparison: today.version === state.version ? null : await compareAgentVersions(caller, slug, state.version, today.version),
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
  "drift",
  "runtime_breach",
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
  drift: "drift in production",
  runtime_breach: "runtime breach",
};

/**
 * `drift`: set on a drift exception, the record production was observed in while the release ran.
 * `breach`: set on a runtime breach exception, the breach record of the release's version in production.
 */
export type EvidenceException = { kind: ExceptionKind; label: string; detail: string; drift?: ReleaseDrift; breach?: ReleaseBreach };

/** An emergency release's full sign-off, given afterwards: due, completed (or still waiting, or refused), late or not. */
export type RetroSignoff = { dueAt: number; completedAt: number | null; waitingOn: Role[]; rejected: boolean; overdue: boolean };

export type EvidenceRelease = {
  deployment: DeploymentView;
  change: EvidenceChange;
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
  /** What its version broke in production, from runtime traces and signals: each breach record, oldest first. */
  breaches: ReleaseBreach[];
  exceptions: EvidenceException[];
};

export type EvidencePack = {
  generatedAt: number;
  /** [from, to): `to` is exclusive. */
  range: { from: number; to: number };
  filters: { workflow: string | null; agent: string | null; exception: ExceptionKind | null };
  /**
   * The audit trail's head when the pack was read, and what is known of it: `verified` when the events
   * appended since the last full verification follow from it, and that full verification found it intact
   * (`verification` says when, and how many events each covered).
   */
  chain: { count: number; headHash: string; verified: boolean; verification: AuditChainStatus };
  exceptions: (EvidenceException & { release: { deploymentId: string; change: string; agent: string; deployedAt: number } })[];
  /** Releases with exceptions first, then the rest; each group oldest first. */
  releases: EvidenceRelease[];
};

/** `exception`: only the releases with an exception of that kind (the totals still count the whole range). */
export type EvidenceFilters = { from: number; to: number; workflow?: string; agent?: string; exception?: ExceptionKind };

/** The previous full calendar quarter (UTC) before `now`, as [from, to). */
export function previousQuarter(now: number): { from: number; to: number } {
  const d = new Date(now);
  const start = Math.floor(d.getUTCMonth() / 3) * 3;
  return { from: Date.UTC(d.getUTCFullYear(), start - 3, 1), to: Date.UTC(d.getUTCFullYear(), start, 1) };
}

export const scopeSchema = z.object({
  exception: z.enum(EXCEPTION_KINDS, { error: `exception must be one of ${EXCEPTION_KINDS.join(", ")}` }).optional(),
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
  const { workflow, agent, exception } = parseQuery(scopeSchema, params);
  const quarter = previousQuarter(now);
  const none = bounds.from === undefined && bounds.to === undefined;
  const from = bounds.from ?? (none ? quarter.from : 0);
  const to = bounds.to ?? (none ? quarter.to : now + 1);
  if (to <= from) throw new AppError("bad_request", "to must be after from", { parameter: "to" });
  return { from, to, workflow, agent, ...(exception ? { exception } : {}) };
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

/** What the promotion ladder shows of one release, read for a whole batch of releases at once. */
type LadderFacts = {
  /** When the released spec first ran in each earlier environment, if it did before the release (null: never did). */
  ranBefore: Record<(typeof EARLIER_ENVIRONMENTS)[number], number | null>;
  /** The version production ran just before the release (null: nothing ran there yet). */
  replaced: { number: number; specHash: string } | null;
  /** The person or token that deployed to production is the change's author. */
  deployedByAuthor: boolean;
};

/**
 * Two queries for a batch of releases: when each released spec first ran in development and in
 * staging (any version with the same spec hash counts: it is the same configuration), and the
 * versions production ran before each release.
 */
async function ladderFactsOf(db: DB, releases: ReleaseRow[], specHashes: Map<string, string>) {
  const firstRuns = releases.length
    ? await db
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
            inArray(deployments.agentId, [...new Set(releases.map((r) => r.agentId))]),
            inArray(agentVersions.specHash, [...new Set(specHashes.values())]),
          ),
        )
        .groupBy(deployments.agentId, deployments.environment, agentVersions.specHash)
    : [];
  const firstRun = new Map(firstRuns.map((r) => [`${r.agentId} ${r.environment} ${r.specHash}`, r.firstAt]));
  const replacedIds = [...new Set(releases.flatMap((r) => (r.replacedVersionId ? [r.replacedVersionId] : [])))];
  const replaced = new Map(
    replacedIds.length
      ? (
          await db
            .select({ id: agentVersions.id, number: agentVersions.number, specHash: agentVersions.specHash })
            .from(agentVersions)
            .where(inArray(agentVersions.id, replacedIds))
        ).map((v) => [v.id, v])
      : [],
  );
  return (row: ReleaseRow, change: EvidenceChange): LadderFacts => {
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

function exceptionsOf(r: Omit<EvidenceRelease, "exceptions">, ladder: LadderFacts, drifts: ReleaseDrift[]): EvidenceException[] {
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
  for (const drift of drifts) found.push({ kind: "drift", label: EXCEPTION_LABELS.drift, detail: driftDetail(drift), drift });
  for (const breach of r.breaches)
    found.push({ kind: "runtime_breach", label: EXCEPTION_LABELS.runtime_breach, detail: breachDetail(breach), breach });
  return found;
}

function retroOf(change: EvidenceChange, now: number): RetroSignoff | null {
  if (change.retroSignoffDueAt === null) return null;
  const dueAt = change.retroSignoffDueAt;
  const waitingOn = change.signoffs.filter((s) => s.status === "pending").map((s) => s.role);
  // The retro review completes when the last open sign-off is approved; that moment is the change's approval.
  const completedAt = waitingOn.length === 0 ? change.approvedAt : null;
  const overdue = completedAt !== null ? completedAt > dueAt : waitingOn.length > 0 && now > dueAt;
  return { dueAt, completedAt, waitingOn, rejected: change.signoffs.some((s) => s.status === "rejected"), overdue };
}

/** A release's full evidence from what loadReleases read for its batch. */
async function completeReleases(db: DB, releases: ReleaseRow[], now: number): Promise<EvidenceRelease[]> {
  const loaded = await loadReleases(db, releases);
  const ladderOf = await ladderFactsOf(
    db,
    releases,
    new Map(loaded.map(({ release }) => [release.deployment.id, release.deployment.specHash])),
  );
  const driftOf = await driftOfReleases(db, releases, now);
  const breachesOf = await breachesOfReleases(db, releases);
  return loaded.map(({ row, release: loadedRelease }) => {
    const { change, deployment } = loadedRelease;
    const release = {
      ...loadedRelease,
      approvals: approvalsOf(change, deployment.deployedAt),
      pendingSignoffs: change.signoffs.filter((s) => s.status === "pending").map((s) => s.role),
      emergency: change.emergency ? { justification: change.emergency.justification, retro: retroOf(change, now) } : null,
      breaches: breachesOf.get(row.id) ?? [],
    };
    return {
      deployment: release.deployment,
      change: release.change,
      approvals: release.approvals,
      pendingSignoffs: release.pendingSignoffs,
      evalRuns: release.evalRuns,
      emergency: release.emergency,
      rollbacks: release.rollbacks,
      incidents: release.incidents,
      breaches: release.breaches,
      exceptions: exceptionsOf(release, ladderOf(row, change), driftOf.get(row.id) ?? []),
    };
  });
}

/** A release's place in the pack's order: releases with exceptions first (group 0), then the rest; each oldest first. */
export type ReleaseKey = { group: 0 | 1; deployedAt: number; rowid: number };

/** A page boundary as a URL parameter: "0.1751328000000.4711". */
export function encodeReleaseKey(key: ReleaseKey): string {
  return `${key.group}.${key.deployedAt}.${key.rowid}`;
}

export function decodeReleaseKey(value: string | null | undefined, parameter: string): ReleaseKey | undefined {
  if (!value) return undefined;
  const match = /^([01])\.(\d{1,15})\.(\d{1,15})$/.exec(value);
  if (!match) throw new AppError("bad_request", `${parameter} must be a page boundary given by a previous page`, { parameter });
  return { group: Number(match[1]) as 0 | 1, deployedAt: Number(match[2]), rowid: Number(match[3]) };
}

/** Reads a group's releases in order after (or, backwards, before) a release, at most `limit`. */
async function releaseRows(
  db: DB,
  filters: EvidenceFilters,
  now: number,
  group: 0 | 1,
  bound: { after?: ReleaseKey; before?: ReleaseKey },
  limit: number,
): Promise<ReleaseRow[]> {
  const flagged = anyException(now);
  const after =
    bound.after?.group === group ? sql`AND (d.deployed_at, d.rowid) > (${bound.after.deployedAt}, ${bound.after.rowid})` : sql``;
  const before =
    bound.before?.group === group ? sql`AND (d.deployed_at, d.rowid) < (${bound.before.deployedAt}, ${bound.before.rowid})` : sql``;
  const direction = bound.before ? sql`DESC` : sql`ASC`;
  const found = await rows<ReleaseRow>(
    sql`SELECT d.id AS id, d.rowid AS rowid, d.agent_id AS "agentId", d.version_id AS "versionId",
      d.deployed_at AS "deployedAt", d.change_record_id AS "changeRecordId", d.deployed_by_id AS "deployedById",
      d.deployed_by_token_id AS "deployedByTokenId", d.replaced_version_id AS "replacedVersionId"
    FROM ${releasesInRange(filters, now)}
      AND ${group === 0 ? sql`(${flagged})` : sql`NOT (${flagged})`} ${after} ${before}
    ORDER BY d.deployed_at ${direction}, d.rowid ${direction} LIMIT ${limit}`,
    db,
  );
  return bound.before ? found.reverse() : found;
}

/** The production releases of the filters' range, as tables `d` (deployment), `v` (its version) and `c` (its change). */
function releasesInRange(filters: EvidenceFilters, now: number): SQL {
  return sql`deployments d
      JOIN agents a ON a.id = d.agent_id
      JOIN workflows w ON w.id = a.workflow_id
      JOIN agent_versions v ON v.id = d.version_id
      JOIN change_records c ON c.id = d.change_record_id
    WHERE d.environment = 'production' AND d.kind IN ('promote', 'emergency')
      AND d.deployed_at >= ${filters.from} AND d.deployed_at < ${filters.to}
      ${filters.agent ? sql`AND a.slug = ${filters.agent}` : sql``}
      ${filters.workflow ? sql`AND w.slug = ${filters.workflow}` : sql``}
      ${filters.exception ? sql`AND ${exceptionConditions(now)[filters.exception]}` : sql``}`;
}

/** What the whole range holds: releases, releases with exceptions, and exceptions of each kind. */
export type EvidenceTotals = { releases: number; flagged: number; exceptions: number; byKind: Record<ExceptionKind, number> };

/** One aggregate query over the range, whatever its size: the same rules as exceptionsOf, counted by the database. */
async function evidenceTotals(db: DB, filters: EvidenceFilters, now: number): Promise<EvidenceTotals> {
  const chunks = totalsInChunks(db, filters, now);
  for (let step = await chunks.next(); ; step = await chunks.next()) if (step.done) return step.value;
}

/**
 * The totals read a chunk of releases at a time, in the pack's keyset order, each release's exceptions
 * as numbers summed here: the caller may yield to other requests between chunks.
 */
export async function* totalsInChunks(db: DB, filters: EvidenceFilters, now: number, chunk = 2_000): AsyncGenerator<void, EvidenceTotals> {
  const conditions = exceptionConditions(now);
  // Self-approvals, drift records and breach records count one exception each; the other kinds one per release
  // (a condition, which PostgreSQL answers as a boolean: counted as 1 or 0 on both engines).
  const counted: Partial<Record<ExceptionKind, SQL>> = {
    self_approval: selfApprovals(),
    drift: driftedCount,
    runtime_breach: breachedCount,
  };
  const columns = EXCEPTION_KINDS.map(
    (kind) => sql`${counted[kind] ?? sql`CASE WHEN ${conditions[kind]} THEN 1 ELSE 0 END`} AS ${sql.identifier(kind)}`,
  );
  const totals: EvidenceTotals = {
    releases: 0,
    flagged: 0,
    exceptions: 0,
    byKind: Object.fromEntries(EXCEPTION_KINDS.map((k) => [k, 0])) as Record<ExceptionKind, number>,
  };
  let after: { deployedAt: number; rowid: number } | null = null;
  for (;;) {
    const chunkRows: ({ deployedAt: number; rowid: number } & Record<ExceptionKind, number>)[] = await rows(
      sql`SELECT d.deployed_at AS "deployedAt", d.rowid AS rowid, ${sql.join(columns, sql`, `)}
      FROM ${releasesInRange({ ...filters, exception: undefined }, now)}
        ${after ? sql`AND (d.deployed_at, d.rowid) > (${after.deployedAt}, ${after.rowid})` : sql``}
      ORDER BY d.deployed_at, d.rowid LIMIT ${chunk}`,
      db,
    );
    for (const row of chunkRows) {
      const found = EXCEPTION_KINDS.reduce((n, k) => n + (row[k] ?? 0), 0);
      totals.releases++;
      if (found > 0) totals.flagged++;
      totals.exceptions += found;
      for (const k of EXCEPTION_KINDS) totals.byKind[k] += row[k] ?? 0;
    }
    if (chunkRows.length < chunk) return totals;
    after = chunkRows.at(-1)!;
    yield;
  }
}

/** Reads the totals of a range for its pages, yielding to other requests between chunks of releases. */
export async function prepareEvidenceTotals(caller: Caller, filters: EvidenceFilters, now = Date.now()): Promise<void> {
  assertCanRead(caller);
  const db = getDb();
  if (await cachedTotalsOf(db, filters, now)) return;
  // Other requests run between the chunks: a write among them would mix two states of the database,
  // so totals are kept only when nothing was written while they were read (else the page counts inline).
  const before = await totalsKey(db, filters);
  const chunks = totalsInChunks(db, filters, now);
  for (let step = await chunks.next(); ; step = await chunks.next()) {
    if (step.done) {
      if ((await totalsKey(db, filters)) === before) await keepTotals(db, filters, now, step.value);
      return;
    }
    // A SQLite statement holds the event loop while it runs: let other requests in between chunks.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Totals read every release of the range, so the pages of one range share them until something is
 * written: every write appends to the audit trail (a deployment written around the use cases still
 * moves the deployments' rowid). The clock matters only to the overdue rule, so totals read at another
 * instant still hold unless a retro sign-off of the range fell due in between.
 */
type CachedTotals = { totals: EvidenceTotals; at: number; dues: number[] };
const totalsCache = new Map<string, CachedTotals>();
async function totalsKey(db: DB, filters: EvidenceFilters): Promise<string> {
  const [version] = await rows<{ seq: number | null; rowid: number | null }>(
    sql`SELECT (SELECT MAX(seq) FROM audit_events) AS seq, (SELECT MAX(rowid) FROM deployments) AS rowid`,
    db,
  );
  return JSON.stringify([filters.from, filters.to, filters.workflow, filters.agent, version?.seq, version?.rowid]);
}

async function cachedTotalsOf(db: DB, filters: EvidenceFilters, now: number): Promise<EvidenceTotals | null> {
  const cached = totalsCache.get(await totalsKey(db, filters));
  if (!cached) return null;
  const [lo, hi] = [Math.min(cached.at, now), Math.max(cached.at, now)];
  return cached.dues.some((due) => lo <= due && due < hi) ? null : cached.totals;
}

async function keepTotals(db: DB, filters: EvidenceFilters, now: number, totals: EvidenceTotals): Promise<void> {
  const key = await totalsKey(db, filters);
  const dues = (
    await rows<{ due: number }>(
      sql`SELECT DISTINCT c.retro_signoff_due_at AS due FROM ${releasesInRange({ ...filters, exception: undefined }, now)}
        AND c.retro_signoff_due_at IS NOT NULL`,
      db,
    )
  ).map((r) => r.due);
  // A handful of ranges are read at a time; past that, start over rather than keep every one.
  if (!totalsCache.has(key) && totalsCache.size >= 32) totalsCache.clear();
  totalsCache.set(key, { totals, at: now, dues });
}

async function cachedTotals(db: DB, filters: EvidenceFilters, now: number): Promise<EvidenceTotals> {
  const cached = await cachedTotalsOf(db, filters, now);
  if (cached) return cached;
  const totals = await evidenceTotals(db, filters, now);
  await keepTotals(db, filters, now, totals);
  return totals;
}

/** A self-approval is an exception per approval (an author may approve in two roles); looked up by change, as self_approval is. */
const selfApprovals = () => sql`CASE WHEN c.author_id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM signoffs s
  WHERE s.change_record_id = c.id AND s.status = 'approved' AND s.content_hash IS NOT DISTINCT FROM c.content_hash
    AND s.signer_id IS NOT NULL AND s.decided_at IS NOT NULL AND ${unindexed(sql`s.signer_id`)} = c.author_id) END`;

/** The exceptions of some releases, each naming its release. */
export function exceptionRows(releases: EvidenceRelease[]): EvidencePack["exceptions"] {
  return releases.flatMap((r) =>
    r.exceptions.map((e) => ({
      ...e,
      release: {
        deploymentId: r.deployment.id,
        change: changeNumberLabel(r.change.number),
        agent: r.change.agent.slug,
        deployedAt: r.deployment.deployedAt,
      },
    })),
  );
}

const keyOf = (group: 0 | 1, row: ReleaseRow): ReleaseKey => ({ group, deployedAt: row.deployedAt, rowid: row.rowid });

/**
 * One page of the pack's order: after `after` (or before `before`), at most `size` releases, the
 * flagged group first. Reads one more than asked to know whether another page follows.
 */
async function pageRows(db: DB, filters: EvidenceFilters, now: number, bound: { after?: ReleaseKey; before?: ReleaseKey }, size: number) {
  const keyed: { key: ReleaseKey; row: ReleaseRow }[] = [];
  if (bound.before) {
    // Backwards: the rest group first (when the boundary is in it), then the flagged group's tail.
    for (const group of bound.before.group === 1 ? ([1, 0] as const) : ([0] as const)) {
      if (keyed.length > size) break;
      const found = await releaseRows(db, filters, now, group, { before: bound.before }, size + 1 - keyed.length);
      keyed.unshift(...found.map((row) => ({ key: keyOf(group, row), row })));
    }
    const more = keyed.length > size;
    const page = more ? keyed.slice(keyed.length - size) : keyed;
    return { page, previous: more ? page[0]!.key : null, next: page.length ? page.at(-1)!.key : null };
  }
  for (const group of bound.after?.group === 1 ? ([1] as const) : ([0, 1] as const)) {
    if (keyed.length > size) break;
    const found = await releaseRows(db, filters, now, group, { after: bound.after }, size + 1 - keyed.length);
    keyed.push(...found.map((row) => ({ key: keyOf(group, row), row })));
  }
  const more = keyed.length > size;
  const page = keyed.slice(0, size);
  return { page, next: more ? page.at(-1)!.key : null, previous: bound.after && page.length ? page[0]!.key : null };
}

export type EvidencePage = Omit<EvidencePack, "releases" | "exceptions"> & {
  /** The whole range, counted by the database. */
  totals: EvidenceTotals;
  /** This page's releases, in the pack's order. */
  releases: EvidenceRelease[];
  /** The exceptions of this page's releases. */
  exceptions: EvidencePack["exceptions"];
  /** Boundaries to pass as `after` (the next page) or `before` (the previous page); null at either end. */
  page: { size: number; next: string | null; previous: string | null };
};

export const EVIDENCE_PAGE_SIZE = 50;

/**
 * One page of the evidence pack: the range's totals from aggregate queries, and `size` releases read
 * with a fixed number of set-based queries, in the pack's order (exceptions first, then the rest,
 * each oldest first), after or before a boundary a previous page gave.
 */
export async function evidencePage(
  caller: Caller,
  filters: EvidenceFilters,
  options: { after?: ReleaseKey; before?: ReleaseKey; size?: number } = {},
  now = Date.now(),
): Promise<EvidencePage> {
  assertCanRead(caller);
  const size = Math.min(Math.max(options.size ?? EVIDENCE_PAGE_SIZE, 1), 500);
  return await withSnapshot(async (db) => {
    const { page, next, previous } = await pageRows(db, filters, now, { after: options.after, before: options.before }, size);
    const releases = await completeReleases(
      db,
      page.map((p) => p.row),
      now,
    );
    return {
      generatedAt: now,
      range: { from: filters.from, to: filters.to },
      filters: { workflow: filters.workflow ?? null, agent: filters.agent ?? null, exception: filters.exception ?? null },
      chain: await chainOf(db),
      totals: await cachedTotals(db, filters, now),
      releases,
      exceptions: exceptionRows(releases),
      page: {
        size,
        next: next && encodeReleaseKey(next),
        previous: previous && encodeReleaseKey(previous),
      },
    };
  });
}

/** The audit trail's head as this read sees it (the pack's own snapshot), and what is known of the trail: read, not recorded. */
async function chainOf(db: DB): Promise<EvidencePack["chain"]> {
  const status = await auditChainStatus(db, Date.now(), { record: false });
  return { count: status.count, headHash: status.headHash, verified: status.ok, verification: status };
}

/** The head of a pack written in batches: what it covers, read before its first release. */
export type EvidenceHeader = Omit<EvidencePack, "releases" | "exceptions"> & { totals: EvidenceTotals };

/**
 * The whole pack in batches of `batchSize` releases, in the pack's order, for a download of any size:
 * first its header, then each batch. Every batch is read in one read snapshot (`withSnapshot`), the one
 * the header describes, while others go on writing; each batch is read only once the one before it was
 * taken, and between batches it yields to the event loop, so the server answers other requests meanwhile.
 */
export async function* evidenceBatches(
  caller: Caller,
  filters: EvidenceFilters,
  now = Date.now(),
  batchSize = 100,
): AsyncGenerator<{ header: EvidenceHeader } | { releases: EvidenceRelease[] }> {
  assertCanRead(caller);
  yield* fromSnapshot<{ header: EvidenceHeader } | { releases: EvidenceRelease[] }>(async (db, emit) => {
    const chunks = totalsInChunks(db, filters, now);
    let step = await chunks.next();
    for (; !step.done; step = await chunks.next()) await new Promise((resolve) => setImmediate(resolve));
    await emit({
      header: {
        generatedAt: now,
        range: { from: filters.from, to: filters.to },
        filters: { workflow: filters.workflow ?? null, agent: filters.agent ?? null, exception: filters.exception ?? null },
        chain: await chainOf(db),
        totals: step.value,
      },
    });
    for (const group of [0, 1] as const) {
      let after: ReleaseKey | undefined;
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        const found = await releaseRows(db, filters, now, group, { after }, batchSize);
        if (found.length === 0) break;
        await emit({ releases: await completeReleases(db, found, now) });
        if (found.length < batchSize) break;
        after = keyOf(group, found.at(-1)!);
      }
    }
  });
}

/** Thrown into a snapshot's reader when whoever was taking its parts stopped taking them. */
class StoppedReading extends Error {}

/**
 * The parts `read` emits inside one read snapshot, as an async generator. A snapshot lasts as long as the
 * callback given to `withSnapshot`, so the reader runs there and hands each part over, waiting until it is
 * taken before reading the next. When the taker stops early (a download cancelled), the reader is told at
 * its next hand-over and the snapshot ends.
 */
async function* fromSnapshot<T>(read: (db: DB, emit: (part: T) => Promise<void>) => Promise<void>): AsyncGenerator<T> {
  type Offer = { part: T; taken: () => void } | null;
  let offer!: (o: Offer) => void;
  let fail!: (error: unknown) => void;
  const nextOffer = () => {
    const offered = new Promise<Offer>((resolve, reject) => ((offer = resolve), (fail = reject)));
    // An error with nobody waiting is kept for the next read of it, not reported as unhandled.
    offered.catch(() => {});
    return offered;
  };
  let offered = nextOffer();
  let stopped = false;
  let waiting: (() => void) | null = null;
  const reading = withSnapshot((db) =>
    read(db, async (part) => {
      if (stopped) throw new StoppedReading();
      await new Promise<void>((taken) => offer({ part, taken: (waiting = taken) }));
      waiting = null;
      if (stopped) throw new StoppedReading();
    }),
  ).then(
    () => offer(null),
    (error: unknown) => fail(error),
  );
  try {
    for (;;) {
      const current = await offered;
      if (!current) return;
      offered = nextOffer();
      yield current.part;
      current.taken();
    }
  } finally {
    stopped = true;
    (waiting as (() => void) | null)?.();
    await reading;
  }
}

/**
 * Every production release (a promotion or an emergency release to production) deployed in
 * [from, to), with the evidence an auditor asks for, and its exceptions, all at once: for a range
 * small enough to hold in memory (the page and the download read it in batches instead).
 */
export async function evidencePack(caller: Caller, filters: EvidenceFilters, now = Date.now()): Promise<EvidencePack> {
  assertCanRead(caller);
  return await withSnapshot(async (db) => {
    const releases: EvidenceRelease[] = [];
    for (const group of [0, 1] as const) {
      let after: ReleaseKey | undefined;
      for (;;) {
        const found = await releaseRows(db, filters, now, group, { after }, 500);
        releases.push(...(await completeReleases(db, found, now)));
        if (found.length < 500) break;
        after = keyOf(group, found.at(-1)!);
      }
    }
    return {
      generatedAt: now,
      range: { from: filters.from, to: filters.to },
      filters: { workflow: filters.workflow ?? null, agent: filters.agent ?? null, exception: filters.exception ?? null },
      chain: await chainOf(db),
      exceptions: exceptionRows(releases),
      releases,
    };
  });
}
