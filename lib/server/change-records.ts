import { first } from "@/db";
import "server-only";
import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { DB } from "@/db";
import { agents, agentVersions, apiTokens, auditEvents, changeRecords, policies, signoffs, users, workflows } from "@/db/schema";
import { assessChange, type ChangeAssessment } from "@/lib/domain/change-assessment";
import { changeContentHash } from "@/lib/domain/change-content";
import { submissionProblems, type FieldErrors } from "@/lib/domain/change-record";
import type { DiffItem } from "@/lib/domain/permission-diff";
import { LIMITS, tooLong, unsafeShape } from "@/lib/domain/input-limits";
import { DEFAULT_POLICY, type SignoffPolicy } from "@/lib/domain/signoff-policy";
import { parseSpecText, specToYaml, validateSpec, type AgentSpec, type SpecIssue } from "@/lib/domain/spec";
import { changeNumberLabel, type ChangeState, type RiskLevel, type Role, type SignoffStatus } from "@/lib/domain/terms";
import { isOutOfDate } from "@/lib/domain/promotion-gates";
import { AppError } from "@/lib/errors";
import { currentDeployment } from "./deployments";

/** Reading a change record whole: its specs, its assessment, its sign-offs — the one shape pages and the API share. */

export type ChangeRow = typeof changeRecords.$inferSelect;
type Reader = Pick<DB, "select">;

export type SignoffView = {
  id: string;
  role: Role;
  reason: string;
  status: SignoffStatus;
  signer: string | null;
  signerName: string | null;
  comment: string | null;
  contentHash: string | null;
  decidedAt: number | null;
  dismissedAt: number | null;
  dismissedReason: string | null;
  /** What it was when dismissed: pending, or the decision that became history. */
  dismissedStatus: SignoffStatus | null;
  /** The head version the signer reviewed. */
  reviewedVersion: number | null;
  createdAt: number;
};

export type ChangeRecordView = {
  id: string;
  number: number;
  label: string;
  state: ChangeState;
  agent: { slug: string; name: string; workflow: { name: string; riskClass: RiskLevel } };
  title: string;
  rationale: string;
  /** Retires the agent: released, nothing of it runs in any environment. Its spec is the one it retires. */
  retire: boolean;
  spec: AgentSpec | null;
  /** The spec as the author last typed it, when it does not parse yet (drafts only). */
  specText: string | null;
  specIssues: SpecIssue[];
  specHash: string | null;
  headVersion: number | null;
  /** The version the change was proposed from (or last brought up to date with). */
  baseVersion: { number: number; specHash: string; spec: AgentSpec } | null;
  /** The version its diff, tier and signers are computed against: production now, for an open change. */
  comparedWith: { number: number; specHash: string; spec: AgentSpec; isProduction: boolean } | null;
  /** Production no longer runs the base: the change must be updated from production before it is promoted. */
  outOfDate: boolean;
  /** What production runs now, through which change, since when. */
  production: { number: number; changeLabel: string | null; since: number } | null;
  riskTier: RiskLevel | null;
  riskReasons: string[];
  raisedTier: RiskLevel | null;
  tierRaisedReason: string | null;
  permissionDiff: DiffItem[];
  requiredSignoffs: { role: Role; reason: string }[];
  standardChange: string | null;
  contentHash: string | null;
  policyVersion: number | null;
  roleImpacts: ChangeRow["roleImpacts"];
  harmMetrics: ChangeRow["harmMetrics"];
  evidence: ChangeRow["evidence"];
  /** The source branch a pipeline proposed it from; proposing again from that branch updates it. */
  branch: string | null;
  rollbackPlan: string;
  rollbackOwner: { email: string; name: string } | null;
  monitoring: string;
  emergency: { justification: string } | null;
  author: { kind: "user"; id: string; email: string; name: string } | { kind: "token"; id: string; name: string };
  signoffs: SignoffView[];
  /** What still stops the author from submitting, by field (empty when it can go to review). */
  submissionProblems: FieldErrors;
  createdAt: number;
  updatedAt: number;
  submittedAt: number | null;
  approvedAt: number | null;
  releasedAt: number | null;
  closedAt: number | null;
  /** An emergency release's full sign-off is due by then. */
  retroSignoffDueAt: number | null;
  /** Submitted under another class of its workflow than it has now: the tier stands as assessed then. */
  workflowClassChangedSince: WorkflowClassChange | null;
  /** Why the change was re-assessed or marked for it (its agent moved to a higher-class workflow); cleared by the next edit or submission. */
  reassessmentReason: string | null;
};

