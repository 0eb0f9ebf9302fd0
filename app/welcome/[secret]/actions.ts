"use server";

import type { PublicFormState } from "@/components/account/password-form";
import { durable, storageFailure } from "@/db";
import { refusalIn, isAppError, storageUnavailable } from "@/lib/errors";
import { redeemAccountLink } from "@/lib/server/account-links";
import { signInAfterPasswordSet } from "@/app/setup/actions";

/** Sets the password through a one-time link, then signs the person in with it. */
export async function setPasswordAction(secret: string, _previous: PublicFormState, form: FormData): Promise<PublicFormState> {
  const password = String(form.get("password") ?? "");
  let email: string;
  try {
    ({ email } = await redeemAccountLink(secret, { password }));
    await durable();
  } catch (caught) {
    const error = refusalIn(caught);
    if (isAppError(error)) return { message: error.message, fieldErrors: error.details.fieldErrors };
    console.error("Setting a password through a link failed", error);
    const storage = storageFailure(error);
    return { message: storage ? storageUnavailable(storage).message : "Something went wrong on our side; it has been logged." };
  }
  await signInAfterPasswordSet(email, password);
  return {};
}
