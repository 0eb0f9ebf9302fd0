"use client";

import dynamic from "next/dynamic";
import type { ComponentProps } from "react";
import type { DailyChart as Chart } from "./daily-chart";

/** The daily chart, its code (Recharts) loaded only on a page that shows one, in a box of the chart's height meanwhile. */
const DailyChart = dynamic(() => import("./daily-chart").then((m) => m.DailyChart), {
  ssr: false,
  loading: () => <div style={{ height: 228 }} className="w-full animate-pulse rounded-md bg-slate-50" />,
});

export function LazyDailyChart(props: ComponentProps<typeof Chart>) {
  return <DailyChart {...props} />;
}