/** `since`: when the workflow took its present class; null when the change differs because its agent moved workflow. */
export type WorkflowClassChange = { workflow: string; assessedUnder: RiskLevel; now: RiskLevel; since: number | null };

/**
 * The workflow as a change's tier is read under: a submitted change keeps the class it was assessed
 * under (a later change of class applies to changes assessed afterwards); a draft takes today's.
 */
export function assessedWorkflow<W extends { name: string; riskClass: RiskLevel }>(
  row: Pick<ChangeRow, "state" | "assessedWorkflowClass">,
  workflow: W,
): W {
  return row.state === "draft" || !row.assessedWorkflowClass ? workflow : { ...workflow, riskClass: row.assessedWorkflowClass };
}

/**
 * The class a submitted change was assessed under, when its workflow's class differs now. `since` is when
 * the workflow took its present class, if it changed after the change was submitted; null when the
 * difference came otherwise (the agent moved to another workflow).
 */
async function workflowClassChange(
  db: Reader,
  row: Pick<ChangeRow, "state" | "assessedWorkflowClass" | "submittedAt">,
  workflow: typeof workflows.$inferSelect,
): Promise<WorkflowClassChange | null> {
  if (row.state === "draft" || !row.assessedWorkflowClass || row.assessedWorkflowClass === workflow.riskClass) return null;
  const last = await first(
    db
      .select({ at: auditEvents.at })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.entityType, "workflow"),
          eq(auditEvents.entityId, workflow.id),
          eq(auditEvents.action, "workflow.risk_class_changed"),
          gt(auditEvents.at, row.submittedAt ?? 0),
        ),
      )
      .orderBy(desc(auditEvents.seq))
      .limit(1),
  );
  return { workflow: workflow.name, assessedUnder: row.assessedWorkflowClass, now: workflow.riskClass, since: last?.at ?? null };
}

/** Finds a change record by id or by number ("CR-42" or "42"). */
export async function findChangeRow(db: Reader, ref: string): Promise<ChangeRow> {
  const match = /^(?:CR-)?(\d+)$/i.exec(ref.trim());
  const row = match
    ? await first(
        db
          .select()
          .from(changeRecords)
          .where(eq(changeRecords.number, Number(match[1]))),
      )
    : await first(db.select().from(changeRecords).where(eq(changeRecords.id, ref)));
  if (!row) throw new AppError("not_found", `No change record ${ref}`);
  return row;
}

export async function policyByVersion(db: Reader, version: number | null): Promise<SignoffPolicy> {
  if (!version) return DEFAULT_POLICY;
  const row = await first(db.select().from(policies).where(eq(policies.version, version)));
  return row ? (row.document as unknown as SignoffPolicy) : DEFAULT_POLICY;
}

/**
 * The version a new change starts from and is compared with: what production runs, else the newest
 * version that passed review. Never someone's unreviewed draft: a change diffed against a draft would
 * hide the draft's grants from its signers. None at all: the change is reviewed as a new agent.
 */
export async function baseVersionOf(db: Reader, agentId: string) {
  const production = await currentDeployment(db, agentId, "production");
  if (production) return production.version;
  const reviewed = await first(
    db
      .select({ version: agentVersions })
      .from(agentVersions)
      .innerJoin(
        changeRecords,
        and(eq(changeRecords.headVersionId, agentVersions.id), inArray(changeRecords.state, ["approved", "released", "rolled_back"])),
      )
      .where(eq(agentVersions.agentId, agentId))
      .orderBy(desc(agentVersions.number))
      .limit(1),
  );
  return reviewed?.version ?? null;
}

/**
 * The version an open change is compared with: what production runs now (its diff, tier and signers
 * describe what releasing it would do there), else the version it was proposed from. A closed change
 * keeps the comparison it was decided on: its recorded base. Pass `production` when it is already read.
 */
