"use server";

import { revalidatePath } from "next/cache";
import { durable } from "@/db";
import type { FieldErrors } from "@/lib/errors";
import type { Caller } from "@/lib/server/caller";
import { editChange, proposeChange, submitChange, withdrawChange } from "@/lib/server/changes";
import { previewChange } from "@/lib/server/change-queries";
import { signOff } from "@/lib/server/signoffs";
import { updateFromProduction } from "@/lib/server/change-update";
import type { MergeConflict } from "@/lib/domain/spec-merge";
import type { ChangePreview, EditChangeInput } from "@/lib/validations/change-record";
import { actionCaller, actionFailure, previewFailure } from "../run-action";

export type ActionResult = { ok: true; id: string; label: string } | { ok: false; message: string; fieldErrors?: FieldErrors };

async function run(fn: (caller: Caller) => Promise<{ id: string; label: string }>): Promise<ActionResult> {
  try {
    const change = await fn(await actionCaller());
    await durable();
    revalidatePath("/changes");
    revalidatePath(`/changes/${change.label}`);
    return { ok: true, id: change.id, label: change.label };
  } catch (caught) {
    return actionFailure(caught, "Change action failed", {
      otherwise: "Something went wrong on our side; it has been logged. Your edits are still here.",
      unchanged: " Your edits are still here.",
    });
  }
}

/** Saves the editor's content: a new draft the first time, an edit after. Never loses what was typed. */
export async function saveChangeAction(changeId: string | null, agent: string, fields: EditChangeInput): Promise<ActionResult> {
  return run(async (caller) => (changeId ? await editChange(caller, changeId, fields) : await proposeChange(caller, { ...fields, agent })));
}

/** A new change straight to review: validated first, so a refused submission creates nothing (no stray "Untitled draft"). */
export async function proposeAndSubmitAction(agent: string, fields: EditChangeInput): Promise<ActionResult> {
  return run(async (caller) => await proposeChange(caller, { ...fields, agent, submit: true }));
}

type RetireFields = { title: string; rationale: string; rollbackPlan: string; rollbackOwner: string; monitoring: string };

/** Proposes retiring an agent, straight to review: a refused proposal creates nothing. */
export async function proposeRetirementAction(agent: string, fields: RetireFields): Promise<ActionResult> {
  return run(
    async (caller) =>
      await proposeChange(caller, { ...fields, rollbackOwner: fields.rollbackOwner || null, agent, retire: true, submit: true }),
  );
}

export async function editRetirementAction(changeId: string, fields: RetireFields): Promise<ActionResult> {
  return run(async (caller) => await editChange(caller, changeId, { ...fields, rollbackOwner: fields.rollbackOwner || null }));
}

export async function submitChangeAction(changeId: string): Promise<ActionResult> {
  return run(async (caller) => await submitChange(caller, changeId));
}

export async function withdrawChangeAction(changeId: string, reason: string): Promise<ActionResult> {
  return run(async (caller) => await withdrawChange(caller, changeId, { reason }));
}

/** The editor's live panel: what the change would be, without saving anything. */
export async function previewChangeAction(input: {
  agent: string;
  changeId: string | null;
  spec: string | Record<string, unknown>;
  emergency: boolean;
  raisedTier: string | null;
  raisedReason: string | null;
}): Promise<ChangePreview | { error: string }> {
  try {
    return await previewChange(await actionCaller(), input);
  } catch (caught) {
    return previewFailure(caught);
  }
}

export async function decideSignoffAction(input: {
  changeId: string;
  role: string;
  decision: string;
  comment: string;
  contentHash: string;
  comparedWithVersion: number | null;
}): Promise<{ ok: true; state: string } | { ok: false; message: string }> {
  try {
    const change = await signOff(await actionCaller(), input.changeId, {
      role: input.role,
      decision: input.decision,
      comment: input.comment || undefined,
      contentHash: input.contentHash,
      comparedWithVersion: input.comparedWithVersion,
    });
    await durable();
    revalidatePath("/signoffs");
    revalidatePath(`/changes/${change.label}`);
    return { ok: true, state: change.state };
  } catch (caught) {
    return actionFailure(caught, "Sign-off failed", { refused: (error) => ({ ok: false, message: error.message }) });
  }
}

export type UpdateResult = { ok: true; message: string } | { ok: false; message: string; conflicts?: MergeConflict[] };

/** Brings the change up to date with production; a field both sides changed comes back as a conflict to resolve. */
export async function updateFromProductionAction(changeId: string, resolutions: Record<string, "ours" | "theirs">): Promise<UpdateResult> {
  try {
    const change = await updateFromProduction(await actionCaller(), changeId, { resolutions });
    await durable();
    revalidatePath("/changes");
    revalidatePath(`/changes/${change.label}`);
    return { ok: true, message: `${change.label} is up to date with production (v${change.baseVersion?.number})` };
  } catch (caught) {
    return actionFailure(caught, "Update from production failed", {
      otherwise: "Something went wrong on our side; it has been logged. Nothing was changed.",
      refused: (error) => ({ ok: false, message: error.message, conflicts: error.details.conflicts as MergeConflict[] | undefined }),
    });
  }
}
