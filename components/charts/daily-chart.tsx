"use client";

import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
} from "recharts";
import { formatDay } from "./units";

/** One UTC day (YYYY-MM-DD) and a count per series. */
export type DailyRow = { day: string } & Record<string, string | number>;
export type DailySeries = { key: string; label: string; kind: "bar" | "line"; color: string };
/** A vertical line on a day: a release ("v12 CR-34") or a rollback ("rollback v11"). */
export type DailyMarker = { day: string; label: string; tone: "release" | "rollback" };

// Colours are CSS variables (app/globals.css), so the chart follows the light or dark theme.
const AXIS_TEXT = { fontSize: 12, fill: "var(--color-slate-600)" };
const MARKER_COLOR = { release: "var(--color-slate-600)", rollback: "var(--chart-danger-strong)" } as const;

/** Daily counts in a box of fixed height, with the day's releases and rollbacks drawn across it. */
export function DailyChart({
  data,
  series,
  markers,
  height = 200,
}: {
  data: DailyRow[];
  series: DailySeries[];
  markers: DailyMarker[];
  height?: number;
}) {
  // Several deployments on one day share one line: its label names them all.
  const byDay = new Map<string, DailyMarker>();
  for (const m of markers) {
    const seen = byDay.get(m.day);
    byDay.set(m.day, seen ? { day: m.day, label: `${seen.label} · ${m.label}`, tone: seen.tone === "rollback" ? "rollback" : m.tone } : m);
  }
  return (
    <div>
      <ul className="mb-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {series.map((s) => (
          <li key={s.key} className="inline-flex items-center gap-1.5">
            <span
              aria-hidden
              className={s.kind === "bar" ? "size-2.5 rounded-sm" : "h-0.5 w-3 rounded"}
              style={{ backgroundColor: s.color }}
            />
            {s.label}
          </li>
        ))}
      </ul>
      <div style={{ height }} className="w-full">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 22, right: 12, bottom: 0, left: 0 }} barGap={1}>
            <CartesianGrid stroke="var(--color-slate-200)" vertical={false} />
            <XAxis
              dataKey="day"
              tickFormatter={(day: string) => formatDay(day)}
              interval="preserveStartEnd"
              minTickGap={24}
              tick={AXIS_TEXT}
              tickLine={false}
              axisLine={{ stroke: "var(--color-slate-300)" }}
            />
            <YAxis
              width={40}
              // A quiet range still has an axis to read: at least 0–4.
              domain={[0, (dataMax: number) => Math.max(dataMax, 4)]}
              allowDecimals={false}
              tick={AXIS_TEXT}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip
              cursor={{ fill: "var(--color-slate-100)", stroke: "var(--color-slate-300)" }}
              content={(props) => <DailyTooltip {...props} series={series} />}
            />
            {series.map((s) =>
              s.kind === "bar" ? (
                <Bar
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  fill={s.color}
                  radius={[2, 2, 0, 0]}
                  maxBarSize={18}
                  isAnimationActive={false}
                />
              ) : (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  type="linear"
                  stroke={s.color}
                  strokeWidth={2}
                  dot={data.length <= 31 ? { r: 2, fill: s.color } : false}
                  activeDot={{ r: 4 }}
                  isAnimationActive={false}
                />
              ),
            )}
            {[...byDay.values()].map((m) => (
              <ReferenceLine
                key={m.day}
                x={m.day}
                stroke={MARKER_COLOR[m.tone]}
                strokeDasharray="4 3"
                label={markerLabel(m, anchorOf(data, m.day))}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

/** A marker's label reads away from the chart's edge: near the right end it ends at its line, near the left it starts there. */
function anchorOf(data: DailyRow[], day: string): "start" | "middle" | "end" {
  const at = data.findIndex((row) => row.day === day) / Math.max(1, data.length - 1);
  return at > 0.8 ? "end" : at < 0.2 ? "start" : "middle";
}

function markerLabel(m: DailyMarker, anchor: "start" | "middle" | "end") {
  function MarkerLabel({ viewBox }: { viewBox?: { x?: number; y?: number } }) {
    if (viewBox?.x === undefined || viewBox.y === undefined) return null;
    return (
      <text x={viewBox.x} y={viewBox.y - 6} textAnchor={anchor} fontSize={11} fill={MARKER_COLOR[m.tone]}>
        {m.label}
      </text>
    );
  }
  return MarkerLabel;
}

function DailyTooltip({ active, payload, series }: TooltipContentProps & { series: DailySeries[] }) {
  const row = payload?.[0]?.payload as DailyRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
      <p className="mb-1 font-medium text-slate-900">{formatDay(row.day, true)}</p>
      <ul className="space-y-0.5">
        {series.map((s) => (
          <li key={s.key} className="flex items-center gap-1.5 text-slate-700">
            <span aria-hidden className="size-2 rounded-full" style={{ backgroundColor: s.color }} />
            {s.label}: <span className="font-semibold text-slate-900 tabular-nums">{Number(row[s.key]).toLocaleString("en-US")}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
