import { CHART_COLORS } from "@/components/charts/chart-colors";
import { LazyDailyChart } from "@/components/charts/lazy-daily-chart";
import type { DailyMarker, DailySeries } from "@/components/charts/daily-chart";
import { formatDay } from "@/components/charts/units";
import type { RuntimeCounts } from "@/lib/domain/runtime";
import { markerLabel } from "./runtime-format";
import type { MarkerShown, RuntimeShown } from "./runtime-types";

const n = (v: number) => v.toLocaleString("en-US");

/** The range's totals, one tile each. */
export function RuntimeTotals({ totals }: { totals: RuntimeCounts }) {
  const tiles: [string, string, string?][] = [
    ["Decisions", n(totals.decisions)],
    ["Tool calls", n(totals.toolCalls)],
    ["Errors", n(totals.errors)],
    ["Privilege rejections", n(totals.privilegeRejections)],
    ["Corrections", n(totals.corrections)],
    ["Approvals denied", n(totals.approvalsDenied), `of ${n(totals.approvalsRequested)} asked`],
  ];
  return (
    <dl aria-label="Totals" className="grid grid-cols-2 gap-2 sm:grid-cols-3 xl:grid-cols-6">
      {tiles.map(([label, value, note]) => (
        <div key={label} className="rounded-md bg-slate-50 px-3 py-2">
          <dt className="text-xs text-slate-600">{label}</dt>
          <dd className="text-lg font-semibold text-slate-900 tabular-nums">
            {value}
            {note && <span className="ml-1 text-xs font-normal text-slate-600">{note}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}

const VOLUME: DailySeries[] = [
  { key: "decisions", label: "Decisions", kind: "bar", color: CHART_COLORS.brandSoft },
  { key: "toolCalls", label: "Tool calls", kind: "bar", color: CHART_COLORS.neutral },
];
const TROUBLE: DailySeries[] = [
  { key: "errors", label: "Errors", kind: "line", color: CHART_COLORS.warning },
  { key: "privilegeRejections", label: "Privilege rejections", kind: "line", color: CHART_COLORS.dangerStrong },
  { key: "corrections", label: "Corrections", kind: "line", color: CHART_COLORS.violet },
];

const markersOf = (markers: MarkerShown[]): DailyMarker[] =>
  markers.map((m) => ({
    day: new Date(m.at).toISOString().slice(0, 10),
    label: markerLabel(m),
    tone: m.kind === "rollback" || m.kind === "retire" ? "rollback" : "release",
  }));

/** Two daily charts with the releases and rollbacks of the range drawn across them, and the same figures as a table. */
export function RuntimeCharts({ view }: { view: Pick<RuntimeShown, "series" | "markers"> }) {
  const markers = markersOf(view.markers);
  const active = view.series.filter((d) => d.decisions + d.toolCalls + d.errors + d.privilegeRejections + d.corrections > 0);
  return (
    <div className="space-y-4">
      <div className="grid grid-cols-[minmax(0,1fr)] gap-4 xl:grid-cols-2">
        <figure>
          <figcaption className="mb-1 text-xs font-medium text-slate-700">Decisions and tool calls per day</figcaption>
          <LazyDailyChart data={view.series} series={VOLUME} markers={markers} />
        </figure>
        <figure>
          <figcaption className="mb-1 text-xs font-medium text-slate-700">Errors, privilege rejections and corrections per day</figcaption>
          <LazyDailyChart data={view.series} series={TROUBLE} markers={markers} />
        </figure>
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer font-medium text-slate-700">
          Figures by day ({active.length} {active.length === 1 ? "day" : "days"} with evidence
          {view.markers.length > 0 && `, ${view.markers.length} ${view.markers.length === 1 ? "deployment" : "deployments"}`})
        </summary>
        <div className="mt-2 overflow-x-auto" tabIndex={0} role="group" aria-label="Runtime figures by day">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Runtime figures by day</caption>
            <thead className="text-xs text-slate-500">
              <tr>
                {["Day (UTC)", "Decisions", "Tool calls", "Errors", "Privilege rejections", "Corrections", "Deployed"].map((h) => (
                  <th key={h} className="py-1.5 pr-3 font-medium">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 tabular-nums">
              {view.series
                .filter((d) => active.includes(d) || markers.some((m) => m.day === d.day))
                .map((d) => (
                  <tr key={d.day}>
                    <td className="py-1.5 pr-3 whitespace-nowrap">{formatDay(d.day, true)}</td>
                    <td className="py-1.5 pr-3">{n(d.decisions)}</td>
                    <td className="py-1.5 pr-3">{n(d.toolCalls)}</td>
                    <td className="py-1.5 pr-3">{n(d.errors)}</td>
                    <td className="py-1.5 pr-3">{n(d.privilegeRejections)}</td>
                    <td className="py-1.5 pr-3">{n(d.corrections)}</td>
                    <td className="py-1.5 text-xs whitespace-nowrap">
                      {markers
                        .filter((m) => m.day === d.day)
                        .map((m) => m.label)
                        .join(" · ")}
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
