import "server-only";
import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { rows, type DB } from "@/db";
import { agents, agentVersions, apiTokens, changeRecords, evalRuns, policies, signoffs, users, workflows } from "@/db/schema";
import { DEFAULT_POLICY, type SignoffPolicy } from "@/lib/domain/signoff-policy";
import { changeNumberLabel } from "@/lib/domain/terms";
import {
  assessedWorkflow,
  assessRow,
  changeView,
  findChangeRow,
  type ChangeRecordView,
  type ChangeRow,
  type SignoffView,
} from "./change-records";
import { deploymentViews } from "./deployments";
import { incidentsOfChanges } from "./incidents";
import { EVAL_RUN_VIEW, type EvalRunView } from "./registry";
import { breachedCondition } from "./evidence-breaches";
import { driftedCondition } from "./evidence-drift";
import { indexedBy, unindexed } from "./sql-dialect";
import type { EvidenceRelease, ExceptionKind } from "./evidence";

/** What the pack shows of a change record: its identity, content, author, risk and sign-offs. */
export type EvidenceChange = Pick<
  ChangeRecordView,
  | "id"
  | "number"
  | "label"
  | "state"
  | "agent"
  | "title"
  | "rationale"
  | "specHash"
  | "headVersion"
  | "baseVersion"
  | "riskTier"
  | "riskReasons"
  | "standardChange"
  | "contentHash"
  | "emergency"
  | "author"
  | "approvedAt"
  | "retroSignoffDueAt"
> & { signoffs: Pick<SignoffView, "role" | "status" | "signer" | "signerName" | "contentHash" | "decidedAt">[] };

export function evidenceChangeOf(view: ChangeRecordView): EvidenceChange {
  return {
    id: view.id,
    number: view.number,
    label: view.label,
    state: view.state,
    agent: view.agent,
    title: view.title,
    rationale: view.rationale,
    specHash: view.specHash,
    headVersion: view.headVersion,
    baseVersion: view.baseVersion,
    riskTier: view.riskTier,
    riskReasons: view.riskReasons,
    standardChange: view.standardChange,
    contentHash: view.contentHash,
    emergency: view.emergency,
    author: view.author,
    approvedAt: view.approvedAt,
    retroSignoffDueAt: view.retroSignoffDueAt,
    signoffs: view.signoffs.map((s) => ({
      role: s.role,
      status: s.status,
      signer: s.signer,
      signerName: s.signerName,
      contentHash: s.contentHash,
      decidedAt: s.decidedAt,
    })),
  };
}

/**
 * The evidence of a batch of production releases, read with a fixed number of set-based queries
 * (whatever the batch's size), and the exceptions of a whole range as SQL, so that a page can be
 * ordered, counted and totalled without reading every release.
 */

/** A production release as the pack's keyset reads it: `rowid` breaks ties between equal times. */
export type ReleaseRow = {
  id: string;
  rowid: number;
  agentId: string;
  versionId: string;
  deployedAt: number;
  changeRecordId: string;
  deployedById: string | null;
  deployedByTokenId: string | null;
  replacedVersionId: string | null;
};

/**
 * Each exception kind as a condition on a release `d` (its version `v`, its change `c`), the same rule
 * as exceptionsOf, so a range can be counted and ordered by its exceptions in the database.
 * evidence-releases.test.ts holds the two to the same answer on every release of the demo estate.
 * `IS NOT DISTINCT FROM` is SQLite's `IS` (equal, NULLs included), spelled so PostgreSQL reads it too.
 */
