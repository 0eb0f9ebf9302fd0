import { formatDistanceStrict } from "date-fns";
import { RiskBadge } from "@/components/agents/risk-badge";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { UtcTime } from "@/components/ui/utc-time";
import { driftDuration } from "@/lib/domain/drift";
import { DRIFT_CLOSED_LABELS } from "./drift-labels";
import { DriftRecord } from "./drift-record";
import type { DriftRecordShown } from "./drift-types";

type LastObserved = { observedAt: number; source: string; inSync: boolean } | null;

/**
 * The agent page's drift section (`#drift`, where notifications link): when production was last observed,
 * every open record in full with its resolve form, and the closed ones in a short list.
 */
export function DriftSection({
  open,
  closed,
  closedTotal,
  lastObserved,
  unobserved,
  now,
  resolveForm,
}: {
  open: DriftRecordShown[];
  closed: DriftRecordShown[];
  closedTotal: number;
  lastObserved: LastObserved;
  /** Runs in production and was not observed recently enough to know what it runs. */
  unobserved: boolean;
  now: number;
  /** The resolve form for an open record, for people who may resolve drift; none for others. */
  resolveForm?: (record: DriftRecordShown) => React.ReactNode;
}) {
  return (
    <div id="drift" className="scroll-mt-20">
      <Card
        title={
          <>
            Drift{" "}
            {open.length > 0 && (
              <Badge tone="danger" className="ml-1">
                {open.length} open
              </Badge>
            )}
          </>
        }
      >
        <div className="space-y-4">
          <p className="text-sm text-slate-700">
            {lastObserved ? (
              <>
                Last observed in production: <UtcTime at={lastObserved.observedAt} /> ({lastObserved.source})
                {lastObserved.inSync ? ", matching the approved version" : ", differing from the approved version"}.
              </>
            ) : (
              <>Never observed in production.</>
            )}
            {unobserved && lastObserved && (
              <Badge tone="warning" className="ml-2">
                unobserved
              </Badge>
            )}
          </p>
          {open.length === 0 ? (
            <p className="text-sm text-slate-500">No open drift: what was last observed matches what was approved.</p>
          ) : (
            open.map((record) => (
              <DriftRecord key={record.id} record={record} now={now}>
                {resolveForm?.(record)}
              </DriftRecord>
            ))
          )}
          {closed.length > 0 && (
            <details>
              <summary className="cursor-pointer text-sm font-medium text-slate-700">Closed drift ({closedTotal})</summary>
              <ul aria-label="Closed drift" className="mt-2 divide-y divide-slate-100 text-sm">
                {closed.map((record) => (
                  <li key={record.id} className="flex flex-wrap items-center gap-2 py-1.5">
                    <span className="font-mono font-medium">{record.label}</span>
                    <Badge>{record.environment}</Badge>
                    <RiskBadge level={record.severity} />
                    <span className="text-slate-700">
                      closed {record.closedReason ? DRIFT_CLOSED_LABELS[record.closedReason] : ""}
                      {record.closedAt !== null && (
                        <>
                          {" "}
                          on <UtcTime at={record.closedAt} />, after{" "}
                          {formatDistanceStrict(0, driftDuration(record.openedAt, record.closedAt, now))}
                        </>
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      </Card>
    </div>
  );
}
