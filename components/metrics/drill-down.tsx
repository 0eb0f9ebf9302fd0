import { Download, X } from "lucide-react";
import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import type { MetricKey } from "./dora-format";
import { MetricRecordList, type DrillRecord } from "./metric-record-list";
import { DRILL_DOWN_ID, metricsHref } from "./metrics-href";
import { ScrollIntoView } from "./scroll-into-view";

/** How many records show before "Show all". */
export const DRILL_CAP = 50;

/** The records behind one number, newest first; `heading` repeats the tile's count, so the two can be checked against each other. */
export function DrillDown({
  metric,
  heading,
  records,
  showAll,
  query,
}: {
  metric: MetricKey;
  heading: string;
  records: DrillRecord[];
  showAll: boolean;
  query: string;
}) {
  const sorted = [...records].sort((a, b) => b.at - a.at);
  const shown = showAll ? sorted : sorted.slice(0, DRILL_CAP);
  const exportHref = `/metrics/export?${new URLSearchParams([...new URLSearchParams(query).entries(), ["what", "records"], ["drill", metric]])}`;
  return (
    <section
      id={DRILL_DOWN_ID}
      aria-labelledby={`${DRILL_DOWN_ID}-heading`}
      className="scroll-mt-20 rounded-lg border border-brand-500/40 bg-white"
    >
      <ScrollIntoView targetId={`${DRILL_DOWN_ID}-heading`} when={metric} />
      <header className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-4 py-3">
        <h2 id={`${DRILL_DOWN_ID}-heading`} tabIndex={-1} className="text-base font-semibold text-slate-900 focus:outline-none">
          {heading}
        </h2>
        <div className="flex flex-wrap items-center gap-2">
          {records.length > 0 && (
            <a href={exportHref} className={buttonClasses("secondary")}>
              <Download aria-hidden className="size-4" /> Export these records (CSV)
            </a>
          )}
          <Link href={metricsHref({ query })} scroll={false} className={buttonClasses("ghost")}>
            <X aria-hidden className="size-4" /> Close
          </Link>
        </div>
      </header>
      <div className="p-4">
        {records.length === 0 ? (
          <p className="text-sm text-slate-500">No records: nothing in this range and scope counts towards this number.</p>
        ) : (
          <>
            <MetricRecordList metric={metric} records={shown} />
            <p className="mt-3 text-sm text-slate-600">
              {shown.length < sorted.length ? (
                <>
                  Showing the latest {shown.length} of {sorted.length}.{" "}
                  <Link
                    href={metricsHref({ query, drill: metric, set: { all: "1" } }).replace(/#.*/, "")}
                    scroll={false}
                    className="font-medium text-brand-700 hover:underline"
                  >
                    Show all {sorted.length}
                  </Link>
                </>
              ) : (
                `All ${sorted.length} ${sorted.length === 1 ? "record" : "records"}, newest first.`
              )}
            </p>
          </>
        )}
      </div>
    </section>
  );
}
