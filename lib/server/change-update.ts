import "server-only";
import { and, eq, inArray, ne } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db";
import { appendAuditEvent, appendAuditEvents, type Actor, type AuditInput } from "@/db/audit";
import { agentVersions, signoffs } from "@/db/schema";
import { canonicalJson } from "@/lib/domain/canonical-json";
import type { DiffItem } from "@/lib/domain/permission-diff";
import { mergeSpecs, type MergeConflict } from "@/lib/domain/spec-merge";
import { validateSpec, type AgentSpec } from "@/lib/domain/spec";
import { changeNumberLabel } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { actorOf, type Caller } from "./caller";
import { assessRow, changeView, findChangeRow, productionNow, type ChangeRecordView, type ChangeRow } from "./change-records";
import { agentWithWorkflow, askSignoffs, dismissSignoffs, openChangeOfAuthor, refresh, save, type Tx } from "./changes";
import { currentPolicy } from "./policy";

/**
 * "Update from production", like updating a pull request from its protected branch: the change's own
 * edits (base → head) are re-applied on top of what production runs now. Sign-offs whose reviewed
 * diff is unchanged carry over to the new content; the others are dismissed and asked again.
 */

export const updateFromProductionSchema = z.strictObject({
  /** For each conflicting field (by path): keep the change's value ("ours") or take production's ("theirs"). */
  resolutions: z.record(z.string(), z.enum(["ours", "theirs"], { error: 'Each resolution is "ours" or "theirs"' })).default({}),
});

export type UpdateConflicts = { conflicts: MergeConflict[] };

const EMPTY_SPEC: AgentSpec = {
  // A new agent has no base: every field both sides set differently is a conflict.
  model: { provider: "\u0000", name: "\u0000", version: "\u0000" },
  instructions: "\u0000",
  autonomy: "\u0000" as AgentSpec["autonomy"],
  tools: [],
  forbidden: [],
  traceRetentionDays: -1,
};

type Versions = Map<string, typeof agentVersions.$inferSelect>;

function versionsById(tx: Tx, ids: (string | null)[]): Versions {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  const rows = wanted.length ? tx.select().from(agentVersions).where(inArray(agentVersions.id, wanted)).all() : [];
  return new Map(rows.map((v) => [v.id, v]));
}

/** A diff as a reviewer reads it, independent of version numbers: what would change, item by item. */
const diffKey = (diff: DiffItem[]) => canonicalJson(diff.map((i) => ({ kind: i.kind, path: i.path, before: i.before, after: i.after })));

export function updateFromProduction(caller: Caller, ref: string, input: unknown, now = Date.now()): ChangeRecordView {
  const db = getDb();
  const id = db.transaction(
    (tx) => {
      // Who before what: only the author of an open change brings it up to date.
      const row = openChangeOfAuthor(tx, caller, ref, "update");
      const { resolutions } = parseInput(updateFromProductionSchema, input, "The update has problems");
      const label = changeNumberLabel(row.number);
      const production = productionNow(tx, row.agentId);
      if (!production || production.versionId === row.baseVersionId) {
        throw new AppError("conflict", `${label} is already up to date with production`);
      }
      if (!row.headVersionId || row.draftSpecText) {
        throw new AppError("conflict", `${label}'s spec does not parse yet: fix it in the editor, then update it from production`);
      }
      const versions = versionsById(tx, [row.baseVersionId, row.headVersionId, production.versionId]);
      const ours = versions.get(row.headVersionId)!.spec;
      const theirs = versions.get(production.versionId)!.spec;
      const base = row.baseVersionId ? versions.get(row.baseVersionId)!.spec : EMPTY_SPEC;
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
      const actor = actorOf(caller);
      const { row: refreshed } = refresh(
        tx,
        { ...row, baseVersionId: production.versionId },
        valid.spec as Record<string, unknown>,
        actor,
        now,
      );
      const next = row.state === "draft" ? refreshed : reconcileSignoffs(tx, row, refreshed, actor, now);
      save(tx, next);
      appendAuditEvent(tx, {
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
          resolutions,
          previousContentHash: row.contentHash,
          contentHash: next.contentHash,
          ...(next.state !== row.state && { previousState: row.state, state: next.state }),
        },
      });
      return row.id;
    },
    { behavior: "immediate" },
  );
  return changeView(db, findChangeRow(db, id));
}

/**
 * After the update, in review or approved: an approval stands (re-bound to the new content) when the
 * diff its signer reviewed is exactly the diff the change now makes; every other decision is
 * dismissed. Roles the change now needs and no longer has are asked; roles it no longer needs stop
 * being waited on. All required roles approved: approved; otherwise in review.
 */
function reconcileSignoffs(tx: Tx, before: ChangeRow, next: ChangeRow, actor: Actor, now: number): ChangeRow {
  const { workflow } = agentWithWorkflow(tx, next.agentId);
  const { version, policy } = currentPolicy(tx);
  const live = tx
    .select()
    .from(signoffs)
    .where(and(eq(signoffs.changeRecordId, next.id), ne(signoffs.status, "dismissed")))
    .all();
  const versions = versionsById(tx, [
    next.baseVersionId,
    next.headVersionId,
    ...live.flatMap((s) => [s.reviewedVersionId, s.reviewedBaseVersionId]),
  ]);
  const spec = (id: string | null) => (id ? (versions.get(id)?.spec ?? null) : null);
  const assessment = assessRow(next, { workflow, base: spec(next.baseVersionId), head: spec(next.headVersionId) }, policy)!;
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
  dismissSignoffs(tx, next, stale, `dismissed: ${actor.label} updated the change from production; the diff it makes changed`, actor, now);
  if (carried.length) {
    tx.update(signoffs)
      .set({ contentHash: next.contentHash, reviewedVersionId: next.headVersionId, reviewedBaseVersionId: next.baseVersionId })
      .where(
        inArray(
          signoffs.id,
          carried.map((s) => s.id),
        ),
      )
      .run();
    appendAuditEvents(
      tx,
      carried.map((s): AuditInput => ({
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
  askSignoffs(tx, next, ask, now);
  const approved = ask.length === 0 && assessment.required.every((r) => carried.some((s) => s.role === r.role));
  return approved
    ? { ...next, state: "approved", approvedAt: next.approvedAt ?? now, policyVersion: version }
    : { ...next, state: "in_review", approvedAt: null, policyVersion: version };
}
