import type { Metadata } from "next";
import Link from "next/link";
import { PasswordForm } from "@/components/account/password-form";
import { PublicPanel } from "@/components/account/public-panel";
import { LINK_NO_LONGER_VALID, openAccountLink } from "@/lib/server/account-links";
import { setPasswordAction } from "./actions";

export const metadata: Metadata = { title: "Set your password", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/** An invitation or a reset link: set a password, once. A link that cannot be used says only that. */
export default async function WelcomePage({ params }: { params: Promise<{ secret: string }> }) {
  const { secret } = await params;
  const link = await openAccountLink(decodeURIComponent(secret));
  if (!link) {
    return (
      <PublicPanel title={LINK_NO_LONGER_VALID}>
        <p className="text-sm text-slate-700">
          Links to set a password work once and for seven days. Ask an admin for a new one, or{" "}
          <Link href="/login" className="text-brand-700 underline">
            sign in
          </Link>{" "}
          if you already have a password.
        </p>
      </PublicPanel>
    );
  }
  const invite = link.purpose === "invite";
  return (
    <PublicPanel
      title={invite ? `Welcome, ${link.name}` : "Choose a new password"}
      intro={
        invite ? (
          <>
            Choose a password for <strong>{link.email}</strong> to finish setting up your Countersign account.
          </>
        ) : (
          <>
            Choose a new password for <strong>{link.email}</strong>. You will be signed out everywhere else.
          </>
        )
      }
    >
      <PasswordForm
        action={setPasswordAction.bind(null, decodeURIComponent(secret))}
        fields={["password"]}
        submit="Set password and sign in"
        pendingLabel="Setting…"
      />
    </PublicPanel>
  );
}