export function exceptionConditions(now: number): Record<ExceptionKind, SQL> {
  const approved = sql`s.change_record_id = c.id AND s.status = 'approved' AND s.content_hash IS NOT DISTINCT FROM c.content_hash
    AND s.signer_id IS NOT NULL AND s.decided_at IS NOT NULL`;
  const pending = sql`EXISTS (SELECT 1 FROM signoffs s WHERE s.change_record_id = c.id AND s.status = 'pending')`;
  const ranBefore = (environment: string) => sql`EXISTS (SELECT 1 FROM deployments d2
    JOIN agent_versions v2 ON v2.id = d2.version_id
    WHERE d2.agent_id = d.agent_id AND d2.environment = ${environment} AND d2.deployed_at < d.deployed_at AND v2.spec_hash = v.spec_hash)`;
  return {
    approval_after_deployment: sql`EXISTS (SELECT 1 FROM signoffs s WHERE ${approved} AND s.decided_at > d.deployed_at)`,
    missing_eval: sql`NOT EXISTS (SELECT 1 FROM eval_runs e
      WHERE e.agent_id = d.agent_id AND e.spec_hash = v.spec_hash AND e.recorded_at <= d.deployed_at)`,
    overdue_retro_signoff: sql`(c.emergency AND c.retro_signoff_due_at IS NOT NULL AND CASE WHEN ${pending}
      THEN ${now} > c.retro_signoff_due_at ELSE c.approved_at IS NOT NULL AND c.approved_at > c.retro_signoff_due_at END)`,
    // Look the sign-offs up by change, not by signer (one person signs thousands of changes).
    self_approval: sql`(c.author_id IS NOT NULL AND EXISTS (SELECT 1 FROM signoffs s WHERE ${approved} AND ${unindexed(sql`s.signer_id`)} = c.author_id))`,
    skipped_environment: sql`(NOT ${ranBefore("development")} OR NOT ${ranBefore("staging")})`,
    out_of_date_release: sql`(d.replaced_version_id IS NOT NULL AND (c.base_version_id IS NULL
      OR (SELECT spec_hash FROM agent_versions WHERE id = c.base_version_id)
        IS DISTINCT FROM (SELECT spec_hash FROM agent_versions WHERE id = d.replaced_version_id)))`,
    author_released: sql`(CASE WHEN c.author_id IS NOT NULL THEN d.deployed_by_id IS NOT DISTINCT FROM c.author_id
      ELSE d.deployed_by_token_id IS NOT DISTINCT FROM c.author_token_id END)`,
    drift: driftedCondition,
    runtime_breach: breachedCondition,
  };
}

/** Any exception at all: the cheap and frequent rules first, since SQLite stops at the first that holds. */
export function anyException(now: number): SQL {
  const c = exceptionConditions(now);
  const order: ExceptionKind[] = [
    "author_released",
    "out_of_date_release",
    "overdue_retro_signoff",
    "drift",
    "runtime_breach",
    "missing_eval",
    "approval_after_deployment",
    "self_approval",
    "skipped_environment",
  ];
  return sql`(${sql.join(
    order.map((kind) => c[kind]),
    sql` OR `,
  )})`;
}

/** The changes behind a batch of releases, as the pack shows them: five queries for the whole batch. */
async function evidenceChanges(db: DB, ids: string[]): Promise<Map<string, EvidenceChange>> {
  const rows = await db.select().from(changeRecords).where(inArray(changeRecords.id, ids));
  const agentRows = await db
    .select({ agent: agents, workflow: workflows })
    .from(agents)
    .innerJoin(workflows, eq(workflows.id, agents.workflowId))
    .where(inArray(agents.id, [...new Set(rows.map((r) => r.agentId))]));
  const agentOf = new Map(agentRows.map((a) => [a.agent.id, a]));
  const versionIds = [...new Set(rows.flatMap((r) => [r.baseVersionId, r.headVersionId]).filter((v): v is string => Boolean(v)))];
  const versions = new Map(
    (versionIds.length ? await db.select().from(agentVersions).where(inArray(agentVersions.id, versionIds)) : []).map((v) => [v.id, v]),
  );
  const signoffRows = await db.select().from(signoffs).where(inArray(signoffs.changeRecordId, ids));
  const peopleIds = [
    ...new Set([...rows.map((r) => r.authorId), ...signoffRows.map((s) => s.signerId)].filter((v): v is string => Boolean(v))),
  ];
  const people = new Map((peopleIds.length ? await db.select().from(users).where(inArray(users.id, peopleIds)) : []).map((u) => [u.id, u]));
  const tokenIds = [...new Set(rows.map((r) => r.authorTokenId).filter((v): v is string => Boolean(v)))];
  const tokens = new Map(
    (tokenIds.length ? await db.select().from(apiTokens).where(inArray(apiTokens.id, tokenIds)) : []).map((t) => [t.id, t]),
  );
  const policyVersions = [...new Set(rows.map((r) => r.policyVersion).filter((v): v is number => Boolean(v)))];
  const policyOf = new Map(
    (policyVersions.length ? await db.select().from(policies).where(inArray(policies.version, policyVersions)) : []).map((p) => [
      p.version,
      p.document as unknown as SignoffPolicy,
    ]),
  );
  const signoffsOf = new Map<string, typeof signoffRows>();
  for (const s of signoffRows) signoffsOf.set(s.changeRecordId, [...(signoffsOf.get(s.changeRecordId) ?? []), s]);

  const views = new Map<string, EvidenceChange>();
  for (const row of rows) {
    // An open change is compared with what production runs now: rare among releases, so read one by one.
    if (["draft", "in_review", "approved"].includes(row.state)) {
      views.set(row.id, evidenceChangeOf(await changeView(db, await findChangeRow(db, row.id))));
      continue;
    }
    views.set(row.id, closedChangeView(row, { agentOf, versions, people, tokens, policyOf, signoffs: signoffsOf.get(row.id) ?? [] }));
  }
  return views;
}

