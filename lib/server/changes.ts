import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent, appendAuditEvents, type Actor, type AuditInput } from "@/db/audit";
import { agents, agentVersions, apiTokens, changeRecords, signoffs, users, workflows } from "@/db/schema";
import { changeNumberLabel, OPEN_CHANGE_STATES, type ChangeState, type Role } from "@/lib/domain/terms";
import { specHash as hashSpec, type AgentSpec } from "@/lib/domain/spec";
import { canTransition } from "@/lib/domain/change-state";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { editChangeSchema, proposeChangeSchema, type EditChangeInput, type ProposeChangeInput } from "@/lib/validations/change-record";
import { actorOf, assertCanRead, type Caller } from "./caller";
import {
  assessRow,
  baseVersionOf,
  comparisonBaseOf,
  changeView,
  contentHashOf,
  findChangeRow,
  problemsOf,
  readSpecInput,
  type ChangeRecordView,
  type ChangeRow,
} from "./change-records";
import { assertOpenForChanges, onFirstChangeClosed } from "./agent-lifecycle";
import { currentDeployment } from "./deployments";
import { notifyDismissed, notifySignoffNeeded } from "./notifications";
import { currentPolicy } from "./policy";

export type Tx = DB;

/** Roles that may propose changes; leaders and auditors read, and change nothing. */
const PROPOSER_ROLES: Role[] = ["workflow_owner", "security", "engineering", "operations", "compliance", "admin"];

export function canProposeChanges(user: { roles: Role[] }): boolean {
  return user.roles.some((r) => PROPOSER_ROLES.includes(r));
}

function assertCanPropose(caller: Caller) {
  if (caller.kind === "token") {
    if (!caller.scopes.includes("changes:write")) throw new AppError("forbidden", `Token "${caller.name}" lacks the changes:write scope`);
    return;
  }
  if (!canProposeChanges(caller.user)) throw new AppError("forbidden", "Leaders and auditors can read change records but not propose them");
}

function isAuthor(caller: Caller, row: Pick<ChangeRow, "authorId" | "authorTokenId">): boolean {
  return caller.kind === "user" ? row.authorId === caller.user.id : row.authorTokenId === caller.id;
}

function assertAuthor(caller: Caller, row: ChangeRow, doing: string) {
  if (!isAuthor(caller, row)) throw new AppError("forbidden", `Only the author of ${`CR-${row.number}`} can ${doing} it`);
}

const parse = <T extends z.ZodType>(schema: T, input: unknown) => parseInput(schema, input, "Some fields need attention");

function specFieldErrors(issues: { path: string; message: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) (out[issue.path === "spec" ? "spec" : `spec.${issue.path}`] ??= []).push(issue.message);
  return out;
}

async function userIdByEmail(tx: Pick<DB, "select">, email: string | null | undefined): Promise<string | null> {
  if (!email) return null;
  const user = await first(
    tx.select({ id: users.id, disabled: users.disabled }).from(users).where(eq(users.email, email.trim().toLowerCase())),
  );
  if (!user || user.disabled)
    throw new AppError("validation_failed", "Some fields need attention", {
      fieldErrors: { rollbackOwner: [`No active person with email ${email}`] },
    });
  return user.id;
}

export async function agentWithWorkflow(tx: Pick<DB, "select">, agentId: string) {
  const agent = (await first(tx.select().from(agents).where(eq(agents.id, agentId))))!;
  const workflow = (await first(tx.select().from(workflows).where(eq(workflows.id, agent.workflowId))))!;
  return { agent, workflow };
}

