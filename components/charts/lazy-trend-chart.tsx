"use client";

import dynamic from "next/dynamic";
import type { ComponentProps } from "react";
import type { TrendChart as Chart } from "./trend-chart";

/** The trend chart, its code (Recharts) loaded only on a page that shows one, in a box of the chart's height meanwhile. */
const TrendChart = dynamic(() => import("./trend-chart").then((m) => m.TrendChart), {
  ssr: false,
  loading: () => <div style={{ height: 224 }} className="w-full animate-pulse rounded-md bg-slate-50" />,
});

export function LazyTrendChart(props: ComponentProps<typeof Chart>) {
  return <TrendChart {...props} />;
}
