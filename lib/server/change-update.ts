import "server-only";
import { and, eq, inArray, ne } from "drizzle-orm";
import { z } from "zod";
import { withTransaction, getDb } from "@/db";
import { appendAuditEvent, appendAuditEvents, type Actor, type AuditInput } from "@/db/audit";
import { agentVersions, changeRecords, signoffs } from "@/db/schema";
import { canonicalJson } from "@/lib/domain/canonical-json";
import type { DiffItem } from "@/lib/domain/permission-diff";
import { mergeSpecs } from "@/lib/domain/spec-merge";
import { specHash, validateSpec } from "@/lib/domain/spec";
import { changeNumberLabel } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { actorOf, type Caller } from "./caller";
import {
  assessRow,
  changeView,
  comparisonBaseOf,
  findChangeRow,
  isBehindProduction,
  problemsOf,
  productionNow,
  type ChangeRecordView,
  type ChangeRow,
} from "./change-records";
import { agentWithWorkflow, askSignoffs, dismissSignoffs, openChangeOfAuthor, redoSignoffs, refresh, save, type Tx } from "./changes";
import { currentPolicy } from "./policy";

/**
 * "Update from production", like updating a pull request from its protected branch: the change's own
 * edits (base → head) are re-applied on top of what production runs now. Sign-offs whose reviewed
 * diff is unchanged carry over to the new content; the others are dismissed and asked again.
 */

export const updateFromProductionSchema = z.strictObject({
  /** For each conflicting field (by path): keep the change's value ("ours") or take production's ("theirs"). */
  resolutions: z
    .record(
      z.string().max(300, "A field path is at most 300 characters"),
      z.enum(["ours", "theirs"], { error: 'Each resolution is "ours" or "theirs"' }),
    )
    .refine((r) => Object.keys(r).length <= 200, "At most 200 resolutions: one per conflicting field")
    .default({}),
});

type Versions = Map<string, typeof agentVersions.$inferSelect>;

async function versionsById(tx: Tx, ids: (string | null)[]): Promise<Versions> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  const rows = wanted.length ? await tx.select().from(agentVersions).where(inArray(agentVersions.id, wanted)) : [];
  return new Map(rows.map((v) => [v.id, v]));
}

/** A diff as a reviewer reads it, independent of version numbers: what would change, item by item. */
const diffKey = (diff: DiffItem[]) => canonicalJson(diff.map((i) => ({ kind: i.kind, path: i.path, before: i.before, after: i.after })));

export async function updateFromProduction(caller: Caller, ref: string, input: unknown, now = Date.now()): Promise<ChangeRecordView> {
  const db = getDb();
  const id = await withTransaction(async (tx) => {
    // Who before what: only the author of an open change brings it up to date.
    const row = await openChangeOfAuthor(tx, caller, ref, "update");
    const { resolutions } = parseInput(updateFromProductionSchema, input, "The update has problems");
    const label = changeNumberLabel(row.number);
    const production = await productionNow(tx, row.agentId);
    if (!production || !isBehindProduction(row, production)) {
      throw new AppError("conflict", `${label} is already up to date with production`);
    }
    if (row.retire) return await retargetRetirement(tx, row, production, actorOf(caller), now);
    if (!row.headVersionId || row.draftSpecText) {
      throw new AppError("conflict", `${label}'s spec does not parse yet: fix it in the editor, then update it from production`);
    }
    const versions = await versionsById(tx, [row.baseVersionId, row.headVersionId, production.versionId]);
    const ours = versions.get(row.headVersionId)!.spec;
    const theirs = versions.get(production.versionId)!.spec;
    const base = row.baseVersionId ? versions.get(row.baseVersionId)!.spec : null;
    const merge = mergeSpecs(base, ours, theirs, resolutions);
    if (!merge.spec) {
      const open = merge.conflicts.filter((c) => !resolutions[c.path]);
      throw new AppError(
        "conflict",
        `${label} and production both changed ${open.map((c) => c.label).join(", ")}: choose which to keep for each`,
        { conflicts: merge.conflicts },
      );
    }
    const valid = validateSpec(merge.spec);
    if (!valid.ok) {
      throw new AppError("validation_failed", `The updated spec would not be valid: ${valid.issues[0]!.message}`, {
        fieldErrors: Object.fromEntries(valid.issues.map((i) => [`spec.${i.path}`, [i.message]])),
      });
    }
    if (specHash(valid.spec) === versions.get(production.versionId)!.specHash) {
      throw new AppError("conflict", `Production already runs everything ${label} would change: nothing is left to review; withdraw it`);
    }
    const actor = actorOf(caller);
    const { row: refreshed } = await refresh(
      tx,
      { ...row, baseVersionId: production.versionId },
      valid.spec as Record<string, unknown>,
      actor,
      now,
    );
    if (row.state !== "draft") {
      // Still in review: the result must be as fit for review as any edit (e.g. a harm metric for an escalation).
      const { workflow } = await agentWithWorkflow(tx, row.agentId);
      const assessment = assessRow(refreshed, { workflow, base: theirs, head: valid.spec }, (await currentPolicy(tx)).policy);
      const problems = problemsOf(refreshed, valid.spec, [], assessment);
      if (Object.keys(problems).length > 0) {
        throw new AppError(
          "validation_failed",
          `${label} would be unfit for review after the update: ${Object.values(problems).flat()[0]}`,
          {
            fieldErrors: problems,
          },
        );
      }
    }
    const next =
      row.state === "draft"
        ? refreshed
        : (await reconcileSignoffs(tx, row, refreshed, `${actor.label} updated the change from production`, actor, now)).row;
    await save(tx, next);
    await appendAuditEvent(tx, {
      at: now,
      actor,
      action: "change.updated_from_production",
      entityType: "change_record",
      entityId: row.id,
      payload: {
        number: row.number,
        fromBaseVersion: row.baseVersionId ? versions.get(row.baseVersionId)!.number : null,
        toBaseVersion: production.number,
        fromProduction: merge.fromProduction,
        // Only the answers to real conflicts are the record; anything else sent is ignored.
        resolutions: Object.fromEntries(merge.conflicts.map((c) => [c.path, resolutions[c.path]])),
        specHash: specHash(valid.spec),
        previousContentHash: row.contentHash,
        contentHash: next.contentHash,
        ...(next.state !== row.state && { previousState: row.state, state: next.state }),
      },
    });
    return row.id;
  });
  return await changeView(db, await findChangeRow(db, id));
}