/** Writes a new head version when the proposed spec differs from the current head. Versions are never edited. */
async function ensureHeadVersion(tx: Tx, row: ChangeRow, spec: AgentSpec, actor: Actor, now: number): Promise<string> {
  const hash = hashSpec(spec);
  if (row.headVersionId) {
    const head = await first(
      tx.select({ specHash: agentVersions.specHash }).from(agentVersions).where(eq(agentVersions.id, row.headVersionId)),
    );
    if (head?.specHash === hash) return row.headVersionId;
  }
  const last = (await first(
    tx
      .select({ n: sql<number>`COALESCE(MAX(${agentVersions.number}), 0)` })
      .from(agentVersions)
      .where(eq(agentVersions.agentId, row.agentId)),
  ))!.n;
  const id = randomUUID();
  await tx.insert(agentVersions).values({
    id,
    agentId: row.agentId,
    number: last + 1,
    spec,
    specHash: hash,
    autonomy: spec.autonomy,
    createdById: actor.type === "user" ? actor.id : null,
    changeRecordId: row.id,
    createdAt: now,
  });
  return id;
}

/** Recomputes what follows from the record's content: head version, tier, reasons, content hash. */
export async function refresh(
  tx: Tx,
  row: ChangeRow,
  specInput: string | Record<string, unknown> | undefined,
  actor: Actor,
  now: number,
): Promise<{ row: ChangeRow; changedSpec: boolean }> {
  let next = { ...row };
  let changedSpec = false;
  if (specInput !== undefined) {
    const read = readSpecInput(specInput);
    if (read.spec) {
      const headVersionId = await ensureHeadVersion(tx, next, read.spec, actor, now);
      changedSpec = headVersionId !== row.headVersionId;
      next = { ...next, headVersionId, draftSpecText: null };
    } else {
      // Kept as typed; the head version stays the last spec that parsed.
      next = { ...next, draftSpecText: read.text };
    }
  }
  const { workflow } = await agentWithWorkflow(tx, next.agentId);
  const specs = await versionSpecs(tx, next);
  const assessment = assessRow(next, { workflow, base: specs.base, head: specs.head }, (await currentPolicy(tx)).policy);
  return {
    changedSpec,
    row: {
      ...next,
      riskTier: assessment?.tier ?? null,
      riskReasons: assessment?.reasons ?? [],
      standardChange: assessment?.standardChange?.name ?? null,
      assessedWorkflowClass: assessment ? workflow.riskClass : null,
      // Re-assessed just now: whatever marked it for re-assessment is answered.
      reassessmentReason: null,
      contentHash: contentHashOf(next, specs.headHash),
      updatedAt: now,
    },
  };
}

/** The head's spec and the spec it is assessed against: what production runs now (see comparisonBaseOf). */
export async function versionSpecs(tx: Pick<DB, "select">, row: Pick<ChangeRow, "agentId" | "state" | "baseVersionId" | "headVersionId">) {
  const base = await comparisonBaseOf(tx, row);
  const head = row.headVersionId ? await first(tx.select().from(agentVersions).where(eq(agentVersions.id, row.headVersionId))) : undefined;
  return { base: base?.spec ?? null, head: head?.spec ?? null, headHash: head?.specHash ?? null };
}

export async function save(tx: Tx, row: ChangeRow) {
  const { id, ...rest } = row;
  await tx.update(changeRecords).set(rest).where(eq(changeRecords.id, id));
}

/** Asks each role for its sign-off on the change as it stands, and tells the people who can give it. */
export async function askSignoffs(
  tx: Tx,
  row: Pick<ChangeRow, "id" | "number" | "title" | "authorId">,
  ask: { role: Role; reason: string }[],
  now: number,
) {
  if (ask.length === 0) return;
  await tx.insert(signoffs).values(
    ask.map((r) => ({
      id: randomUUID(),
      changeRecordId: row.id,
      role: r.role,
      reason: r.reason,
      status: "pending" as const,
      createdAt: now,
    })),
  );
  await notifySignoffNeeded(
    tx,
    row,
    ask.map((r) => r.role),
    now,
  );
}

