import { decimal } from "@/components/charts/units";
import { derivedMetricOf } from "@/lib/domain/harm-thresholds";
import type { MarkerShown } from "./runtime-types";

/** The ranges the runtime panel offers, in days; the panel links to each (`?runtimeRange=30d`). */
export const RUNTIME_RANGES = [7, 30, 90] as const;
export type RuntimeRange = (typeof RUNTIME_RANGES)[number];
export const DEFAULT_RUNTIME_RANGE: RuntimeRange = 30;

/** A metric's value as its threshold reads: rates in percent, counts whole, business metrics as sent. */
export function formatMetric(metric: string, value: number | null): string {
  if (value === null) return "—";
  const derived = derivedMetricOf(metric);
  if (derived && derived !== "privilege_rejections") return `${decimal(value)}%`;
  return decimal(value, 2);
}

/** Why a threshold has no value yet: too few decisions for a rate, or no signal sent for a business metric. */
export function unmeasuredReason(metric: string): string {
  const derived = derivedMetricOf(metric);
  if (derived === "approval_denied_rate") return "fewer than 20 approvals asked in its window";
  if (derived) return "fewer than 20 decisions in its window";
  return "no signal sent in its window";
}

/** A chart's marker: "v12 CR-34", "v12 CR-34 (emergency)", "rollback v11", "retired". */
export function markerLabel(m: MarkerShown): string {
  if (m.kind === "rollback") return `rollback v${m.version}`;
  if (m.kind === "retire") return "retired";
  return `v${m.version}${m.change ? ` ${m.change}` : ""}${m.kind === "emergency" ? " (emergency)" : ""}`;
}

export const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
