import type { Metadata } from "next";
import { PolicyEditor } from "@/components/policy/policy-editor";
import { SettingsNav } from "@/components/shell/settings-nav";
import { requireUser } from "@/lib/server/auth";
import { policyInForce } from "@/lib/server/policy";
import { publishPolicyAction } from "./actions";

export const metadata: Metadata = { title: "Sign-off policy" };

export default async function PolicyPage() {
  const user = await requireUser();
  const { version, policy } = await policyInForce();
  const editable = user.roles.includes("admin");
  return (
    <div className="space-y-5">
      <SettingsNav current="/settings/policy" isAdmin={editable} />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Sign-off policy</h1>
        <p className="mt-1 text-sm text-slate-600">
          Version {version}. Who must sign a change follows from what it touches and its risk tier.{" "}
          {editable ? "Every edit is published as a new version and recorded in the audit trail." : "Only admins can change it."}
        </p>
      </div>
      <PolicyEditor key={version} policy={policy} version={version} editable={editable} publish={publishPolicyAction} />
    </div>
  );
}
