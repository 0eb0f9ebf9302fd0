import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AddPersonForm } from "@/components/people/add-person-form";
import { PeopleTable } from "@/components/people/people-table";
import { PersonActions } from "@/components/people/person-actions";
import { SettingsNav } from "@/components/shell/settings-nav";
import { Card } from "@/components/ui/card";
import { Pagination } from "@/components/ui/pagination";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { mailHealth, type MailHealth } from "@/lib/server/mail-delivery";
import { emailConfigured } from "@/lib/server/mail-outbox";
import { canManagePeople, listPeople } from "@/lib/server/people";
import { addPersonAction, issueLinkAction, setDisabledAction, setRolesAction } from "./actions";

export const metadata: Metadata = { title: "People" };

const PAGE_SIZE = 50;

export default async function PeoplePage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const caller = userCaller(await requireUser());
  if (!canManagePeople(caller)) notFound();
  const asked = Number((await searchParams).page);
  const page = Number.isInteger(asked) && asked >= 1 ? asked : 1;
  const { items, total } = await listPeople(caller, { page: String(page), pageSize: String(PAGE_SIZE) });
  const now = Date.now();
  const email = emailConfigured() ? await mailHealth(caller, now) : null;
  return (
    <div className="space-y-5">
      <SettingsNav current="/settings/people" isAdmin />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">People</h1>
        <p className="mt-1 text-sm text-slate-600">
          Everyone who signs in, and the roles that decide what they sign off. Added people get an invitation link to set their password;
          with single sign-on they can sign in through it instead. Disabling someone signs them out everywhere at once.
        </p>
      </div>
      <EmailStatus health={email} />
      <Card title="Add a person">
        <AddPersonForm add={addPersonAction} />
      </Card>
      <Card
        title="People"
        action={
          <Link href="/audit?entity=user" className="text-sm text-brand-700 hover:underline">
            People history in the audit log
          </Link>
        }
      >
        <div className="space-y-4">
          <PeopleTable
            people={items}
            now={now}
            actions={(p) => (
              <PersonActions person={p} setRoles={setRolesAction} setDisabled={setDisabledAction} issueLink={issueLinkAction} />
            )}
          />
          <Pagination page={page} pageSize={PAGE_SIZE} total={total} query="" noun="people" />
        </div>
      </Card>
    </div>
  );
}

/** Whether invitations and resets are emailed, and any email that is not getting through: nothing fails unseen. */
function EmailStatus({ health }: { health: MailHealth | null }) {
  if (!health)
    return (
      <p role="status" className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700">
        Email is not set up on this installation (SMTP_URL and MAIL_FROM), so invitation and reset links are not emailed: pass them on
        yourself.
      </p>
    );
  if (health.retrying === 0 && health.failedThisWeek === 0) return null;
  const parts = [
    health.retrying ? `${health.retrying} email${health.retrying === 1 ? " is" : "s are"} being retried` : null,
    health.failedThisWeek
      ? `${health.failedThisWeek} could not be sent within a day and ${health.failedThisWeek === 1 ? "was" : "were"} given up on this week`
      : null,
  ].filter(Boolean);
  return (
    <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950">
      <p>Email is not getting through: {parts.join("; ")}. Check the mail server and SMTP_URL.</p>
      {health.lastError && <p className="mt-1 font-mono text-xs break-all">Last error: {health.lastError}</p>}
    </div>
  );
}
