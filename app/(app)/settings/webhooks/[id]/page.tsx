import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { Card } from "@/components/ui/card";
import { Pagination } from "@/components/ui/pagination";
import { DeliveryTable } from "@/components/webhooks/delivery-table";
import { RedeliverButton, WebhookControls } from "@/components/webhooks/webhook-controls";
import { WebhookForm } from "@/components/webhooks/webhook-form";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { canManageWebhooks, DELIVERIES_PAGE, getWebhook, listDeliveries } from "@/lib/server/webhooks";
import { orNotFound } from "../../../or-not-found";
import { deleteWebhookAction, redeliverAction, rotateSecretAction, sendTestEventAction, updateWebhookAction } from "../actions";

export const metadata: Metadata = { title: "Webhook" };

export default async function WebhookPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ page?: string }>;
}) {
  const { id } = await params;
  const asked = Number((await searchParams).page);
  const page = Number.isSafeInteger(asked) && asked > 1 ? asked : 1;
  const caller = userCaller(await requireUser());
  // Not an admin: the page does not say whether this webhook exists.
  if (!canManageWebhooks(caller)) notFound();
  const webhook = await orNotFound(async () => await getWebhook(caller, id));
  const { items, total } = await listDeliveries(caller, id, page);
  const now = Date.now();
  return (
    <div className="space-y-5">
      <Breadcrumb items={[{ href: "/settings/webhooks", label: "Webhooks" }, { label: webhook.name }]} />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight break-words">{webhook.name}</h1>
        <p className="mt-1 font-mono text-sm break-all text-slate-600">{webhook.urlHint}</p>
        {!webhook.enabled && <p className="mt-1 text-sm font-medium text-amber-800">Paused: nothing is sent to it.</p>}
      </div>
      <Card title="Check and manage">
        <WebhookControls
          name={webhook.name}
          test={sendTestEventAction.bind(null, id)}
          rotate={rotateSecretAction.bind(null, id)}
          remove={deleteWebhookAction.bind(null, id)}
        />
      </Card>
      <Card title={`Deliveries (${total.toLocaleString("en-US")})`}>
        {items.length ? (
          <>
            <DeliveryTable
              deliveries={items}
              now={now}
              redeliver={(d) => <RedeliverButton label={`${d.eventType} ${d.eventId}`} redeliver={redeliverAction.bind(null, id, d.id)} />}
            />
            <Pagination page={page} pageSize={DELIVERIES_PAGE} total={total} query="" noun="deliveries" />
          </>
        ) : (
          <div className="px-6 py-8 text-center">
            <p className="text-base font-medium text-slate-900">Nothing sent yet</p>
            <p className="mt-1 text-sm text-slate-600">
              Deliveries appear here as events happen. Send a test event above to check the endpoint now.
            </p>
          </div>
        )}
      </Card>
      <Card title="Settings">
        <WebhookForm
          existing={{
            name: webhook.name,
            format: webhook.format,
            events: webhook.events,
            allowPrivateNetwork: webhook.allowPrivateNetwork,
            enabled: webhook.enabled,
          }}
          urlHint={webhook.urlHint}
          save={updateWebhookAction.bind(null, id)}
        />
      </Card>
    </div>
  );
}
