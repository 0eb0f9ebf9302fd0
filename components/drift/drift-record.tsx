import { PermissionDiffView } from "@/components/agents/diff-view";
import { RiskBadge } from "@/components/agents/risk-badge";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { DriftResolution } from "./drift-resolution";
import type { DriftRecordShown } from "./drift-types";
import { ObservationList } from "./observation-list";

/** One open drift record: what differs from the approved version, why it weighs what it does, what was seen, and what was decided. */
export function DriftRecord({ record, now, children }: { record: DriftRecordShown; now: number; children?: React.ReactNode }) {
  return (
    <article aria-label={`Drift ${record.label}`} className="space-y-4 rounded-md border border-amber-200 bg-amber-50/30 p-4">
      <header className="flex flex-wrap items-center gap-2">
        <h3 className="font-mono text-sm font-semibold text-slate-900">{record.label}</h3>
        <Badge tone="warning">{record.environment}</Badge>
        <span className="text-xs text-slate-500">severity</span>
        <RiskBadge level={record.severity} />
        <span className="text-sm text-slate-600">
          opened <RelativeTime at={record.openedAt} now={now} />, last seen <RelativeTime at={record.lastObservedAt} now={now} />
        </span>
      </header>
      <section aria-label={`What ${record.environment} runs, against v${record.approvedVersion ?? "—"}`} className="space-y-2">
        <h4 className="text-sm font-medium text-slate-800">
          {record.approvedVersion === null
            ? `Observed in ${record.environment}, where no version was approved`
            : `From the approved v${record.approvedVersion} to what ${record.environment} was observed running`}
        </h4>
        <PermissionDiffView items={record.diff} />
      </section>
      {record.reasons.length > 0 && (
        <section aria-label="Why this severity">
          <h4 className="mb-1 text-sm font-medium text-slate-800">Why {record.severity}</h4>
          <ul className="list-disc space-y-0.5 pl-5 text-sm [overflow-wrap:anywhere] text-slate-700">
            {record.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Observations">
        <h4 className="mb-1 text-sm font-medium text-slate-800">Observations</h4>
        <ObservationList items={record.observations} total={record.observationCount} caption={`Observations of ${record.label}`} />
      </section>
      <section aria-label="Resolution">
        <h4 className="mb-1 text-sm font-medium text-slate-800">Resolution</h4>
        <DriftResolution record={record} />
      </section>
      {children}
    </article>
  );
}
