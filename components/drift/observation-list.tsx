import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";

type Observation = { id: string; observedAt: number; source: string; reportedBy: string; inSync: boolean };

/** A drift record's observations, newest first: when, from where, who reported it, and whether it matched. */
export function ObservationList({ items, total, caption }: { items: Observation[]; total: number; caption: string }) {
  return (
    // On a phone the table scrolls sideways rather than squeezing each column to a few letters.
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={caption}>
      <table className="w-full min-w-[34rem] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Observed
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Source
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Reported by
            </th>
            <th scope="col" className="py-1 font-medium">
              Matched
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((o) => (
            <tr key={o.id}>
              <td className="py-1.5 pr-3 whitespace-nowrap">
                <UtcTime at={o.observedAt} />
              </td>
              <td className="py-1.5 pr-3 break-words">{o.source}</td>
              <td className="py-1.5 pr-3 break-all">{o.reportedBy}</td>
              <td className="py-1.5">{o.inSync ? <Badge tone="success">in sync</Badge> : <Badge tone="warning">differs</Badge>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > items.length && (
        <p className="mt-1 text-xs text-slate-500">
          The latest {items.length} of {total} observations.
        </p>
      )}
    </div>
  );
}
