"use server";

import { revalidatePath } from "next/cache";
import { durable } from "@/db";
import type { FieldErrors } from "@/lib/errors";
import { publishPolicy } from "@/lib/server/policy";
import { actionCaller, actionFailure } from "../../run-action";

export async function publishPolicyAction(
  document: unknown,
): Promise<{ ok: true; version: number } | { ok: false; message: string; fieldErrors?: FieldErrors }> {
  try {
    const { version } = await publishPolicy(await actionCaller(), document);
    await durable();
    revalidatePath("/settings/policy");
    return { ok: true, version };
  } catch (caught) {
    return actionFailure(caught, "Publishing the policy failed", {
      otherwise: "Something went wrong on our side; it has been logged. Your edits are still here.",
      unchanged: " Your edits are still here.",
    });
  }
}