/** Sends a draft to review: only when nothing is missing. A standard change is approved at once. */
async function submitInTx(tx: Tx, row: ChangeRow, actor: Actor, now: number): Promise<ChangeRow> {
  if (!canTransition(row.state, "in_review") || row.state !== "draft")
    throw new AppError("conflict", `${changeNumberLabel(row.number)} is ${row.state.replace("_", " ")}, not a draft`);
  const { workflow } = await agentWithWorkflow(tx, row.agentId);
  const specs = await versionSpecs(tx, row);
  const { version, policy } = await currentPolicy(tx);
  const assessment = assessRow(row, { workflow, base: specs.base, head: specs.head }, policy);
  const specIssues = row.draftSpecText ? readSpecInput(row.draftSpecText).issues : [];
  const problems = problemsOf(row, row.draftSpecText ? null : specs.head, specIssues, assessment);
  if (Object.keys(problems).length > 0) {
    throw new AppError("validation_failed", `CR-${row.number} cannot go to review yet: ${Object.values(problems).flat()[0]}`, {
      fieldErrors: problems,
    });
  }
  const standard = assessment!.standardChange;
  const submitted: ChangeRow = {
    ...row,
    state: standard ? "approved" : "in_review",
    policyVersion: version,
    riskTier: assessment!.tier,
    riskReasons: assessment!.reasons,
    standardChange: standard?.name ?? null,
    assessedWorkflowClass: workflow.riskClass,
    reassessmentReason: null,
    submittedAt: row.submittedAt ?? now,
    approvedAt: standard ? now : null,
    updatedAt: now,
  };
  await save(tx, submitted);
  // Each submission is a new review round: every decision of an earlier round (approvals, the request
  // for changes) becomes history, and every role the change needs now is asked afresh on this content.
  const earlier = await tx
    .select()
    .from(signoffs)
    .where(and(eq(signoffs.changeRecordId, row.id), ne(signoffs.status, "dismissed")));
  await dismissSignoffs(tx, row, earlier, `a new review round: ${actor.label} resubmitted the change`, actor, now);
  const ask = assessment!.required;
  await askSignoffs(tx, row, ask, now);
  const events: AuditInput[] = [
    {
      at: now,
      actor,
      action: "change.submitted",
      entityType: "change_record",
      entityId: row.id,
      payload: {
        number: row.number,
        riskTier: submitted.riskTier,
        contentHash: row.contentHash,
        required: assessment!.required.map((r) => r.role),
        standardChange: submitted.standardChange,
        policyVersion: version,
      },
    },
  ];
  if (standard)
    events.push({
      at: now,
      actor,
      action: "change.approved",
      entityType: "change_record",
      entityId: row.id,
      payload: { number: row.number, standardChange: standard.name, preApproved: true },
    });
  await appendAuditEvents(tx, events);
  return submitted;
}

function applyFields(row: ChangeRow, input: z.output<typeof editChangeSchema>, rollbackOwnerId: string | null | undefined): ChangeRow {
  return {
    ...row,
    ...(input.title !== undefined && { title: input.title }),
    ...(input.rationale !== undefined && { rationale: input.rationale }),
    ...(input.roleImpacts !== undefined && { roleImpacts: input.roleImpacts }),
    ...(input.harmMetrics !== undefined && { harmMetrics: input.harmMetrics }),
    ...(input.evidence !== undefined && { evidence: input.evidence }),
    ...(input.rollbackPlan !== undefined && { rollbackPlan: input.rollbackPlan }),
    ...(rollbackOwnerId !== undefined && { rollbackOwnerId }),
    ...(input.monitoring !== undefined && { monitoring: input.monitoring }),
    ...(input.emergency !== undefined && {
      emergency: input.emergency !== null,
      emergencyJustification: input.emergency?.justification ?? null,
    }),
    ...(input.raiseTier !== undefined && { raisedTier: input.raiseTier?.tier ?? null, tierRaisedReason: input.raiseTier?.reason ?? null }),
  };
}

