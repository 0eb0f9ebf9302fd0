"use server";

import { revalidatePath } from "next/cache";
import { durable } from "@/db";
import type { FieldErrors } from "@/lib/errors";
import { issueToken, revokeToken } from "@/lib/server/api-tokens";
import { actionCaller, actionFailure, runAsUser, type ActionOutcome } from "../../run-action";

type IssueOutcome = { ok: true; message: string; name: string; token: string } | { ok: false; message: string; fieldErrors?: FieldErrors };

/** Issues a token and hands its secret to the admin's browser, this once; it is never stored or logged. */
export async function issueTokenAction(input: Record<string, unknown>): Promise<IssueOutcome> {
  try {
    const { token, view } = await issueToken(await actionCaller(), input);
    await durable();
    revalidatePath("/settings/tokens");
    return { ok: true, message: `Token “${view.name}” issued. Copy it now: it will not be shown again.`, name: view.name, token };
  } catch (caught) {
    return actionFailure(caught, "Issuing an API token failed", {
      otherwise: "Something went wrong on our side; it has been logged. No token was issued.",
    });
  }
}

export async function revokeTokenAction(id: string): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => `Token “${(await revokeToken(caller, id)).name}” revoked: requests with it are refused from now on`,
    ["/settings/tokens"],
  );
}
