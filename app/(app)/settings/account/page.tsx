import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { EmailPreferencesForm } from "@/components/account/email-preferences-form";
import { NameForm } from "@/components/account/name-form";
import { SettingsNav } from "@/components/shell/settings-nav";
import { Card } from "@/components/ui/card";
import { ROLE_LABELS } from "@/lib/domain/terms";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { myEmailPreferences } from "@/lib/server/mail-preferences";
import { changePasswordAction, updateEmailPreferencesAction, updateNameAction } from "./actions";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const user = await requireUser();
  const { emailConfigured, ...preferences } = await myEmailPreferences(userCaller(user));
  const roles = user.roles.map((r) => ROLE_LABELS[r]).join(", ") || "no role";
  return (
    <div className="space-y-5">
      <SettingsNav current="/settings/account" isAdmin={user.roles.includes("admin")} />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Your account</h1>
        <p className="mt-1 text-sm text-slate-600">
          Signed in as {user.email}, with {roles}. Roles are given by an admin.
        </p>
      </div>
      <Card title="Name">
        <NameForm name={user.name} save={updateNameAction} />
      </Card>
      <Card title="Email">
        <EmailPreferencesForm preferences={preferences} emailConfigured={emailConfigured} save={updateEmailPreferencesAction} />
      </Card>
      <Card title="Password">
        <ChangePasswordForm change={changePasswordAction} />
      </Card>
    </div>
  );
}
