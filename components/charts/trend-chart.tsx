"use client";

import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { formatDay, formatTick, formatValue, niceTicks, type Unit } from "./units";

/** One week of a trend: its Monday (YYYY-MM-DD) and a value per series (null: nothing measured that week). */
export type TrendRow = { week: string } & Record<string, string | number | null>;

/** A series drawn as bars (counts) or a line (medians, rates); `detailKey` names a row field shown beside it in the tooltip, e.g. "2 of 9 releases". */
export type TrendSeries = { key: string; label: string; kind: "bar" | "line"; color: string; detailKey?: string };

// Colours are CSS variables (app/globals.css), so the chart follows the light or dark theme.
const AXIS_TEXT = { fontSize: 12, fill: "var(--color-slate-600)" };

/** A weekly trend in a box of fixed height; the width follows its parent, from a phone to a wide screen. */
export function TrendChart({
  data,
  series,
  unit,
  height = 224,
  emptyText = "Nothing measured in this range.",
}: {
  data: TrendRow[];
  series: TrendSeries[];
  unit: Unit;
  height?: number;
  emptyText?: string;
}) {
  const values = data.flatMap((row) => series.map((s) => row[s.key])).filter((v): v is number => typeof v === "number");
  const max = Math.max(0, ...values);
  const ticks = niceTicks(max, unit);
  return (
    <div>
      {series.length > 1 && (
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
      )}
      <div style={{ height }} className="w-full">
        {values.length === 0 ? (
          <p className="flex h-full items-center justify-center rounded-md border border-dashed border-slate-200 px-4 text-center text-sm text-slate-500">
            {emptyText}
          </p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} barGap={1}>
              <CartesianGrid stroke="var(--color-slate-200)" vertical={false} />
              <XAxis
                dataKey="week"
                tickFormatter={(week: string) => formatDay(week)}
                interval="preserveStartEnd"
                minTickGap={20}
                tick={AXIS_TEXT}
                tickLine={false}
                axisLine={{ stroke: "var(--color-slate-300)" }}
              />
              <YAxis
                width={48}
                ticks={ticks}
                domain={ticks ? [0, ticks[ticks.length - 1]!] : [0, "auto"]}
                allowDecimals={unit !== "count"}
                tickFormatter={(v: number) => formatTick(v, unit, max)}
                tick={AXIS_TEXT}
                tickLine={false}
                axisLine={false}
              />
              <Tooltip
                cursor={{ fill: "var(--color-slate-100)", stroke: "var(--color-slate-300)" }}
                content={(props) => <TrendTooltip {...props} series={series} unit={unit} />}
              />
              {series.map((s) =>
                s.kind === "bar" ? (
                  <Bar
                    key={s.key}
                    dataKey={s.key}
                    name={s.label}
                    fill={s.color}
                    radius={[2, 2, 0, 0]}
                    maxBarSize={24}
                    isAnimationActive={false}
                  />
                ) : (
                  // Weeks without a measurement stay gaps: joining across them would draw a trend nobody measured.
                  <Line
                    key={s.key}
                    dataKey={s.key}
                    name={s.label}
                    type="linear"
                    stroke={s.color}
                    strokeWidth={2}
                    dot={{ r: 2.5, fill: s.color }}
                    activeDot={{ r: 4 }}
                    connectNulls={false}
                    isAnimationActive={false}
                  />
                ),
              )}
            </ComposedChart>
          </ResponsiveContainer>
        )}
      </div>
    </div>
  );
}

function TrendTooltip({ active, payload, series, unit }: TooltipContentProps & { series: TrendSeries[]; unit: Unit }) {
  const row = payload?.[0]?.payload as TrendRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
      <p className="mb-1 font-medium text-slate-900">Week of {formatDay(row.week, true)}</p>
      <ul className="space-y-0.5">
        {series.map((s) => {
          const value = row[s.key];
          const detail = s.detailKey ? row[s.detailKey] : null;
          return (
            <li key={s.key} className="flex items-center gap-1.5 text-slate-700">
              <span aria-hidden className="size-2 rounded-full" style={{ backgroundColor: s.color }} />
              {s.label}:{" "}
              <span className="font-semibold text-slate-900 tabular-nums">
                {typeof value === "number" ? formatValue(value, unit) : "—"}
              </span>
              {detail ? <span className="text-slate-500">({detail})</span> : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
