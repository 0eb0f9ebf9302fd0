import "server-only";
import { and, asc, eq, inArray, isNotNull, ne, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { changedRows, first, getDb, withTransaction, type DB } from "@/db";
import { appendAuditEvents, type Actor, type AuditInput } from "@/db/audit";
import { agents, apiTokens, auditEvents, changeRecords, signoffs } from "@/db/schema";
import { canTransition, DECISION_STATUS, stateAfterDecision } from "@/lib/domain/change-state";
import { SIGNER_ROLES } from "@/lib/domain/signoff-policy";
import { changeNumberLabel, ROLES, type RiskLevel, type Role, type SignoffStatus } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { actorOf, type Caller } from "./caller";
import { onFirstChangeClosed } from "./agent-lifecycle";
import { notifyAuthor } from "./notifications";
import {
  changeView,
  comparisonBaseOf,
  findChangeRow,
  isBehindProduction,
  productionNow,
  type ChangeRecordView,
  type ChangeRow,
} from "./change-records";

type Tx = Pick<DB, "select" | "insert" | "update">;

export const decisionSchema = z.strictObject({
  role: z.enum(ROLES, { error: `role must be one of: ${ROLES.join(", ")}` }),
  decision: z.enum(["approve", "reject", "request_changes"], { error: 'decision must be "approve", "reject" or "request_changes"' }),
  comment: z.string({ error: "comment must be text" }).trim().max(5_000, "Keep the comment to 5,000 characters").optional(),
  /** The content hash the signer reviewed; a decision on an older hash is refused as stale. */
  contentHash: z.string({ error: "contentHash must be text" }).max(200, "contentHash is a SHA-256 hex digest").optional(),
  /** The version the reviewer's diff was computed against (null: a new agent); production having moved since makes the decision stale. */
  comparedWithVersion: z.number().int().positive().nullable().optional(),
});

/** The person who holds (created) the API token that proposed a change: separation of duties follows them. */
async function tokenHolderOf(tx: Tx, tokenId: string | null): Promise<string | null> {
  if (!tokenId) return null;
  return (await first(tx.select({ holder: apiTokens.createdById }).from(apiTokens).where(eq(apiTokens.id, tokenId))))?.holder ?? null;
}

/**
 * One person's decision for one role on a change in review. Enforced here, for the UI and the API
 * alike: people only (never a token); the role is held; nobody signs their own change; one person
 * signs one role per change; a comment is required to reject or request changes; the decision binds
 * to the current content hash. Of concurrent decisions on one sign-off exactly one is recorded.
 */
export async function signOff(caller: Caller, ref: string, input: unknown, now = Date.now()): Promise<ChangeRecordView> {
  if (caller.kind !== "user") throw new AppError("forbidden", "Sign-offs are made by people: API tokens cannot sign off");
  // Who before what: someone who holds no signing role is refused before their decision is read.
  if (!caller.user.roles.some((r) => (SIGNER_ROLES as readonly Role[]).includes(r)))
    throw new AppError("forbidden", "Only workflow owners, security, engineering, operations and compliance sign off changes");
  const { role, decision, comment, contentHash, comparedWithVersion } = parseInput(decisionSchema, input, "The decision has problems");
  const user = caller.user;
  if (!user.roles.includes(role)) throw new AppError("forbidden", `You do not hold the ${role.replace("_", " ")} role`);
  // Leaders, auditors and admins hold roles that read (or administer); none of them is ever asked to sign.
  if (!(SIGNER_ROLES as readonly Role[]).includes(role))
    throw new AppError("forbidden", `The ${role.replace("_", " ")} role does not sign off changes`);
  if (decision !== "approve" && !comment)
    throw new AppError("validation_failed", "Say why: a comment is required to reject or request changes", {
      fieldErrors: { comment: ["Say why you reject or request changes"] },
    });

  const db = getDb();
  const id = await withTransaction(async (tx) => {
    const change = await findChangeRow(tx, ref);
    const label = changeNumberLabel(change.number);
    if (change.authorId === user.id) throw new AppError("forbidden", `You proposed ${label}: nobody signs their own change`);
    if ((await tokenHolderOf(tx, change.authorTokenId)) === user.id)
      throw new AppError("forbidden", `${label} was proposed by an API token you hold: nobody signs their own change`);
    // An emergency release is signed in full afterwards: its open sign-offs stay decidable once released.
    const retro = change.state === "released" && change.retroSignoffDueAt !== null;
    if (change.state !== "in_review" && !retro)
      throw new AppError("conflict", `${label} is ${change.state.replace("_", " ")}, not in review`);
    if (retro && decision === "request_changes")
      throw new AppError("validation_failed", `${label} is already released as an emergency: approve it, or reject it and roll it back`, {
        fieldErrors: { decision: ["Approve or reject a released emergency change"] },
      });
    const production = await productionNow(tx, change.agentId);
    const comparedWith = await comparisonBaseOf(tx, change, production);
    // An approval is of the diff the change would make in production: never of an out-of-date change,
    // whose diff is only a passing comparison until its author updates it from production.
    if (decision === "approve" && !retro && isBehindProduction(change, production))
      throw new AppError(
        "conflict",
        `${label} is out of date: production runs v${production!.number}${production!.changeLabel ? ` since ${production!.changeLabel}` : ""}. Its author updates it from production; then approve what it makes`,
      );
    if (comparedWithVersion !== undefined && comparedWithVersion !== (comparedWith?.number ?? null))
      throw new AppError(
        "conflict",
        `Production moved since you opened ${label}: its diff is now against ${comparedWith ? `v${comparedWith.number}` : "nothing"}; review the current diff`,
      );
    if (contentHash && contentHash !== change.contentHash)
      throw new AppError("conflict", `${label} was edited since you opened it; review the current version`);
    const rows = await tx.select().from(signoffs).where(eq(signoffs.changeRecordId, change.id));
    const otherRole = rows.find((s) => s.signerId === user.id && s.role !== role && s.status !== "dismissed" && s.status !== "pending");
    if (otherRole)
      throw new AppError(
        "forbidden",
        `You already signed ${label} as ${otherRole.role.replace("_", " ")}: one person signs one role per change`,
      );
    const target = rows.find((s) => s.role === role && s.status === "pending");
    if (!target) {
      const decided = rows.find((s) => s.role === role && s.status !== "dismissed");
      throw decided
        ? new AppError("conflict", `The ${role.replace("_", " ")} sign-off on ${label} is already ${decided.status.replace("_", " ")}`)
        : new AppError("conflict", `${label} does not ask for a ${role.replace("_", " ")} sign-off`);
    }
    // The guard on status makes the decision race-safe: a second writer updates nothing.
    const status = DECISION_STATUS[decision];
    const result = await tx
      .update(signoffs)
      .set({
        status,
        signerId: user.id,
        comment: comment || null,
        contentHash: change.contentHash,
        reviewedVersionId: change.headVersionId,
        reviewedBaseVersionId: comparedWith?.id ?? null,
        decidedAt: now,
      })
      .where(and(eq(signoffs.id, target.id), eq(signoffs.status, "pending")));
    if (changedRows(result) !== 1)
      throw new AppError("conflict", `The ${role.replace("_", " ")} sign-off on ${label} was just decided by someone else`);

    const actor = actorOf(caller);
    const standing = rows.map((s) => (s.id === target.id ? { ...s, status, contentHash: change.contentHash } : s));
    if (retro) return await recordRetroDecision(tx, change, standing, status, role, comment, user.email, actor, now);
    const next = stateAfterDecision(decision, standing, change.contentHash!);
    if (!canTransition(change.state, next)) throw new AppError("conflict", `${label} cannot move from ${change.state} to ${next}`);
    const events: AuditInput[] = [
      {
        at: now,
        actor,
        action: `signoff.${status}`,
        entityType: "change_record",
        entityId: change.id,
        payload: { number: change.number, role, contentHash: change.contentHash, comment: comment || null },
      },
    ];
    if (next !== "in_review") {
      await tx
        .update(changeRecords)
        .set({
          state: next,
          updatedAt: now,
          ...(next === "approved" && { approvedAt: now }),
          ...(next === "rejected" && { closedAt: now }),
        })
        .where(eq(changeRecords.id, change.id));
      events.push({
        at: now,
        actor,
        action: next === "draft" ? "change.changes_requested" : `change.${next}`,
        entityType: "change_record",
        entityId: change.id,
        payload: { number: change.number, role, contentHash: change.contentHash },
      });
    }
    if (next === "rejected" || next === "draft") {
      // The review round is over: the roles still asked are no longer waited on.
      const reason = next === "rejected" ? `change rejected by ${user.email}` : `changes requested by ${user.email}`;
      const open = standing.filter((s) => s.status === "pending");
      if (open.length) {
        await tx
          .update(signoffs)
          .set({ status: "dismissed", dismissedStatus: "pending", dismissedAt: now, dismissedReason: reason })
          .where(
            inArray(
              signoffs.id,
              open.map((s) => s.id),
            ),
          );
        events.push(
          ...open.map((s) => ({
            at: now,
            actor,
            action: "signoff.dismissed",
            entityType: "change_record",
            entityId: change.id,
            payload: { number: change.number, role: s.role, previousStatus: "pending", reason },
          })),
        );
      }
    }
    await appendAuditEvents(tx, events);
    if (next === "rejected") await onFirstChangeClosed(tx, change, "rejected", actor, now);
    if (next === "approved") await notifyAuthor(tx, change, "change_approved", user.email, now);
    if (next === "rejected") await notifyAuthor(tx, change, "change_rejected", user.email, now);
    if (next === "draft") await notifyAuthor(tx, change, "changes_requested", user.email, now);
    return change.id;
  });
  return await changeView(db, await findChangeRow(db, id));
}

/**
 * A retro sign-off on a released emergency change: recorded, and the retro review completes when none
 * is open and none was rejected (a rejection stands until the change is rolled back).
 */
async function recordRetroDecision(
  tx: Tx,
  change: ChangeRow,
  standing: { status: string }[],
  status: SignoffStatus,
  role: Role,
  comment: string | undefined,
  signer: string,
  actor: Actor,
  now: number,
): Promise<string> {
  const events: AuditInput[] = [
    {
      at: now,
      actor,
      action: `signoff.${status}`,
      entityType: "change_record",
      entityId: change.id,
      payload: { number: change.number, role, contentHash: change.contentHash, comment: comment || null, retro: true },
    },
  ];
  if (status === "approved" && !standing.some((s) => s.status === "pending" || s.status === "rejected")) {
    await tx.update(changeRecords).set({ approvedAt: now, updatedAt: now }).where(eq(changeRecords.id, change.id));
    events.push({
      at: now,
      actor,
      action: "change.retro_signoff_completed",
      entityType: "change_record",
      entityId: change.id,
      payload: { number: change.number, dueAt: change.retroSignoffDueAt, late: now > change.retroSignoffDueAt! },
    });
  }
  await appendAuditEvents(tx, events);
  if (status === "rejected") await notifyAuthor(tx, change, "change_rejected", signer, now);
  return change.id;
}

/** What each role attests when it signs. */
export const ATTESTS: Record<Role, string> = {
  workflow_owner: "the semantics: what the agent does in the workflow, who gains or loses work, the harm metrics",
  security: "the authority: the permission diff, escalations first",
  engineering: "the runtime: the model and its pinning, the tools, the eval runs",
  operations: "the incident path: rollback plan and owner, monitoring, trace retention",
  compliance: "the regulated, critical path as a whole",
  leader: "",
  auditor: "",
  admin: "",
};

export type QueueItem = {
  changeId: string;
  number: number;
  title: string;
  agent: { slug: string; name: string };
  riskTier: RiskLevel | null;
  role: Role;
  attests: string;
  waitingSince: number;
  /** Set for a retro sign-off: the released emergency change's deadline. */
  retroDueAt: number | null;
};

export const queuePageSchema = z.object(paging);
export type QueuePage = z.infer<typeof queuePageSchema>;

/** `page` and `pageSize` of the sign-off queue; a bad value is a 400 naming it. */
export function parseQueuePage(params: SearchParamsInput): QueuePage {
  return parseQuery(queuePageSchema, params);
}

/** Which roles of the caller are asked to sign anything (none for a token, a leader or an auditor). */
function signingRoles(caller: Caller): Role[] {
  if (caller.kind !== "user") throw new AppError("forbidden", "Sign-off queues belong to people: API tokens cannot sign off");
  return caller.user.roles.filter((r) => ATTESTS[r]);
}

/**
 * The pending sign-offs waiting on these roles that this person may decide. It starts from the
 * pending sign-offs (open work, few whatever the length of history) and asks per change whether the
 * person wrote it or already decided on it in another role.
 */
function queueWhere(userId: string, roles: Role[]): SQL | undefined {
  return and(
    eq(signoffs.status, "pending"),
    inArray(signoffs.role, roles),
    or(eq(changeRecords.state, "in_review"), and(eq(changeRecords.state, "released"), isNotNull(changeRecords.retroSignoffDueAt))),
    sql`(${changeRecords.authorId} IS NULL OR ${ne(changeRecords.authorId, userId)})`,
    sql`NOT EXISTS (SELECT 1 FROM ${apiTokens} t WHERE t.id = ${changeRecords.authorTokenId} AND t.created_by_id = ${userId})`,
    // One person signs one role per change: hide changes they already decided in another role.
    sql`NOT EXISTS (SELECT 1 FROM ${signoffs} s2 WHERE s2.change_record_id = ${changeRecords.id} AND s2.signer_id = ${userId} AND s2.status NOT IN ('pending', 'dismissed'))`,
  );
}

/** The signed-in person's queue: sign-offs waiting on a role they hold, on changes they did not write, oldest first (a page of it when asked). */
export async function mySignoffQueue(caller: Caller, page?: QueuePage): Promise<QueueItem[]> {
  const roles = signingRoles(caller);
  if (roles.length === 0 || caller.kind !== "user") return [];
  const query = getDb()
    .select({ signoff: signoffs, change: changeRecords, agentSlug: agents.slug, agentName: agents.name })
    .from(signoffs)
    .innerJoin(changeRecords, eq(changeRecords.id, signoffs.changeRecordId))
    .innerJoin(agents, eq(agents.id, changeRecords.agentId))
    .where(queueWhere(caller.user.id, roles))
    .orderBy(asc(signoffs.createdAt), asc(signoffs.id));
  const rows = page ? await query.limit(page.pageSize).offset((page.page - 1) * page.pageSize) : await query;
  return rows.map((r) => ({
    changeId: r.change.id,
    number: r.change.number,
    title: r.change.title,
    agent: { slug: r.agentSlug, name: r.agentName },
    riskTier: r.change.riskTier,
    role: r.signoff.role,
    attests: ATTESTS[r.signoff.role],
    waitingSince: r.signoff.createdAt,
    retroDueAt: r.change.state === "released" ? r.change.retroSignoffDueAt : null,
  }));
}

/** How many sign-offs wait on the signed-in person, and how many of them are retro sign-offs of emergency releases: one counting query. */
export async function mySignoffCounts(caller: Caller): Promise<{ waiting: number; retro: number }> {
  const roles = signingRoles(caller);
  if (roles.length === 0 || caller.kind !== "user") return { waiting: 0, retro: 0 };
  const row = await first(
    getDb()
      .select({ waiting: sql<number>`COUNT(*)`, retro: sql<number>`COUNT(CASE WHEN ${changeRecords.state} = 'released' THEN 1 END)` })
      .from(signoffs)
      .innerJoin(changeRecords, eq(changeRecords.id, signoffs.changeRecordId))
      .where(queueWhere(caller.user.id, roles)),
  );
  return { waiting: row?.waiting ?? 0, retro: row?.retro ?? 0 };
}

export type TimelineEntry = { seq: number; at: number; actor: string; action: string; payload: Record<string, unknown> };

/** Every event of a change record, from the audit trail, oldest first: the record of how it got here. */
export async function changeTimeline(caller: Caller, changeId: string): Promise<TimelineEntry[]> {
  if (caller.kind === "token" && !caller.scopes.includes("read"))
    throw new AppError("forbidden", `Token "${caller.name}" lacks the read scope`);
  return (
    await getDb()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "change_record"), eq(auditEvents.entityId, changeId)))
      .orderBy(asc(auditEvents.seq))
  ).map((e) => ({ seq: e.seq, at: e.at, actor: e.actorLabel, action: e.action, payload: (e.payload ?? {}) as Record<string, unknown> }));
}

/** The roles in which this person may decide on this change now (empty when they may not). */
export async function rolesToDecide(caller: Caller, change: ChangeRecordView): Promise<Role[]> {
  const retro = change.state === "released" && change.retroSignoffDueAt !== null;
  if (caller.kind !== "user" || (change.state !== "in_review" && !retro)) return [];
  if (change.author.kind === "user" && change.author.id === caller.user.id) return [];
  if (change.author.kind === "token" && (await tokenHolderOf(getDb(), change.author.id)) === caller.user.id) return [];
  const decidedElsewhere = change.signoffs.some(
    (s) => s.signer === caller.user.email && s.status !== "pending" && s.status !== "dismissed",
  );
  if (decidedElsewhere) return [];
  return change.signoffs.filter((s) => s.status === "pending" && caller.user.roles.includes(s.role)).map((s) => s.role);
}
