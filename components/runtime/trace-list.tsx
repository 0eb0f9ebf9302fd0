import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import type { TraceShown } from "./runtime-types";

const TH = "py-2 pr-3 font-medium";

/** Samples shown beside the breaching traces: enough to see what normal looks like. */
const SAMPLES_SHOWN = 5;

/** The traces kept as evidence: every breaching one, and the newest samples of what normal looks like. */
export function TraceList({ traces, caption }: { traces: TraceShown[]; caption: string }) {
  const samples = traces.filter((t) => !t.breach);
  const shown = [...traces.filter((t) => t.breach), ...samples.slice(0, SAMPLES_SHOWN)];
  return (
    <div className="overflow-x-auto" tabIndex={0} role="group" aria-label={caption}>
      <table className="w-full min-w-[36rem] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th className={TH}>Trace</th>
            <th className={TH}>Started</th>
            <th className={TH}>Version</th>
            <th className={TH}>Kept as</th>
            <th className="py-2 text-right font-medium">Spans</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {shown.map((t) => (
            <tr key={t.traceId} className="align-top">
              <td className="py-2 pr-3 font-mono text-xs whitespace-nowrap">{t.traceId}</td>
              <td className="py-2 pr-3 text-xs whitespace-nowrap">
                <UtcTime at={t.startedAt} />
              </td>
              <td className="py-2 pr-3 font-mono text-xs">v{t.version}</td>
              <td className="py-2 pr-3">{t.breach ? <Badge tone="danger">breach</Badge> : <Badge>sample</Badge>}</td>
              <td className="py-2 text-right tabular-nums">{t.spans}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {samples.length > SAMPLES_SHOWN && (
        <p className="mt-1 text-xs text-slate-600">
          Traces with a breach first, then the {SAMPLES_SHOWN} newest samples; more samples are kept.
        </p>
      )}
    </div>
  );
}