export async function comparisonBaseOf(
  db: Reader,
  row: Pick<ChangeRow, "agentId" | "state" | "baseVersionId">,
  known?: ProductionNow | null,
) {
  const production = known === undefined ? await productionNow(db, row.agentId) : known;
  const id = production && OPEN_STATES.includes(row.state) ? production.versionId : row.baseVersionId;
  return id ? ((await first(db.select().from(agentVersions).where(eq(agentVersions.id, id)))) ?? null) : null;
}

const OPEN_STATES: ChangeState[] = ["draft", "in_review", "approved"];

/** Out of date: production no longer runs what the change is based on (the domain's one rule). */
export function isBehindProduction(row: Pick<ChangeRow, "state" | "baseVersionId">, production: ProductionNow | null): boolean {
  return isOutOfDate(row.state, row.baseVersionId, production?.versionId ?? null);
}

export type ProductionNow = { versionId: string; number: number; changeLabel: string | null; since: number };

/** What production runs now, and the change (or rollback) that put it there: the version every open change must be based on. */
export async function productionNow(db: Reader, agentId: string): Promise<ProductionNow | null> {
  const current = await currentDeployment(db, agentId, "production");
  if (!current) return null;
  const { deployment, version } = current;
  const change = deployment.changeRecordId
    ? await first(db.select({ number: changeRecords.number }).from(changeRecords).where(eq(changeRecords.id, deployment.changeRecordId)))
    : undefined;
  const changeLabel = deployment.kind === "rollback" ? "a rollback" : change ? changeNumberLabel(change.number) : null;
  return { versionId: version.id, number: version.number, changeLabel, since: deployment.deployedAt };
}

/**
 * Reads a spec sent as an object or as YAML/JSON text. The text is kept when it does not parse, so nothing
 * typed is lost: text as sent, an object as its JSON. Indented JSON grows with the square of the nesting,
 * so an object is indented only while that stays within the spec's size limit, and is kept compact
 * otherwise. Anything too deep or too large to keep is refused (the schemas refuse it first; this is the
 * same rule for callers that skip them).
 */
export function readSpecInput(value: string | Record<string, unknown>): {
  spec: AgentSpec | null;
  text: string | null;
  issues: SpecIssue[];
} {
  const result = typeof value === "string" ? parseSpecText(value) : validateSpec(value);
  if (result.ok) return { spec: result.spec, text: null, issues: [] };
  if (typeof value === "string") return { spec: null, text: value, issues: result.issues };
  const text = draftJson(value);
  if (text === null) {
    const message = unsafeShape(value)?.message ?? tooLong("the spec", LIMITS.specText);
    throw new AppError("validation_failed", "The proposed spec cannot be kept", { fieldErrors: { spec: [message] } });
  }
  return { spec: null, text, issues: result.issues };
}

function draftJson(value: Record<string, unknown>): string | null {
  if (unsafeShape(value)) return null;
  let compact: string | undefined;
  try {
    compact = JSON.stringify(value);
  } catch {
    return null; // a BigInt or the like: not JSON, so not a spec anyone sent as JSON
  }
  if (compact === undefined || compact.length > LIMITS.specText) return null;
  // Indenting multiplies the size by at most ~2 × depth; only try where the result can fit.
  if (compact.length * (2 * LIMITS.specDepth + 1) > LIMITS.specText * 4) return compact;
  const pretty = JSON.stringify(value, null, 2);
  return pretty.length <= LIMITS.specText ? pretty : compact;
}

export function attestedFields(
  row: Pick<
    ChangeRow,
    | "title"
    | "rationale"
    | "roleImpacts"
    | "harmMetrics"
    | "evidence"
    | "rollbackPlan"
    | "rollbackOwnerId"
    | "monitoring"
    | "emergency"
    | "emergencyJustification"
  >,
) {
  return {
    title: row.title,
    rationale: row.rationale,
    roleImpacts: row.roleImpacts,
    harmMetrics: row.harmMetrics,
    evidence: row.evidence,
    rollbackPlan: row.rollbackPlan,
    rollbackOwnerId: row.rollbackOwnerId,
    monitoring: row.monitoring,
    emergency: row.emergency,
    emergencyJustification: row.emergencyJustification,
  };
}