type Loaded = {
  agentOf: Map<string, { agent: typeof agents.$inferSelect; workflow: typeof workflows.$inferSelect }>;
  versions: Map<string, typeof agentVersions.$inferSelect>;
  people: Map<string, typeof users.$inferSelect>;
  tokens: Map<string, typeof apiTokens.$inferSelect>;
  policyOf: Map<number, SignoffPolicy>;
  signoffs: (typeof signoffs.$inferSelect)[];
};

/** What changeView shows of a closed change (its comparison is its recorded base), from rows already read. */
function closedChangeView(row: ChangeRow, loaded: Loaded): EvidenceChange {
  const { agent, workflow } = loaded.agentOf.get(row.agentId)!;
  const base = row.baseVersionId ? (loaded.versions.get(row.baseVersionId) ?? null) : null;
  const head = row.headVersionId ? (loaded.versions.get(row.headVersionId) ?? null) : null;
  const policy = row.policyVersion ? (loaded.policyOf.get(row.policyVersion) ?? DEFAULT_POLICY) : DEFAULT_POLICY;
  const assessment = assessRow(
    row,
    { workflow: assessedWorkflow(row, workflow), base: base?.spec ?? null, head: head?.spec ?? null },
    policy,
  );
  const author = row.authorId ? loaded.people.get(row.authorId)! : null;
  return {
    id: row.id,
    number: row.number,
    label: changeNumberLabel(row.number),
    state: row.state,
    agent: { slug: agent.slug, name: agent.name, workflow: { name: workflow.name, riskClass: workflow.riskClass } },
    title: row.title,
    rationale: row.rationale,
    specHash: head?.specHash ?? null,
    headVersion: head?.number ?? null,
    baseVersion: base ? { number: base.number, specHash: base.specHash, spec: base.spec } : null,
    riskTier: assessment?.tier ?? row.riskTier,
    riskReasons: assessment?.reasons ?? row.riskReasons,
    standardChange: row.submittedAt ? row.standardChange : (assessment?.standardChange?.name ?? null),
    contentHash: row.contentHash,
    emergency: row.emergency ? { justification: row.emergencyJustification ?? "" } : null,
    author: author
      ? { kind: "user", id: author.id, email: author.email, name: author.name }
      : { kind: "token", id: row.authorTokenId!, name: loaded.tokens.get(row.authorTokenId!)?.name ?? "API token" },
    signoffs: [...loaded.signoffs]
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((s) => ({
        role: s.role,
        status: s.status,
        signer: s.signerId ? (loaded.people.get(s.signerId)?.email ?? null) : null,
        signerName: s.signerId ? (loaded.people.get(s.signerId)?.name ?? null) : null,
        contentHash: s.contentHash,
        decidedAt: s.decidedAt,
      })),
    approvedAt: row.approvedAt,
    retroSignoffDueAt: row.retroSignoffDueAt,
  };
}