/**
 * Proposes a change to an agent: a draft (saved even when incomplete or invalid, so nothing typed is
 * lost) or, with `submit`, straight to review. Starts from the base version's spec when none is given.
 */
export async function proposeChange(caller: Caller, input: ProposeChangeInput | unknown, now = Date.now()): Promise<ChangeRecordView> {
  return (await proposeFromSource(caller, input, now)).change;
}

/** What proposing did: opened a change, or updated the open change proposed earlier from the same branch. */
export type Proposal = { change: ChangeRecordView; created: boolean };

/** The fields a proposal may carry that are not an edit's: which agent, and what to do with the change. */
const PROPOSAL_ONLY = new Set(["agent", "submit", "retire", "branch"]);

/**
 * Proposes a change as `proposeChange` does; with a `branch`, the agent's open change from that branch (a
 * pipeline's earlier run on the same pull request) is updated instead: the fields sent replace its own,
 * evidence links are added to its others, and `submit` sends a draft to review. Only that change's author
 * may update it; anyone else proposing from the branch gets a 409 naming the change.
 */
export async function proposeFromSource(caller: Caller, input: ProposeChangeInput | unknown, now = Date.now()): Promise<Proposal> {
  assertCanPropose(caller);
  const data = parse(proposeChangeSchema, input);
  if (data.branch && data.retire)
    throw new AppError("validation_failed", "A retire change is not proposed from a branch", {
      fieldErrors: { branch: ["A retire change is not proposed from a branch: leave the branch out"] },
    });
  assertSubmittableSpec(data);
  const db = getDb();
  const { id, created } = await withTransaction(async (tx) => {
    const agent = await first(tx.select().from(agents).where(eq(agents.slug, data.agent)));
    if (!agent)
      throw new AppError("validation_failed", "Some fields need attention", {
        fieldErrors: { agent: [`No agent with slug "${data.agent}"`] },
      });
    await assertOpenForChanges(tx, agent);
    let open = data.branch ? await openChangeFromBranch(tx, agent.id, data.branch) : undefined;
    if (open && !isAuthor(caller, open)) {
      const author = await authorOf(tx, open);
      // A pipeline whose token was revoked and replaced: its old change cannot be edited by anyone, so it gives way.
      if (author.revoked) await supersede(tx, open, author.label, actorOf(caller), now);
      else
        throw new AppError(
          "conflict",
          `${changeNumberLabel(open.number)} is the open change to ${agent.slug} from branch "${data.branch}", proposed by ${author.label}: only its author can update it; withdraw it there, or propose from another branch`,
        );
      open = undefined;
    }
    if (!open) return { id: (await createChangeInTx(tx, caller, agent, data, now)).id, created: true };
    const sent = Object.fromEntries(Object.entries(input as object).filter(([key]) => !PROPOSAL_ONLY.has(key)));
    const edit = parse(editChangeSchema, sent);
    if (edit.evidence) edit.evidence = { ...open.evidence, ...edit.evidence };
    const edited = await editInTx(tx, caller, open, edit, now);
    return {
      id: (data.submit && edited.state === "draft" ? await submitInTx(tx, edited, actorOf(caller), now) : edited).id,
      created: false,
    };
  });
  return { change: await changeView(db, await findChangeRow(db, id)), created };
}

/** Who proposed a change, for a message: a person's email, or a token by name, and whether that token was revoked. */
async function authorOf(tx: Tx, row: ChangeRow): Promise<{ label: string; revoked: boolean }> {
  if (row.authorId) {
    const user = await first(tx.select({ email: users.email }).from(users).where(eq(users.id, row.authorId)));
    return { label: user?.email ?? "a person", revoked: false };
  }
  const token = await first(
    tx.select({ name: apiTokens.name, revokedAt: apiTokens.revokedAt }).from(apiTokens).where(eq(apiTokens.id, row.authorTokenId!)),
  );
  return { label: `API token "${token?.name ?? "?"}"`, revoked: token?.revokedAt != null };
}