export function contentHashOf(row: Parameters<typeof attestedFields>[0], specHash: string | null): string {
  return changeContentHash(specHash ?? "", attestedFields(row));
}

type Context = { workflow: { name: string; riskClass: RiskLevel }; base: AgentSpec | null; head: AgentSpec | null };

export function assessRow(
  row: Pick<ChangeRow, "raisedTier" | "tierRaisedReason" | "emergency" | "retire">,
  ctx: Context,
  policy: SignoffPolicy,
): ChangeAssessment | null {
  if (!ctx.head) return null;
  return assessChange({
    base: ctx.base,
    next: ctx.head,
    workflow: ctx.workflow,
    raisedTier: row.raisedTier,
    raisedReason: row.tierRaisedReason,
    emergency: row.emergency,
    policy,
    retire: row.retire,
  });
}

export function problemsOf(
  row: ChangeRow,
  head: AgentSpec | null,
  specIssues: SpecIssue[],
  assessment: ChangeAssessment | null,
): FieldErrors {
  return submissionProblems({
    title: row.title,
    specIssues: head ? null : specIssues.length ? specIssues : [{ path: "spec", message: "Add the proposed spec" }],
    diff: assessment?.diff ?? [],
    harmMetrics: row.harmMetrics,
    rollbackPlan: row.rollbackPlan,
    rollbackOwnerId: row.rollbackOwnerId,
    emergency: row.emergency,
    emergencyJustification: row.emergencyJustification,
    raisedTier: row.raisedTier,
    tierRaisedReason: row.tierRaisedReason,
    retire: row.retire,
    rationale: row.rationale,
  });
}