/**
 * A retire change whose production moved now retires what production runs instead: a different version
 * than its signers agreed to retire, so every standing decision is dismissed and asked again.
 */
async function retargetRetirement(
  tx: Tx,
  row: ChangeRow,
  production: { versionId: string; number: number },
  actor: Actor,
  now: number,
): Promise<string> {
  const retargeted = { ...row, baseVersionId: production.versionId, headVersionId: production.versionId };
  const { row: refreshed } = await refresh(tx, retargeted, undefined, actor, now);
  const next =
    row.state === "draft" ? refreshed : await redoSignoffs(tx, { ...refreshed, state: "in_review", approvedAt: null }, actor, now);
  await save(tx, next);
  await appendAuditEvent(tx, {
    at: now,
    actor,
    action: "change.updated_from_production",
    entityType: "change_record",
    entityId: row.id,
    payload: {
      number: row.number,
      retire: true,
      toBaseVersion: production.number,
      previousContentHash: row.contentHash,
      contentHash: next.contentHash,
      ...(next.state !== row.state && { previousState: row.state, state: next.state }),
    },
  });
  return row.id;
}

/**
 * After the update, in review or approved: an approval stands (re-bound to the new content) when the
 * diff its signer reviewed is exactly the diff the change now makes; every other decision is
 * dismissed. Roles the change now needs and no longer has are asked; roles it no longer needs stop
 * being waited on. All required roles approved: approved; otherwise in review.
 */
