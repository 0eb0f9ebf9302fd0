"use server";

import { revalidatePath } from "next/cache";
import { durable } from "@/db";
import { refusalIn, isAppError, type FieldErrors } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { publishPolicy } from "@/lib/server/policy";

export async function publishPolicyAction(
  document: unknown,
): Promise<{ ok: true; version: number } | { ok: false; message: string; fieldErrors?: FieldErrors }> {
  const caller = userCaller(await requireUser());
  try {
    const { version } = await publishPolicy(caller, document);
    await durable();
    revalidatePath("/settings/policy");
    return { ok: true, version };
  } catch (caught) {
    const error = refusalIn(caught);
    if (isAppError(error)) return { ok: false, message: error.message, fieldErrors: error.details.fieldErrors };
    console.error("Publishing the policy failed", error);
    return { ok: false, message: "Something went wrong on our side; it has been logged. Your edits are still here." };
  }
}
