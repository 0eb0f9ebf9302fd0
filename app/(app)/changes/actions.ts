"use server";

import { revalidatePath } from "next/cache";
import { isAppError, type FieldErrors } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { editChange, previewChange, proposeChange, submitChange, withdrawChange } from "@/lib/server/changes";
import { signOff } from "@/lib/server/signoffs";
import type { ChangePreview, EditChangeInput } from "@/lib/validations/change-record";

export type ActionResult = { ok: true; id: string; label: string } | { ok: false; message: string; fieldErrors?: FieldErrors };

async function run(fn: (caller: ReturnType<typeof userCaller>) => { id: string; label: string }): Promise<ActionResult> {
  const caller = userCaller(await requireUser());
  try {
    const change = fn(caller);
    revalidatePath("/changes");
    revalidatePath(`/changes/${change.label}`);
    return { ok: true, id: change.id, label: change.label };
  } catch (error) {
    if (isAppError(error)) return { ok: false, message: error.message, fieldErrors: error.details.fieldErrors };
    console.error("Change action failed", error);
    return { ok: false, message: "Something went wrong on our side; it has been logged. Your edits are still here." };
  }
}

/** Saves the editor's content: a new draft the first time, an edit after. Never loses what was typed. */
export async function saveChangeAction(changeId: string | null, agent: string, fields: EditChangeInput): Promise<ActionResult> {
  return run((caller) => (changeId ? editChange(caller, changeId, fields) : proposeChange(caller, { ...fields, agent })));
}

export async function submitChangeAction(changeId: string): Promise<ActionResult> {
  return run((caller) => submitChange(caller, changeId));
}

export async function withdrawChangeAction(changeId: string, reason: string): Promise<ActionResult> {
  return run((caller) => withdrawChange(caller, changeId, { reason }));
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
  const caller = userCaller(await requireUser());
  try {
    return previewChange(caller, input);
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    throw error;
  }
}

export async function decideSignoffAction(input: {
  changeId: string;
  role: string;
  decision: string;
  comment: string;
  contentHash: string;
}): Promise<{ ok: true; state: string } | { ok: false; message: string }> {
  const caller = userCaller(await requireUser());
  try {
    const change = signOff(caller, input.changeId, {
      role: input.role,
      decision: input.decision,
      comment: input.comment || undefined,
      contentHash: input.contentHash,
    });
    revalidatePath("/signoffs");
    revalidatePath(`/changes/${change.label}`);
    return { ok: true, state: change.state };
  } catch (error) {
    if (isAppError(error)) return { ok: false, message: error.message };
    console.error("Sign-off failed", error);
    return { ok: false, message: "Something went wrong on our side; it has been logged." };
  }
}