/** Everything about one change record, for its page and the API. */
export async function changeView(db: Reader, row: ChangeRow): Promise<ChangeRecordView> {
  const agent = (await first(db.select().from(agents).where(eq(agents.id, row.agentId))))!;
  const workflow = (await first(db.select().from(workflows).where(eq(workflows.id, agent.workflowId))))!;
  const versionIds = [row.baseVersionId, row.headVersionId].filter((v): v is string => Boolean(v));
  const versions = versionIds.length ? await db.select().from(agentVersions).where(inArray(agentVersions.id, versionIds)) : [];
  const base = versions.find((v) => v.id === row.baseVersionId) ?? null;
  const head = versions.find((v) => v.id === row.headVersionId) ?? null;
  const production = await productionNow(db, row.agentId);
  const compared = await comparisonBaseOf(db, row, production);
  const outOfDate = isBehindProduction(row, production);
  // Text that does not parse yet is shown (with its problems) even when an older spec parsed.
  const specIssues = row.draftSpecText ? readSpecInput(row.draftSpecText).issues : [];
  const assessment = assessRow(
    row,
    { workflow: assessedWorkflow(row, workflow), base: compared?.spec ?? null, head: head?.spec ?? null },
    await policyByVersion(db, row.policyVersion),
  );

  // In the order they were asked (a change's first ones share a moment): by rowid, which both engines keep in insertion order.
  const signoffRows = await db
    .select()
    .from(signoffs)
    .where(eq(signoffs.changeRecordId, row.id))
    .orderBy(asc(signoffs.createdAt), asc(sql`${signoffs}.rowid`));
  const reviewedIds = [...new Set(signoffRows.map((s) => s.reviewedVersionId).filter((v): v is string => Boolean(v)))];
  const reviewedNumbers = new Map(
    reviewedIds.length
      ? (
          await db
            .select({ id: agentVersions.id, number: agentVersions.number })
            .from(agentVersions)
            .where(inArray(agentVersions.id, reviewedIds))
        ).map((v) => [v.id, v.number])
      : [],
  );
  const peopleIds = [row.authorId, row.rollbackOwnerId, ...signoffRows.map((s) => s.signerId)].filter((v): v is string => Boolean(v));
  const people = new Map(
    peopleIds.length
      ? (
          await db
            .select()
            .from(users)
            .where(inArray(users.id, [...new Set(peopleIds)]))
        ).map((u) => [u.id, u])
      : [],
  );
  const token = row.authorTokenId ? await first(db.select().from(apiTokens).where(eq(apiTokens.id, row.authorTokenId))) : undefined;
  const author = row.authorId ? people.get(row.authorId)! : null;
  const owner = row.rollbackOwnerId ? people.get(row.rollbackOwnerId) : undefined;

  // Once submitted, the sign-offs asked for are the record; before, the assessment says who will be asked.
  const asked = signoffRows.filter((s) => s.status !== "dismissed");
  const required =
    row.submittedAt && asked.length > 0 ? asked.map((s) => ({ role: s.role, reason: s.reason })) : (assessment?.required ?? []);

  return {
    id: row.id,
    number: row.number,
    label: changeNumberLabel(row.number),
    state: row.state,
    agent: { slug: agent.slug, name: agent.name, workflow: { name: workflow.name, riskClass: workflow.riskClass } },
    title: row.title,
    rationale: row.rationale,
    retire: row.retire,
    spec: head?.spec ?? null,
    specText: row.draftSpecText ?? null,
    specIssues,
    specHash: head?.specHash ?? null,
    headVersion: head?.number ?? null,
    baseVersion: base ? { number: base.number, specHash: base.specHash, spec: base.spec } : null,
    comparedWith: compared
      ? { number: compared.number, specHash: compared.specHash, spec: compared.spec, isProduction: compared.id === production?.versionId }
      : null,
    outOfDate,
    production: production ? { number: production.number, changeLabel: production.changeLabel, since: production.since } : null,
    riskTier: assessment?.tier ?? row.riskTier,
    riskReasons: assessment?.reasons ?? row.riskReasons,
    raisedTier: row.raisedTier,
    tierRaisedReason: row.tierRaisedReason,
    permissionDiff: assessment?.diff ?? [],
    requiredSignoffs: required,
    standardChange: row.submittedAt ? row.standardChange : (assessment?.standardChange?.name ?? null),
    contentHash: row.contentHash,
    policyVersion: row.policyVersion,
    roleImpacts: row.roleImpacts,
    harmMetrics: row.harmMetrics,
    evidence: row.evidence,
    branch: row.branch,
    rollbackPlan: row.rollbackPlan,
    rollbackOwner: owner ? { email: owner.email, name: owner.name } : null,
    monitoring: row.monitoring,
    emergency: row.emergency ? { justification: row.emergencyJustification ?? "" } : null,
    author: author
      ? { kind: "user", id: author.id, email: author.email, name: author.name }
      : { kind: "token", id: row.authorTokenId!, name: token?.name ?? "API token" },
    signoffs: signoffRows.map((s) => ({
      id: s.id,
      role: s.role,
      reason: s.reason,
      status: s.status,
      signer: s.signerId ? (people.get(s.signerId)?.email ?? null) : null,
      signerName: s.signerId ? (people.get(s.signerId)?.name ?? null) : null,
      comment: s.comment,
      contentHash: s.contentHash,
      decidedAt: s.decidedAt,
      dismissedAt: s.dismissedAt,
      dismissedReason: s.dismissedReason,
      dismissedStatus: s.dismissedStatus,
      reviewedVersion: s.reviewedVersionId ? (reviewedNumbers.get(s.reviewedVersionId) ?? null) : null,
      createdAt: s.createdAt,
    })),
    submissionProblems:
      row.state === "draft" ? problemsOf(row, row.draftSpecText ? null : (head?.spec ?? null), specIssues, assessment) : {},
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    submittedAt: row.submittedAt,
    approvedAt: row.approvedAt,
    releasedAt: row.releasedAt,
    closedAt: row.closedAt,
    retroSignoffDueAt: row.retroSignoffDueAt,
    workflowClassChangedSince: await workflowClassChange(db, row, workflow),
    reassessmentReason: row.reassessmentReason,
  };
}

/** The spec as YAML for an editor: the parsed spec, or the author's unparsed text. */
export function specEditorText(view: Pick<ChangeRecordView, "spec" | "specText">): string {
  return view.spec ? specToYaml(view.spec) : (view.specText ?? "");
}
