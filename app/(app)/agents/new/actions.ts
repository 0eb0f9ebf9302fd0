"use server";

import { revalidatePath } from "next/cache";
import { durable, storageFailure } from "@/db";
import { refusalIn, isAppError, storageUnavailable } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { registerAgent } from "@/lib/server/agent-registration";
import { previewRegistration } from "@/lib/server/agent-registration-form";
import type { AgentDetails, RegistrationPreviewInput, RegistrationResult } from "@/components/agents/register-agent-form";
import type { ChangePreview, EditChangeInput } from "@/lib/validations/change-record";

/** Registers the agent with its first change: a draft, or straight to review. Refused, it creates nothing and the form keeps what was typed. */
export async function registerAgentAction(details: AgentDetails, fields: EditChangeInput, submit: boolean): Promise<RegistrationResult> {
  const caller = userCaller(await requireUser());
  try {
    const { change } = await registerAgent(caller, { ...fields, ...details, rollbackOwner: fields.rollbackOwner ?? "", submit });
    await durable();
    revalidatePath("/agents");
    revalidatePath("/changes");
    return { ok: true, id: change.id, label: change.label };
  } catch (caught) {
    const error = refusalIn(caught);
    if (isAppError(error)) return { ok: false, message: error.message, fieldErrors: error.details.fieldErrors };
    console.error("Registering an agent failed", error);
    const storage = storageFailure(error);
    if (storage) return { ok: false, message: `${storageUnavailable(storage).message} Your entries are still here.` };
    return { ok: false, message: "Something went wrong on our side; it has been logged. Your entries are still here." };
  }
}

/** The form's live panel: what the first spec grants, its tier and who must sign. Nothing saved. */
export async function previewRegistrationAction(input: RegistrationPreviewInput): Promise<ChangePreview | { error: string }> {
  const caller = userCaller(await requireUser());
  try {
    return await previewRegistration(caller, input);
  } catch (caught) {
    const error = refusalIn(caught);
    if (isAppError(error)) return { error: error.message };
    throw error;
  }
}
