import type { HarmMetric, HarmStatus } from "@/lib/domain/harm-thresholds";
import type { BreachKind, RuntimeCounts } from "@/lib/domain/runtime";
import type { DeploymentKind, Environment } from "@/lib/domain/terms";

/** The parts of the server's runtime reads these components show (RuntimeView, BreachView and SinceRelease fit them). */

export type BreachShown = {
  number: string;
  kind: BreachKind;
  action: string | null;
  metric: string | null;
  detail: string;
  at: number;
  lastAt: number;
  occurrences: number;
  environment: Environment;
  version: number;
  change: string | null;
  trace: string | null;
  incidentId: string | null;
  value: number | null;
  threshold: string | null;
  clearedAt: number | null;
};

export type HarmShown = HarmMetric & { source: "change" | "policy"; value: number | null; status: HarmStatus };

export type MarkerShown = { at: number; kind: DeploymentKind; version: number; change: string | null };

export type ActionShown = { action: string; granted: boolean; calls: number; errors: number; privilegeRejections: number };

export type TraceShown = { traceId: string; startedAt: number; version: number; breach: boolean; spans: number };

export type RuntimeShown = {
  environment: Environment;
  from: number;
  to: number;
  totals: RuntimeCounts;
  series: ({ day: string } & RuntimeCounts)[];
  actions: ActionShown[];
  harm: HarmShown[];
  breaches: BreachShown[];
  markers: MarkerShown[];
  traces: TraceShown[];
};

export type FiguresShown = Record<"decisions" | "toolCalls" | "errors" | "privilegeRejections" | "corrections" | "approvalsDenied", number>;
export type ReleaseWindowShown = { from: number; to: number; version: number; counts: FiguresShown; perDay: FiguresShown | null };

export type SinceReleaseShown = {
  change: string;
  agent: { slug: string; name: string };
  version: number;
  releasedAt: number;
  endedAt: number | null;
  endedBy: DeploymentKind | null;
  days: number;
  capped: boolean;
  after: ReleaseWindowShown;
  before: ReleaseWindowShown | null;
  breaches: BreachShown[];
};
