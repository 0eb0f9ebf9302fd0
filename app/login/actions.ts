"use server";

import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { signIn } from "@/lib/server/auth";
import { clientAddress, retryAfterSeconds } from "@/lib/server/login-attempts";

export type SignInState = { message?: string; email?: string };

/** Only same-site paths are followed after sign-in, so the login page cannot be used as an open redirect. */
function safeCallback(value: FormDataEntryValue | null): string {
  const path = typeof value === "string" ? value : "";
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : "/";
}

const tooMany = (seconds: number) => `Too many attempts: try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;

export async function signInWithPassword(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  if (!email || !password) return { email, message: "Enter your email and password." };
  const address = clientAddress(await headers());
  try {
    await signIn("credentials", { email, password, redirectTo: safeCallback(form.get("callbackUrl")) });
    return {};
  } catch (error) {
    if (error instanceof AuthError) {
      // The same answer whether or not the email has an account; the wait says when to try again.
      const wait = error.type === "CredentialsSignin" ? await retryAfterSeconds(email, address) : 0;
      return {
        email,
        message:
          wait > 0
            ? tooMany(wait)
            : error.type === "CredentialsSignin"
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