/** Everything a batch of releases shows except its exceptions, which the caller derives from it. */
export async function loadReleases(
  db: DB,
  releases: ReleaseRow[],
): Promise<
  { release: Omit<EvidenceRelease, "exceptions" | "approvals" | "pendingSignoffs" | "emergency" | "breaches">; row: ReleaseRow }[]
> {
  if (releases.length === 0) return [];
  const views = new Map(
    (
      await deploymentViews(
        db,
        releases.map((r) => r.id),
      )
    ).map((d) => [d.id, d]),
  );
  const changes = await evidenceChanges(db, [...new Set(releases.map((r) => r.changeRecordId))]);
  const agentIds = [...new Set(releases.map((r) => r.agentId))];
  const specHashes = [...new Set([...views.values()].map((d) => d.specHash))];
  const runs = await db
    .select({
      agentId: evalRuns.agentId,
      specHash: evalRuns.specHash,
      ...EVAL_RUN_VIEW,
    })
    .from(evalRuns)
    .where(and(inArray(evalRuns.agentId, agentIds), inArray(evalRuns.specHash, specHashes)))
    .orderBy(desc(evalRuns.recordedAt));
  const runsOf = new Map<string, EvalRunView[]>();
  for (const { agentId, specHash, ...run } of runs)
    runsOf.set(`${agentId} ${specHash}`, [...(runsOf.get(`${agentId} ${specHash}`) ?? []), run]);
  // By agent: the planner would otherwise walk every production deployment by time to find a few rollbacks.
  const rollbackRows = await rows<{ id: string; agentId: string; replacedVersionId: string | null; deployedAt: number }>(
    sql`
    SELECT id, agent_id AS "agentId", replaced_version_id AS "replacedVersionId", deployed_at AS "deployedAt"
    FROM deployments ${indexedBy("deployments_agent_env_idx", db)}
    WHERE agent_id IN ${agentIds} AND environment = 'production' AND kind = 'rollback'
      AND replaced_version_id IN ${[...new Set(releases.map((r) => r.versionId))]}
    ORDER BY deployed_at, rowid`,
    db,
  );
  const rollbackViews = new Map(
    (
      await deploymentViews(
        db,
        rollbackRows.map((b) => b.id),
      )
    ).map((d) => [d.id, d]),
  );
  // Newest first, as incidentsOfChange lists them: suspected of this very deployment, else fixed by its change.
  const incidentsOf = new Map<string, EvidenceRelease["incidents"]>(releases.map((r) => [r.id, []]));
  const releasesOfChange = new Map<number, ReleaseRow[]>();
  for (const r of releases) {
    const number = changes.get(r.changeRecordId)!.number;
    releasesOfChange.set(number, [...(releasesOfChange.get(number) ?? []), r]);
  }
  for (const i of await incidentsOfChanges(db, [...changes.keys()])) {
    if (i.deploymentId && incidentsOf.has(i.deploymentId)) incidentsOf.get(i.deploymentId)!.push({ ...i, relation: "suspected" });
    for (const r of i.fixChangeNumber === null ? [] : (releasesOfChange.get(i.fixChangeNumber) ?? []))
      if (r.id !== i.deploymentId) incidentsOf.get(r.id)!.push({ ...i, relation: "fixed" });
  }
  return releases.map((row) => {
    const deployment = views.get(row.id)!;
    const change = changes.get(row.changeRecordId)!;
    return {
      row,
      release: {
        deployment,
        change,
        evalRuns: runsOf.get(`${row.agentId} ${deployment.specHash}`) ?? [],
        rollbacks: rollbackRows
          .filter((b) => b.agentId === row.agentId && b.replacedVersionId === row.versionId && b.deployedAt >= row.deployedAt)
          .map((b) => rollbackViews.get(b.id)!),
        incidents: incidentsOf.get(row.id)!,
      },
    };
  });
}
