"use server";

import { revalidatePath } from "next/cache";
import { durable } from "@/db";
import type { EmailPreferences } from "@/lib/domain/mail-preferences";
import { changeMyPassword, updateMyName } from "@/lib/server/account";
import { updateMyEmailPreferences } from "@/lib/server/mail-preferences";
import { currentSessionId } from "@/lib/server/auth";
import { actionCaller, actionFailure, runAsUser, type ActionOutcome } from "../../run-action";

export async function updateNameAction(input: { name: string }): Promise<ActionOutcome> {
  // The name shows in the header on every page.
  return runAsUser(async (caller) => `Your name is now ${(await updateMyName(caller, input)).name}`, ["/", "/settings/account"]);
}

export async function updateEmailPreferencesAction(input: EmailPreferences): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const saved = await updateMyEmailPreferences(caller, input);
      return saved.delivery === "off" ? "Saved: you will not be emailed" : "Email preferences saved";
    },
    ["/settings/account"],
  );
}

/** Changes your password and signs you out everywhere else; this browser stays signed in. */
export async function changePasswordAction(input: { currentPassword: string; newPassword: string }): Promise<ActionOutcome> {
  try {
    const { sessionsEnded } = await changeMyPassword(await actionCaller(), input, await currentSessionId());
    await durable();
    revalidatePath("/settings/account");
    const elsewhere = sessionsEnded ? ` and signed out of ${sessionsEnded} other session${sessionsEnded === 1 ? "" : "s"}` : "";
    return { ok: true, message: `Password changed${elsewhere}` };
  } catch (caught) {
    return actionFailure(caught, "Changing a password failed");
  }
}
