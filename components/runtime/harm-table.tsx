import { Badge } from "@/components/ui/badge";
import { thresholdLabel } from "@/lib/domain/harm-thresholds";
import { formatMetric, unmeasuredReason } from "./runtime-format";
import type { HarmShown } from "./runtime-types";

const TH = "py-2 pr-3 font-medium";

/** The thresholds production's release is held to, each read now over its own window. */
export function HarmTable({ harm, caption }: { harm: HarmShown[]; caption: string }) {
  return (
    <div className="overflow-x-auto" tabIndex={0} role="group" aria-label={caption}>
      <table className="w-full min-w-[34rem] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th className={TH}>Metric</th>
            <th className={TH}>Threshold</th>
            <th className={TH}>Source</th>
            <th className={`${TH} text-right`}>Now</th>
            <th className="py-2 font-medium">Status</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {harm.map((h) => (
            <tr key={`${h.name}-${h.window}`} className="align-top">
              <td className="py-2 pr-3 font-mono text-xs whitespace-nowrap">{h.name}</td>
              <td className="py-2 pr-3 font-mono text-xs whitespace-nowrap">{thresholdLabel(h)}</td>
              <td className="py-2 pr-3 text-slate-700">{h.source === "change" ? "declared by the change" : "policy default"}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{formatMetric(h.name, h.value)}</td>
              <td className="py-2">
                {h.status === "breached" ? (
                  <Badge tone="danger">breached</Badge>
                ) : h.status === "within" ? (
                  <Badge tone="success">within</Badge>
                ) : (
                  <>
                    <Badge>not measured yet</Badge>
                    <span className="mt-0.5 block text-xs text-slate-600">{unmeasuredReason(h.name)}</span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
