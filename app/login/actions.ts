"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/lib/server/auth";

export type SignInState = { message?: string; email?: string };

/** Only same-site paths are followed after sign-in, so the login page cannot be used as an open redirect. */
function safeCallback(value: FormDataEntryValue | null): string {
  const path = typeof value === "string" ? value : "";
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : "/";
}

export async function signInWithPassword(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  if (!email || !password) return { email, message: "Enter your email and password." };
  try {
    await signIn("credentials", { email, password, redirectTo: safeCallback(form.get("callbackUrl")) });
    return {};
  } catch (error) {
    if (error instanceof AuthError) {
      return {
        email,
        message:
          error.type === "CredentialsSignin"
            ? "Wrong email or password. Check both and try again."
            : "Sign-in failed. Try again in a moment.",
      };
    }
    throw error; // a successful sign-in "throws" its redirect
  }
}

export async function signInWithSso(form: FormData): Promise<void> {
  await signIn("oidc", { redirectTo: safeCallback(form.get("callbackUrl")) });
}
