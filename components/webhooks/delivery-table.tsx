import { RelativeTime } from "@/components/ui/relative-time";
import { UtcTime } from "@/components/ui/utc-time";
import type { DeliveryStatus } from "@/lib/domain/webhooks";
import { DeliveryStatusBadge } from "./delivery-status";

export type DeliveryRow = {
  id: string;
  eventId: string;
  eventType: string;
  summary: string;
  changeLabel: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  responseStatus: number | null;
  error: string | null;
  deliveredAt: number | null;
  createdAt: number;
  redelivery: boolean;
};

/** An endpoint's deliveries, newest first, each with its answer and, where it makes sense, a redeliver button. */
export function DeliveryTable({
  deliveries,
  now,
  redeliver,
}: {
  deliveries: DeliveryRow[];
  now: number;
  redeliver: (d: DeliveryRow) => React.ReactNode;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Deliveries</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-3 font-medium">
              Event
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Status
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Response
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Attempts
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Created
            </th>
            <th scope="col" className="py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {deliveries.map((d) => (
            <tr key={d.id} className="align-top">
              <td className="max-w-md py-2.5 pr-3">
                <span className="font-mono text-xs text-slate-600">{d.eventType}</span>
                {d.redelivery && <span className="ml-2 text-xs text-slate-500">(redelivery)</span>}
                <span className="block break-words text-slate-900">{d.summary}</span>
                <span className="block font-mono text-xs text-slate-500">{d.eventId}</span>
              </td>
              <td className="py-2.5 pr-3 whitespace-nowrap">
                <DeliveryStatusBadge status={d.status} attempts={d.attempts} />
                {d.status === "pending" && d.nextAttemptAt !== null && d.attempts > 0 && (
                  <span className="block text-xs text-slate-600">
                    next <RelativeTime at={d.nextAttemptAt} now={now} />
                  </span>
                )}
              </td>
              <td className="max-w-xs py-2.5 pr-3">
                {d.responseStatus !== null ? <span className="font-mono">{d.responseStatus}</span> : d.attempts > 0 ? "no answer" : "—"}
                {d.error && <span className="block text-xs break-words text-rose-700">{d.error}</span>}
              </td>
              <td className="py-2.5 pr-3 text-slate-700">
                {d.attempts}
                {d.lastAttemptAt !== null && (
                  <span className="block text-xs text-slate-500">
                    last <RelativeTime at={d.lastAttemptAt} now={now} />
                  </span>
                )}
              </td>
              <td className="py-2.5 pr-3 whitespace-nowrap text-xs text-slate-600">
                <UtcTime at={d.createdAt} />
              </td>
              <td className="py-2.5 text-right">{d.status !== "pending" && redeliver(d)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
