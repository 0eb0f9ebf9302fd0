import Link from "next/link";
import { formatHours, formatPercent } from "@/components/charts/units";
import { cn } from "@/components/ui/cn";
import { changeFailRateBand, leadTimeBand, type DoraBand } from "@/lib/domain/dora-bands";
import { metricsHref } from "./metrics-href";

export type BreakdownItem = {
  key: string;
  label: string;
  releases: number;
  changeFailRate: number | null;
  failed: number;
  leadTimeMedianHours: number | null;
};

const BAR: Record<DoraBand, string> = { elite: "bg-emerald-500", high: "bg-sky-500", medium: "bg-amber-500", low: "bg-rose-500" };

/** A value with a bar as long as its share of the largest in the table, coloured by its DORA band. */
function InlineBar({
  href,
  value,
  max,
  band,
  text,
  label,
}: {
  href: string;
  value: number | null;
  max: number;
  band: DoraBand | null;
  text: string[];
  label: string;
}) {
  const width = value === null || max === 0 ? 0 : Math.max(2, (value / max) * 100);
  return (
    <Link href={href} aria-label={label} className="group block rounded-sm py-1 hover:bg-slate-50">
      <span aria-hidden className="block h-2 w-full rounded-full bg-slate-100">
        <span className={cn("block h-2 rounded-full", band ? BAR[band] : "bg-slate-300")} style={{ width: `${width}%` }} />
      </span>
      <span className="mt-1 flex flex-wrap gap-x-1.5 text-xs text-slate-700 tabular-nums group-hover:text-brand-700 group-hover:underline">
        {text.map((part) => (
          <span key={part} className="whitespace-nowrap">
            {part}
          </span>
        ))}
      </span>
    </Link>
  );
}

/**
 * Change fail rate and median lead time per workflow or platform. Each row opens the records behind
 * its numbers, with the dashboard narrowed to that workflow or platform.
 */
export function BreakdownTable({
  by,
  noun,
  rows,
  query,
}: {
  by: "workflow" | "platform";
  noun: string;
  rows: BreakdownItem[];
  query: string;
}) {
  if (rows.length === 0) return <p className="text-sm text-slate-500">No {noun} released anything to production in this range.</p>;
  const sorted = [...rows].sort((a, b) => (b.changeFailRate ?? -1) - (a.changeFailRate ?? -1) || a.label.localeCompare(b.label));
  const maxRate = Math.max(0, ...rows.map((r) => r.changeFailRate ?? 0));
  const maxLead = Math.max(0, ...rows.map((r) => r.leadTimeMedianHours ?? 0));
  const href = (key: string, drill: "changeFailRate" | "leadTime" | "deploymentFrequency") =>
    metricsHref({ query, set: { [by]: key }, drill });
  return (
    <table className="w-full table-fixed text-left text-sm">
      <caption className="sr-only">Change fail rate and lead time by {by}</caption>
      <thead className="text-xs text-slate-500">
        <tr>
          <th scope="col" className="w-[38%] py-1.5 pr-3 font-medium capitalize">
            {by}
          </th>
          <th scope="col" className="py-1.5 pr-3 font-medium">
            Change fail rate
          </th>
          <th scope="col" className="py-1.5 font-medium">
            Median lead time
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {sorted.map((row) => (
          <tr key={row.key} className="align-top">
            <th scope="row" className="py-2 pr-3 text-left font-normal">
              <Link href={href(row.key, "changeFailRate")} className="block font-medium break-words text-brand-700 hover:underline">
                {row.label}
              </Link>
              <Link href={href(row.key, "deploymentFrequency")} className="text-xs text-slate-500 tabular-nums hover:underline">
                {row.releases} {row.releases === 1 ? "release" : "releases"}
              </Link>
            </th>
            <td className="py-1 pr-3">
              <InlineBar
                href={href(row.key, "changeFailRate")}
                value={row.changeFailRate}
                max={maxRate}
                band={changeFailRateBand(row.changeFailRate)}
                text={[formatPercent(row.changeFailRate), `(${row.failed} of ${row.releases})`]}
                label={`${row.label}: change fail rate ${formatPercent(row.changeFailRate)}, ${row.failed} of ${row.releases} releases failed`}
              />
            </td>
            <td className="py-1">
              <InlineBar
                href={href(row.key, "leadTime")}
                value={row.leadTimeMedianHours}
                max={maxLead}
                band={leadTimeBand(row.leadTimeMedianHours)}
                text={[formatHours(row.leadTimeMedianHours)]}
                label={`${row.label}: median lead time ${formatHours(row.leadTimeMedianHours)}`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