/** Withdraws an open change whose author token was revoked, so the branch's new pipeline token can propose afresh. */
async function supersede(tx: Tx, row: ChangeRow, author: string, actor: Actor, now: number) {
  const reason = `superseded: ${author}, its author, was revoked, and the branch was proposed again by ${actor.label}`;
  await withdrawInTx(tx, row, { dismissed: ["pending", "approved"], dismissReason: reason, reason }, actor, now);
}

/**
 * Closes an open change as withdrawn, in the caller's transaction: the sign-offs named are dismissed with a
 * reason, it is audited, and a first change's agent is withdrawn with it. Shared by withdrawing and superseding.
 */
export async function withdrawInTx(
  tx: Tx,
  row: ChangeRow,
  why: { dismissed: ("pending" | "approved")[]; dismissReason: string; reason: string | null; previousState?: boolean },
  actor: Actor,
  now: number,
) {
  await tx.update(changeRecords).set({ state: "withdrawn", closedAt: now, updatedAt: now }).where(eq(changeRecords.id, row.id));
  await dismissSignoffs(tx, row, await signoffsOf(tx, row, why.dismissed), why.dismissReason, actor, now);
  await appendAuditEvent(tx, {
    at: now,
    actor,
    action: "change.withdrawn",
    entityType: "change_record",
    entityId: row.id,
    payload: { number: row.number, reason: why.reason, ...(why.previousState && { previousState: row.state }) },
  });
  await onFirstChangeClosed(tx, row, "withdrawn", actor, now);
}

async function openChangeFromBranch(tx: Tx, agentId: string, branch: string): Promise<ChangeRow | undefined> {
  return await first(
    tx
      .select()
      .from(changeRecords)
      .where(
        and(eq(changeRecords.agentId, agentId), eq(changeRecords.branch, branch), inArray(changeRecords.state, [...OPEN_CHANGE_STATES])),
      ),
  );
}

/** What a new change record is made of: the proposal's fields, already parsed. */
export type NewChangeFields = Omit<z.output<typeof proposeChangeSchema>, "agent" | "retire"> & { retire?: boolean };

/** What a retire change retires: the version production runs now. Only an active agent running in production can be retired. */
async function retirableVersion(tx: Pick<DB, "select">, agent: Pick<typeof agents.$inferSelect, "id" | "slug" | "status">) {
  if (agent.status !== "active") throw new AppError("conflict", `${agent.slug} is ${agent.status}: only an active agent can be retired`);
  const production = await currentDeployment(tx, agent.id, "production");
  if (!production) throw new AppError("conflict", `${agent.slug} does not run in production: there is nothing to retire`);
  return production.version;
}

const NO_SPEC_TO_RETIRE = { spec: ["A retire change proposes no spec: it retires the version production runs"] };

/** Straight to review with a spec that does not validate: nothing to save, say everything that is wrong at once. */
export function assertSubmittableSpec(
  data: Pick<NewChangeFields, "submit" | "spec" | "title" | "rollbackPlan" | "rollbackOwner" | "retire">,
) {
  if (data.retire && data.spec !== undefined)
    throw new AppError("validation_failed", "A retire change proposes no spec", { fieldErrors: NO_SPEC_TO_RETIRE });
  if (!data.submit || data.spec === undefined) return;
  const read = readSpecInput(data.spec);
  if (read.spec) return;
  const fieldErrors = specFieldErrors(read.issues);
  if (!data.title?.trim()) fieldErrors.title = ["Give the change a title"];
  if (!data.rollbackPlan?.trim()) fieldErrors.rollbackPlan = ["Describe how to roll this change back"];
  if (!data.rollbackOwner) fieldErrors.rollbackOwner = ["Name the rollback owner"];
  throw new AppError("validation_failed", "The proposed spec is not valid", { fieldErrors });
}

