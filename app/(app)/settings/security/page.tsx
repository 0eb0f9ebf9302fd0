import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { FailedLoginTable } from "@/components/security/failed-login-table";
import { SettingsNav } from "@/components/shell/settings-nav";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { ACCOUNT_THRESHOLD, ADDRESS_THRESHOLD, recentFailedLogins } from "@/lib/server/login-attempts";
import { hasRole } from "@/lib/server/users";

export const metadata: Metadata = { title: "Security" };

export default async function SecurityPage() {
  const user = await requireUser();
  if (!hasRole(user, "admin")) notFound();
  const attempts = await recentFailedLogins(userCaller(user));
  const now = Date.now();
  return (
    <div className="space-y-5">
      <SettingsNav current="/settings/security" isAdmin />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Security</h1>
        <p className="mt-1 text-sm text-slate-600">
          Password sign-ins are throttled: after {ACCOUNT_THRESHOLD} failures for one email, or {ADDRESS_THRESHOLD} from one address, within
          15 minutes, the next attempt waits 30 seconds, doubling with each further failure up to 15 minutes. Signing out ends a session at
          once.
        </p>
      </div>
      <Card title="Recent failed sign-ins">
        {attempts.length ? (
          <FailedLoginTable attempts={attempts} now={now} />
        ) : (
          <div className="px-6 py-10 text-center">
            <p className="text-base font-medium text-slate-900">No failed sign-ins</p>
            <p className="mt-1 text-sm text-slate-600">Wrong passwords and refused attempts appear here, newest first.</p>
          </div>
        )}
      </Card>
    </div>
  );
}