async function reconcileSignoffs(
  tx: Tx,
  before: ChangeRow,
  next: ChangeRow,
  why: string,
  actor: Actor,
  now: number,
): Promise<{ row: ChangeRow; dismissed: number; asked: number }> {
  const { workflow } = await agentWithWorkflow(tx, next.agentId);
  const { version, policy } = await currentPolicy(tx);
  const live = await tx
    .select()
    .from(signoffs)
    .where(and(eq(signoffs.changeRecordId, next.id), ne(signoffs.status, "dismissed")));
  const compared = await comparisonBaseOf(tx, next);
  const versions = await versionsById(tx, [
    next.baseVersionId,
    next.headVersionId,
    ...live.flatMap((s) => [s.reviewedVersionId, s.reviewedBaseVersionId]),
  ]);
  const spec = (id: string | null) => (id ? (versions.get(id)?.spec ?? null) : null);
  const assessment = assessRow(next, { workflow, base: compared?.spec ?? null, head: spec(next.headVersionId) }, policy)!;
  const currentKey = diffKey(assessment.diff);
  const required = new Map(assessment.required.map((r) => [r.role, r.reason]));
  const reviewedKey = (s: (typeof live)[number]) => {
    const head = spec(s.reviewedVersionId ?? before.headVersionId);
    return head
      ? diffKey(assessRow(next, { workflow, base: spec(s.reviewedBaseVersionId ?? before.baseVersionId), head }, policy)!.diff)
      : null;
  };

  const carried = live.filter((s) => s.status === "approved" && required.has(s.role) && reviewedKey(s) === currentKey);
  const stale = live.filter((s) => !carried.includes(s) && !(s.status === "pending" && required.has(s.role)));
  await dismissSignoffs(tx, next, stale, `dismissed: ${why}; the diff it makes changed`, actor, now);
  // An approval of exactly this content against exactly this version simply stands; only a moved one is re-bound.
  const standsAsIs = (x: (typeof live)[number]) =>
    (x.reviewedVersionId ?? before.headVersionId) === next.headVersionId &&
    (x.reviewedBaseVersionId ?? before.baseVersionId) === (compared?.id ?? null) &&
    x.contentHash === next.contentHash;
  const rebound = carried.filter((x) => !standsAsIs(x));
  if (rebound.length) {
    await tx
      .update(signoffs)
      .set({ contentHash: next.contentHash, reviewedVersionId: next.headVersionId, reviewedBaseVersionId: compared?.id ?? null })
      .where(
        inArray(
          signoffs.id,
          rebound.map((s) => s.id),
        ),
      );
    await appendAuditEvents(
      tx,
      rebound.map((s): AuditInput => ({
        at: now,
        actor,
        action: "signoff.carried_over",
        entityType: "change_record",
        entityId: next.id,
        payload: {
          number: next.number,
          role: s.role,
          previousContentHash: s.contentHash,
          contentHash: next.contentHash,
          reason: "the diff it reviewed is unchanged",
        },
      })),
    );
  }
  const covered = new Set([...carried, ...live.filter((s) => s.status === "pending" && required.has(s.role))].map((s) => s.role));
  const ask = assessment.required.filter((r) => !covered.has(r.role));
  await askSignoffs(tx, next, ask, now);
  // Approved when every role it needs stands approved, or when it needs none as a standard change;
  // a change that no longer changes anything is never approved for lack of signers.
  const approved =
    assessment.diff.length > 0 && ask.length === 0 && assessment.required.every((r) => carried.some((s) => s.role === r.role));
  // Production already runs all it proposes (a rollback put it back): nothing to review, so it goes back
  // to its author as a draft, to withdraw or to change, instead of waiting in review on nobody.
  const row: ChangeRow = approved
    ? { ...next, state: "approved", approvedAt: next.approvedAt ?? now, policyVersion: version }
    : assessment.diff.length === 0
      ? { ...next, state: "draft", approvedAt: null, policyVersion: version }
      : { ...next, state: "in_review", approvedAt: null, policyVersion: version };
  return { row, dismissed: stale.length, asked: ask.length };
}

/**
 * Production moved (a release or a rollback): every change in review or approved on the agent that is
 * based on what production runs now (typically after a rollback put its base back) is re-assessed
 * against it. Approvals of a diff that is no longer the diff are dismissed and asked again, so no
 * approval given against another production survives the move. Changes the move left out of date are
 * held by the up_to_date gate and reconciled when their author updates them.
 */
export async function reassessOpenChanges(
  tx: Tx,
  agentId: string,
  production: { version: number; through: string },
  actor: Actor,
  now: number,
) {
  const open = await tx
    .select()
    .from(changeRecords)
    .where(and(eq(changeRecords.agentId, agentId), inArray(changeRecords.state, ["in_review", "approved"])));
  const current = await productionNow(tx, agentId);
  for (const row of open) {
    if (!row.headVersionId || row.draftSpecText) continue;
    // Out of date now: the up_to_date gate holds it, and updating from production reconciles its sign-offs then.
    if (isBehindProduction(row, current)) continue;
    const { row: refreshed } = await refresh(tx, row, undefined, actor, now);
    const why = `production moved to v${production.version} through ${production.through}`;
    const { row: next, dismissed, asked } = await reconcileSignoffs(tx, row, refreshed, why, actor, now);
    if (dismissed === 0 && asked === 0 && next.state === row.state && next.riskTier === row.riskTier) continue;
    await saveReassessment(tx, row, next, why, { dismissed, asked }, actor, now);
  }
}

/** Saves a change re-assessed after something it depends on moved, and records why and what that did to it. */
export async function saveReassessment(
  tx: Tx,
  row: ChangeRow,
  next: ChangeRow,
  reason: string,
  details: Record<string, unknown>,
  actor: Actor,
  now: number,
) {
  await save(tx, next);
  await appendAuditEvent(tx, {
    at: now,
    actor,
    action: "change.reassessed",
    entityType: "change_record",
    entityId: row.id,
    payload: {
      number: row.number,
      reason,
      previousRiskTier: row.riskTier,
      riskTier: next.riskTier,
      ...details,
      ...(next.state !== row.state && { previousState: row.state, state: next.state }),
    },
  });
}