/**
 * Creates a change record on an agent inside the caller's transaction: a draft, or with `submit` sent to
 * review. Shared by proposing a change and registering a new agent (whose change has no base version).
 */
export async function createChangeInTx(
  tx: Tx,
  caller: Caller,
  agent: Pick<typeof agents.$inferSelect, "id" | "slug" | "status">,
  data: NewChangeFields,
  now: number,
): Promise<ChangeRow> {
  const actor = actorOf(caller);
  const base = data.retire ? await retirableVersion(tx, agent) : await baseVersionOf(tx, agent.id);
  const number = (await first(tx.select({ n: sql<number>`COALESCE(MAX(${changeRecords.number}), 0)` }).from(changeRecords)))!.n + 1;
  const rollbackOwnerId = await userIdByEmail(tx, data.rollbackOwner);
  const blank: ChangeRow = {
    id: randomUUID(),
    number,
    agentId: agent.id,
    title: "",
    rationale: "",
    state: "draft",
    authorId: caller.kind === "user" ? caller.user.id : null,
    authorTokenId: caller.kind === "token" ? caller.id : null,
    raisedTier: null,
    baseVersionId: base?.id ?? null,
    headVersionId: null,
    draftSpecText: null,
    roleImpacts: [],
    harmMetrics: [],
    evidence: {},
    rollbackPlan: "",
    rollbackOwnerId: null,
    monitoring: "",
    emergency: false,
    emergencyJustification: null,
    standardChange: null,
    riskTier: null,
    riskReasons: [],
    tierRaisedReason: null,
    contentHash: null,
    policyVersion: null,
    createdAt: now,
    updatedAt: now,
    submittedAt: null,
    approvedAt: null,
    releasedAt: null,
    closedAt: null,
    retroSignoffDueAt: null,
    retire: data.retire ?? false,
    assessedWorkflowClass: null,
    reassessmentReason: null,
    branch: data.branch ?? null,
  };
  await tx.insert(changeRecords).values(blank);
  const filled = applyFields(blank, data, rollbackOwnerId);
  // A retire change's head is the version it retires: nothing new to review, and no new version written.
  const retiring = data.retire ? { ...filled, headVersionId: base!.id } : filled;
  const specInput = data.retire ? undefined : (data.spec ?? (base ? (base.spec as Record<string, unknown>) : undefined));
  const { row } = await refresh(tx, retiring, specInput, actor, now);
  await save(tx, row);
  await appendAuditEvent(tx, {
    at: now,
    actor,
    action: "change.created",
    entityType: "change_record",
    entityId: row.id,
    payload: {
      number,
      agent: agent.slug,
      title: row.title,
      specHash: (await versionSpecs(tx, row)).headHash,
      baseSpecHash: base?.specHash ?? null,
      contentHash: row.contentHash,
      ...(row.retire && { retire: true }),
    },
  });
  return data.submit ? await submitInTx(tx, row, actor, now) : row;
}

/**
 * The author's own change, still open, for an action named `doing`: a draft or in review; an edit
 * also takes an approved change not yet released (it goes back to review).
 */
export async function openChangeOfAuthor(tx: Tx, caller: Caller, ref: string, doing: "edit" | "update" | "withdraw"): Promise<ChangeRow> {
  assertCanPropose(caller);
  const row = await findChangeRow(tx, ref);
  assertAuthor(caller, row, doing);
  const open: ChangeState[] = doing === "withdraw" ? ["draft", "in_review"] : ["draft", "in_review", "approved"];
  if (!open.includes(row.state)) {
    const done = { edit: "edited", update: "updated", withdraw: "withdrawn" }[doing];
    throw new AppError(
      "conflict",
      `${changeNumberLabel(row.number)} is ${row.state.replace("_", " ")}: only drafts and changes in review${doing === "withdraw" ? "" : " or approved"} can be ${done}`,
    );
  }
  return row;
}

