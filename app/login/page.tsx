import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/shell/login-form";
import { Logo } from "@/components/shell/logo";
import { MAIN_ID, SkipLink } from "@/components/shell/skip-link";
import { env, oidcEnabled } from "@/lib/env";
import { currentUser } from "@/lib/server/auth";
import { adminExists } from "@/lib/server/setup";
import { signInWithPassword, signInWithSso } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  if (await currentUser()) redirect("/");
  const { callbackUrl } = await searchParams;
  return (
    <>
      <SkipLink />
      <main
        id={MAIN_ID}
        tabIndex={-1}
        className="flex min-h-screen items-center justify-center bg-gradient-to-b from-brand-50 to-slate-50 px-4 py-12"
      >
        <div className="w-full max-w-sm">
          <div className="mb-8 text-center">
            <Logo className="text-2xl text-slate-900" />
            <p className="mt-3 text-sm text-slate-600">Every agent change proposed, countersigned by its owners, and reversible.</p>
          </div>
          {!(await adminExists()) && (
            <div role="note" className="mb-4 rounded-lg border border-brand-200 bg-brand-50 p-4 text-sm text-brand-900">
              <p className="font-medium">Countersign has no admin yet.</p>
              <p className="mt-1">
                <Link href="/setup" className="font-medium text-brand-700 underline">
                  Set up the first admin
                </Link>{" "}
                to start.
              </p>
            </div>
          )}
          <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <h1 className="mb-5 text-lg font-semibold">Sign in</h1>
            <LoginForm action={signInWithPassword} callbackUrl={callbackUrl ?? ""} />
            {oidcEnabled && (
              <form action={signInWithSso} className="mt-4 border-t border-slate-100 pt-4">
                <input type="hidden" name="callbackUrl" value={callbackUrl ?? ""} />
                <button
                  type="submit"
                  className="h-9 w-full rounded-md border border-slate-300 bg-white text-sm font-medium hover:bg-slate-50"
                >
                  Sign in with {env.AUTH_OIDC_NAME}
                </button>
              </form>
            )}
          </div>
        </div>
      </main>
    </>
  );
}
