import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { WEBHOOK_FORMAT_LABELS, type WebhookEventType, type WebhookFormat, type DeliveryStatus } from "@/lib/domain/webhooks";
import { DeliveryStatusBadge } from "./delivery-status";

export type WebhookRow = {
  id: string;
  name: string;
  urlHint: string;
  format: WebhookFormat;
  events: WebhookEventType[];
  enabled: boolean;
  pending: number;
  failed: number;
  lastDelivery: { status: DeliveryStatus; responseStatus: number | null; at: number } | null;
};

/** Every endpoint: where it posts, in which format, how many events it wants, and how its last delivery went. */
export function WebhookTable({ webhooks, now }: { webhooks: WebhookRow[]; now: number }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Webhooks</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-3 font-medium">
              Name
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Format
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Events
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Last delivery
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Waiting
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {webhooks.map((w) => (
            <tr key={w.id} className="align-top">
              <td className="max-w-xs py-2.5 pr-3">
                <Link href={`/settings/webhooks/${w.id}`} className="font-medium break-words text-brand-700 hover:underline">
                  {w.name}
                </Link>
                <span className="block truncate font-mono text-xs text-slate-500" title={w.urlHint}>
                  {w.urlHint}
                </span>
                {!w.enabled && (
                  <Badge tone="neutral" className="mt-1">
                    Paused
                  </Badge>
                )}
              </td>
              <td className="py-2.5 pr-3 whitespace-nowrap text-slate-700">{WEBHOOK_FORMAT_LABELS[w.format]}</td>
              <td className="py-2.5 pr-3 text-slate-700">{w.events.length}</td>
              <td className="py-2.5 pr-3 whitespace-nowrap">
                {w.lastDelivery ? (
                  <span className="flex items-center gap-2">
                    <DeliveryStatusBadge status={w.lastDelivery.status} attempts={1} />
                    <span className="text-xs text-slate-600">
                      {w.lastDelivery.responseStatus ?? "no answer"} · <RelativeTime at={w.lastDelivery.at} now={now} />
                    </span>
                  </span>
                ) : (
                  <span className="text-slate-500">Nothing sent yet</span>
                )}
              </td>
              <td className="py-2.5 pr-3 whitespace-nowrap text-slate-700">
                {w.pending} pending
                {w.failed > 0 && <span className="block text-xs text-rose-700">{w.failed} failed</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