async function signoffsOf(tx: Tx, row: ChangeRow, statuses: ("pending" | "approved")[]) {
  return await tx
    .select()
    .from(signoffs)
    .where(and(eq(signoffs.changeRecordId, row.id), inArray(signoffs.status, statuses)));
}

/** Dismisses sign-offs, visibly: each keeps its reason and gets an audit event. */
export async function dismissSignoffs(
  tx: Tx,
  row: ChangeRow,
  standing: (typeof signoffs.$inferSelect)[],
  reason: string,
  actor: Actor,
  now: number,
) {
  if (standing.length === 0) return;
  await tx
    .update(signoffs)
    .set({ status: "dismissed", dismissedStatus: sql`${signoffs.status}`, dismissedAt: now, dismissedReason: reason })
    .where(
      inArray(
        signoffs.id,
        standing.map((s) => s.id),
      ),
    );
  await appendAuditEvents(
    tx,
    standing.map((s) => ({
      at: now,
      actor,
      action: "signoff.dismissed",
      entityType: "change_record",
      entityId: row.id,
      payload: { number: row.number, role: s.role, previousStatus: s.status, reason },
    })),
  );
  await notifyDismissed(tx, row, standing, reason, now);
}

/**
 * Edits a draft, a change in review or an approved one. In review or approved, any edit that changes
 * the content hash dismisses every sign-off given or asked on the old hash, visibly, and asks the
 * required roles again: an approved change goes back to review.
 */
export async function editChange(
  caller: Caller,
  ref: string,
  input: EditChangeInput | unknown,
  now = Date.now(),
): Promise<ChangeRecordView> {
  assertCanPropose(caller);
  const db = getDb();
  const id = await withTransaction(async (tx) => {
    // Who before what: only the author's open change may be edited, whatever the body says.
    const row = await openChangeOfAuthor(tx, caller, ref, "edit");
    return (await editInTx(tx, caller, row, parse(editChangeSchema, input), now)).id;
  });
  return await changeView(db, await findChangeRow(db, id));
}

/** Applies an edit to the author's open change, already found and parsed; returns the row as saved. */
async function editInTx(tx: Tx, caller: Caller, row: ChangeRow, data: z.output<typeof editChangeSchema>, now: number): Promise<ChangeRow> {
  const actor = actorOf(caller);
  if (row.retire && data.spec !== undefined)
    throw new AppError("validation_failed", "A retire change proposes no spec", { fieldErrors: NO_SPEC_TO_RETIRE });
  const rollbackOwnerId = data.rollbackOwner === undefined ? undefined : await userIdByEmail(tx, data.rollbackOwner);
  const { row: refreshed } = await refresh(tx, applyFields(row, data, rollbackOwnerId), data.spec, actor, now);
  let next = refreshed;
  const rerouted = next.contentHash !== row.contentHash || next.raisedTier !== row.raisedTier;
  const changed = rerouted || next.draftSpecText !== row.draftSpecText || next.tierRaisedReason !== row.tierRaisedReason;
  if (!changed) return row;
  if (row.state === "in_review" || row.state === "approved") {
    // A change in review stays fit for review: the same checks as submitting.
    const { workflow } = await agentWithWorkflow(tx, next.agentId);
    const specs = await versionSpecs(tx, next);
    const assessment = assessRow(next, { workflow, base: specs.base, head: specs.head }, (await currentPolicy(tx)).policy);
    const specIssues = next.draftSpecText ? readSpecInput(next.draftSpecText).issues : [];
    const problems = problemsOf(next, next.draftSpecText ? null : specs.head, specIssues, assessment);
    if (Object.keys(problems).length > 0) {
      throw new AppError(
        "validation_failed",
        `${changeNumberLabel(row.number)} is in review; this edit would leave it unfit: ${Object.values(problems).flat()[0]}`,
        { fieldErrors: problems },
      );
    }
    // Approvals were given on the old content: an approved change is in review again.
    if (rerouted)
      next = await redoSignoffs(tx, row.state === "approved" ? { ...next, state: "in_review", approvedAt: null } : next, actor, now);
  }
  await save(tx, next);
  await appendAuditEvent(tx, {
    at: now,
    actor,
    action: "change.edited",
    entityType: "change_record",
    entityId: row.id,
    payload: {
      number: row.number,
      previousContentHash: row.contentHash,
      contentHash: next.contentHash,
      specHash: (await versionSpecs(tx, next)).headHash,
      raisedTier: next.raisedTier,
      fields: Object.keys(data),
      ...(next.state !== row.state && { previousState: row.state, state: next.state }),
    },
  });
  return next;
}

