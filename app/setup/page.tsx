import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { PasswordForm } from "@/components/account/password-form";
import { PublicPanel } from "@/components/account/public-panel";
import { adminExists } from "@/lib/server/setup";
import { completeSetupAction } from "./actions";

export const metadata: Metadata = { title: "Set up Countersign" };
export const dynamic = "force-dynamic";

/** Shown only while nobody holds the admin role: afterwards there is no such page. */
export default async function SetupPage() {
  if (await adminExists()) notFound();
  return (
    <PublicPanel
      title="Set up Countersign"
      intro="Create the first admin. They add everyone else, set the sign-off policy and issue API tokens."
    >
      <PasswordForm action={completeSetupAction} fields={["name", "email", "password"]} submit="Create admin" pendingLabel="Creating…" />
    </PublicPanel>
  );
}
