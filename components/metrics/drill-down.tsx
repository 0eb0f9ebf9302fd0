import { Download, X } from "lucide-react";
import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import type { MetricKey } from "./dora-format";
import { MetricRecordList, type DrillRecord } from "./metric-record-list";
import { DRILL_DOWN_ID, metricsHref } from "./metrics-href";
import { ScrollIntoView } from "./scroll-into-view";

/**
 * One page of the records behind one number, newest first; `heading` repeats the tile's count, so the
 * two can be checked against each other. All of them are in the export, which is what a page links to.
 */
export function DrillDown({
  metric,
  heading,
  records,
  total,
  page,
  pageSize,
  query,
}: {
  metric: MetricKey;
  heading: string;
  records: DrillRecord[];
  total: number;
  /** 1-based. */
  page: number;
  pageSize: number;
  query: string;
}) {
  const first = (page - 1) * pageSize + 1;
  const last = first + records.length - 1;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const exportHref = `/metrics/export?${new URLSearchParams([...new URLSearchParams(query).entries(), ["what", "records"], ["drill", metric]])}`;
  const pageHref = (n: number) => metricsHref({ query, drill: metric, set: { page: n > 1 ? String(n) : "" } }).replace(/#.*/, "");
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
          {total > 0 && (
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
        {total === 0 ? (
          <p className="text-sm text-slate-500">No records: nothing in this range and scope counts towards this number.</p>
        ) : records.length === 0 ? (
          <p className="text-sm text-slate-500">
            There are {total} records, fewer than this page would start at.{" "}
            <Link href={pageHref(1)} scroll={false} className="font-medium text-brand-700 hover:underline">
              Show the latest
            </Link>
          </p>
        ) : (
          <>
            <MetricRecordList metric={metric} records={records} />
            <nav aria-label="Pages of records" className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
              <span>
                {total === records.length
                  ? `All ${total} ${total === 1 ? "record" : "records"}, newest first.`
                  : `Records ${first}–${last} of ${total}, newest first. The export has all of them.`}
              </span>
              {pages > 1 && (
                <span className="flex gap-2">
                  {page > 1 && (
                    <Link href={pageHref(page - 1)} scroll={false} className={buttonClasses("secondary")}>
                      Newer
                    </Link>
                  )}
                  {page < pages && (
                    <Link href={pageHref(page + 1)} scroll={false} className={buttonClasses("secondary")}>
                      Older
                    </Link>
                  )}
                </span>
              )}
            </nav>
          </>
        )}
      </div>
    </section>
  );
}