/**
 * After an edit in review: every sign-off given or asked on the old content is dismissed, visibly, and
 * the roles the change now needs are asked again under the policy in force. If it now needs none (a
 * standard change), it is approved as on submission.
 */
export async function redoSignoffs(
  tx: Tx,
  row: ChangeRow,
  actor: Actor,
  now: number,
  reason = `dismissed: change edited by ${actor.label} at ${new Date(now).toISOString()}`,
): Promise<ChangeRow> {
  await dismissSignoffs(tx, row, await signoffsOf(tx, row, ["pending", "approved"]), reason, actor, now);
  const { workflow } = await agentWithWorkflow(tx, row.agentId);
  const specs = await versionSpecs(tx, row);
  const { version, policy } = await currentPolicy(tx);
  const assessment = assessRow(row, { workflow, base: specs.base, head: specs.head }, policy)!;
  if (assessment.required.length === 0) {
    await appendAuditEvent(tx, {
      at: now,
      actor,
      action: "change.approved",
      entityType: "change_record",
      entityId: row.id,
      payload: { number: row.number, standardChange: assessment.standardChange?.name ?? null, preApproved: true },
    });
    return { ...row, state: "approved", approvedAt: now, policyVersion: version, assessedWorkflowClass: workflow.riskClass };
  }
  await askSignoffs(tx, row, assessment.required, now);
  return { ...row, policyVersion: version, assessedWorkflowClass: workflow.riskClass };
}

/** Submission takes no fields; a request that sends some (the API) is answered 422 rather than silently obeyed. */
export const submitSchema = z.strictObject({});

export async function submitChange(caller: Caller, ref: string, now = Date.now(), body: unknown = {}): Promise<ChangeRecordView> {
  const db = getDb();
  const id = await withTransaction(async (tx) => {
    assertCanPropose(caller);
    const row = await findChangeRow(tx, ref);
    assertAuthor(caller, row, "submit");
    parse(submitSchema, body);
    return (await submitInTx(tx, row, actorOf(caller), now)).id;
  });
  return await changeView(db, await findChangeRow(db, id));
}

export const withdrawSchema = z.strictObject({ reason: z.string({ error: "reason must be text" }).trim().max(2_000).optional() });

/** Withdraws a draft or a change in review (`{reason?}`); the sign-offs still asked are dismissed. */
export async function withdrawChange(
  caller: Caller,
  ref: string,
  input: { reason?: string } | unknown,
  now = Date.now(),
): Promise<ChangeRecordView> {
  const actor = actorOf(caller);
  const db = getDb();
  const id = await withTransaction(async (tx) => {
    const row = await openChangeOfAuthor(tx, caller, ref, "withdraw");
    const { reason } = parse(withdrawSchema, input);
    await withdrawInTx(
      tx,
      row,
      { dismissed: ["pending"], dismissReason: `change withdrawn by ${actor.label}`, reason: reason || null },
      actor,
      now,
    );
    return row.id;
  });
  return await changeView(db, await findChangeRow(db, id));
}

export async function getChange(caller: Caller, ref: string): Promise<ChangeRecordView> {
  assertCanRead(caller);
  const db = getDb();
  return await changeView(db, await findChangeRow(db, ref));
}
