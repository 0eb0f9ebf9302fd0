"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import type { PublicFormState } from "@/components/account/password-form";
import { durable, storageFailure } from "@/db";
import { refusalIn, isAppError, storageUnavailable } from "@/lib/errors";
import { signIn } from "@/lib/server/auth";
import { completeSetup } from "@/lib/server/setup";

/** Creates the first admin, then signs them in with the password they just chose. */
export async function completeSetupAction(_previous: PublicFormState, form: FormData): Promise<PublicFormState> {
  const values = { name: String(form.get("name") ?? ""), email: String(form.get("email") ?? "") };
  const password = String(form.get("password") ?? "");
  let email: string;
  try {
    ({ email } = await completeSetup({ ...values, password }));
    await durable();
  } catch (caught) {
    const error = refusalIn(caught);
    if (isAppError(error)) return { message: error.message, fieldErrors: error.details.fieldErrors, values };
    console.error("Setup failed", error);
    const storage = storageFailure(error);
    return { message: storage ? storageUnavailable(storage).message : "Something went wrong on our side; it has been logged.", values };
  }
  await signInAfterPasswordSet(email, password);
  return {};
}

/** Signs in with the password just set; a success "throws" its redirect. If sign-in fails, the password is set all the same. */
export async function signInAfterPasswordSet(email: string, password: string): Promise<void> {
  try {
    await signIn("credentials", { email, password, redirectTo: "/" });
  } catch (error) {
    if (error instanceof AuthError) redirect("/login");
    throw error;
  }
}
