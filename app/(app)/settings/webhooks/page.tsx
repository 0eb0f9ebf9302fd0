import type { Metadata } from "next";
import Link from "next/link";
import { SettingsNav } from "@/components/shell/settings-nav";
import { Card } from "@/components/ui/card";
import { AddWebhook } from "@/components/webhooks/add-webhook";
import { WebhookTable } from "@/components/webhooks/webhook-table";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { canManageWebhooks, listWebhooks } from "@/lib/server/webhooks";
import { createWebhookAction } from "./actions";

export const metadata: Metadata = { title: "Webhooks" };

const INTRO =
  "Post sign-off requests, decisions, releases, rollbacks, drift, breaches and incidents to Slack, Microsoft Teams or any HTTPS receiver, as they happen. Deliveries are signed, retried for 24 hours, and kept in order for each change.";

export default async function WebhooksPage() {
  const caller = userCaller(await requireUser());
  const heading = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Webhooks</h1>
      <p className="mt-1 max-w-3xl text-sm text-slate-600">{INTRO}</p>
    </div>
  );
  if (!canManageWebhooks(caller)) {
    return (
      <div className="space-y-5">
        {heading}
        <div role="note" className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700">
          <p className="font-medium text-slate-900">Only admins manage webhooks.</p>
          <p className="mt-1">
            Ask an admin to send Countersign&apos;s events to your team&apos;s channel. For yourself, choose your emails in{" "}
            <Link href="/settings/account" className="text-brand-700 hover:underline">
              your account
            </Link>
            .
          </p>
        </div>
      </div>
    );
  }
  const hooks = await listWebhooks(caller);
  return (
    <div className="space-y-5">
      <SettingsNav current="/settings/webhooks" isAdmin />
      {heading}
      <Card title="Endpoints">
        {hooks.length ? (
          <WebhookTable webhooks={hooks} now={Date.now()} />
        ) : (
          <div className="px-6 py-10 text-center">
            <p className="text-base font-medium text-slate-900">No webhooks yet</p>
            <p className="mt-1 text-sm text-slate-600">
              Add one below: a Slack or Teams channel where reviewers work, or your own receiver.
            </p>
          </div>
        )}
      </Card>
      <Card title="Add a webhook">
        <AddWebhook create={createWebhookAction} />
      </Card>
    </div>
  );
}
