import { CHART_COLORS } from "@/components/charts/chart-colors";
import { LazyTrendChart } from "@/components/charts/lazy-trend-chart";
import type { TrendRow, TrendSeries } from "@/components/charts/trend-chart";
import { formatDay, formatHours, formatPercent, type Unit } from "@/components/charts/units";
import { cn } from "@/components/ui/cn";
import type { DoraWeek } from "@/lib/domain/dora";

const COLORS = {
  releases: CHART_COLORS.brand,
  failed: CHART_COLORS.danger,
  leadTime: CHART_COLORS.brand,
  recovery: CHART_COLORS.warning,
  rework: CHART_COLORS.violet,
};

const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);
const of = (part: number, whole: number, noun: string) => (whole === 0 ? null : `${part} of ${whole} ${noun}${whole === 1 ? "" : "s"}`);

/** One row per ISO week, with each metric's weekly value and the counts a rate was taken from. */
function rowsOf(weekly: DoraWeek[]): TrendRow[] {
  return weekly.map((w) => ({
    week: w.weekStart,
    releases: w.deployments,
    failed: w.failed,
    failRate: share(w.failed, w.deployments),
    failedOf: of(w.failed, w.deployments, "release"),
    leadTime: w.leadTimeMedianHours,
    recovery: w.recoveryMedianHours,
    rework: share(w.unplanned, w.total),
    reworkOf: of(w.unplanned, w.total, "deployment"),
  }));
}

type Chart = { id: string; title: string; description: string; unit: Unit; series: TrendSeries[]; emptyText?: string; wide?: boolean };

const CHARTS: Chart[] = [
  {
    id: "trend-frequency",
    title: "Deployment frequency",
    description: "Production releases per week, and how many of them failed (rolled back or linked to an incident).",
    unit: "count",
    series: [
      { key: "releases", label: "Releases", kind: "bar", color: COLORS.releases },
      { key: "failed", label: "Failed releases", kind: "bar", color: COLORS.failed },
    ],
    wide: true,
  },
  {
    id: "trend-lead-time",
    title: "Change lead time",
    description: "Median hours from a change's submission to its release to production, per week released.",
    unit: "hours",
    series: [{ key: "leadTime", label: "Median lead time", kind: "line", color: COLORS.leadTime }],
    emptyText: "No change was released in this range.",
  },
  {
    id: "trend-fail-rate",
    title: "Change fail rate",
    description: "Failed releases ÷ releases, per week released.",
    unit: "percent",
    series: [{ key: "failRate", label: "Change fail rate", kind: "line", color: COLORS.failed, detailKey: "failedOf" }],
    emptyText: "Nothing was released in this range.",
  },
  {
    id: "trend-recovery",
    title: "Failed deployment recovery time",
    description: "Median time from detecting a failed release to restoring service, per week the release went out.",
    unit: "hours",
    series: [{ key: "recovery", label: "Median recovery time", kind: "line", color: COLORS.recovery }],
    emptyText: "No failed release was restored in this range.",
  },
  {
    id: "trend-rework",
    title: "Deployment rework rate",
    description: "Unplanned production deployments (rollbacks, emergency releases, incident fixes) ÷ all production deployments, per week.",
    unit: "percent",
    series: [{ key: "rework", label: "Rework rate", kind: "line", color: COLORS.rework, detailKey: "reworkOf" }],
    emptyText: "Nothing was deployed to production in this range.",
  },
];

/** A weekly trend chart per metric, and the same numbers as a table for those who cannot see the charts. */
export function WeeklyTrends({ weekly }: { weekly: DoraWeek[] }) {
  const rows = rowsOf(weekly);
  return (
    <div className="space-y-4">
      <div className="grid grid-cols-[minmax(0,1fr)] gap-4 lg:grid-cols-2">
        {CHARTS.map((chart) => (
          <figure
            key={chart.id}
            aria-labelledby={chart.id}
            className={cn("min-w-0 rounded-md border border-slate-100 p-3", chart.wide && "lg:col-span-2")}
          >
            <figcaption className="mb-2">
              <span id={chart.id} className="block text-sm font-medium text-slate-900">
                {chart.title}
              </span>
              <span className="block text-xs text-slate-500">{chart.description}</span>
            </figcaption>
            <LazyTrendChart data={rows} series={chart.series} unit={chart.unit} emptyText={chart.emptyText} />
          </figure>
        ))}
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600 hover:text-slate-900">The weekly numbers as a table</summary>
        <div className="mt-2 overflow-x-auto">
          <table className="w-full min-w-[640px] text-left text-sm tabular-nums">
            <caption className="sr-only">Weekly numbers</caption>
            <thead className="text-xs text-slate-500">
              <tr>
                {["Week of", "Releases", "Failed", "Change fail rate", "Median lead time", "Median recovery time", "Rework rate"].map(
                  (h) => (
                    <th key={h} scope="col" className="py-1.5 pr-3 font-medium">
                      {h}
                    </th>
                  ),
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {weekly.map((w) => (
                <tr key={w.weekStart}>
                  <th scope="row" className="py-1.5 pr-3 font-normal whitespace-nowrap">
                    {formatDay(w.weekStart, true)}
                  </th>
                  <td className="py-1.5 pr-3">{w.deployments}</td>
                  <td className="py-1.5 pr-3">{w.failed}</td>
                  <td className="py-1.5 pr-3">{formatPercent(share(w.failed, w.deployments))}</td>
                  <td className="py-1.5 pr-3">{formatHours(w.leadTimeMedianHours)}</td>
                  <td className="py-1.5 pr-3">{formatHours(w.recoveryMedianHours)}</td>
                  <td className="py-1.5 pr-3">
                    {formatPercent(share(w.unplanned, w.total))}
                    {w.total > 0 && (
                      <span className="text-slate-500">
                        {" "}
                        ({w.unplanned} of {w.total})
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
