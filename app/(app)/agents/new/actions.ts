"use server";

import { revalidatePath } from "next/cache";
import { durable } from "@/db";
import { registerAgent } from "@/lib/server/agent-registration";
import { previewRegistration } from "@/lib/server/agent-registration-form";
import type { AgentDetails, RegistrationPreviewInput, RegistrationResult } from "@/components/agents/register-agent-form";
import type { ChangePreview, EditChangeInput } from "@/lib/validations/change-record";
import { actionCaller, actionFailure, previewFailure } from "../../run-action";

/** Registers the agent with its first change: a draft, or straight to review. Refused, it creates nothing and the form keeps what was typed. */
export async function registerAgentAction(details: AgentDetails, fields: EditChangeInput, submit: boolean): Promise<RegistrationResult> {
  try {
    const { change } = await registerAgent(await actionCaller(), {
      ...fields,
      ...details,
      rollbackOwner: fields.rollbackOwner ?? "",
      submit,
    });
    await durable();
    revalidatePath("/agents");
    revalidatePath("/changes");
    return { ok: true, id: change.id, label: change.label };
  } catch (caught) {
    return actionFailure(caught, "Registering an agent failed", {
      otherwise: "Something went wrong on our side; it has been logged. Your entries are still here.",
      unchanged: " Your entries are still here.",
    });
  }
}

/** The form's live panel: what the first spec grants, its tier and who must sign. Nothing saved. */
export async function previewRegistrationAction(input: RegistrationPreviewInput): Promise<ChangePreview | { error: string }> {
  try {
    return await previewRegistration(await actionCaller(), input);
  } catch (caught) {
    return previewFailure(caught);
  }
}
