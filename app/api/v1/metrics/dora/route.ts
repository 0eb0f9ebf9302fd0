import { NextResponse } from "next/server";
import { apiRoute, toIso } from "@/lib/server/api";
import type { DoraNumbers } from "@/lib/domain/dora-summary";
import { doraReport, parseMetricsFilters } from "@/lib/server/metrics";

export const dynamic = "force-dynamic";

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
const share = (n: number | null) => (n === null ? null : Math.round(n * 10_000) / 10_000);

function summary(m: DoraNumbers) {
  return {
    range: { from: toIso(m.range.from), to: toIso(m.range.to) },
    leadTime: {
      medianHours: round(m.leadTime.medianHours),
      p90Hours: round(m.leadTime.p90Hours),
      band: m.leadTime.band,
      count: m.leadTime.count,
    },
    deploymentFrequency: {
      perWeek: round(m.deploymentFrequency.perWeek),
      deploymentDaysPerWeek: round(m.deploymentFrequency.deploymentDaysPerWeek),
      band: m.deploymentFrequency.band,
      count: m.deploymentFrequency.count,
    },
    changeFailRate: {
      rate: share(m.changeFailRate.rate),
      band: m.changeFailRate.band,
      failed: m.changeFailRate.failed,
      total: m.changeFailRate.total,
    },
    recoveryTime: {
      medianHours: round(m.recoveryTime.medianHours),
      p90Hours: round(m.recoveryTime.p90Hours),
      band: m.recoveryTime.band,
      count: m.recoveryTime.count,
    },
    reworkRate: { rate: share(m.reworkRate.rate), unplanned: m.reworkRate.unplanned, total: m.reworkRate.total },
  };
}

/** The five DORA metrics for a range (inclusive dates; default the last 26 weeks) and scope, with the weekly series and the previous period. */
export const GET = apiRoute(async (request, { caller }) => {
  const started = performance.now();
  const report = await doraReport(caller, parseMetricsFilters(request.nextUrl.searchParams));
  // How long the metrics took to compute, for whoever watches the server (and the benchmark).
  const timing = `dora;dur=${(performance.now() - started).toFixed(1)};desc="DORA metrics"`;
  return NextResponse.json(body(report), { headers: { "Server-Timing": timing } });
});

function body(report: Awaited<ReturnType<typeof doraReport>>) {
  return {
    ...summary(report.current),
    weekly: report.current.weekly.map((w) => ({
      weekStart: w.weekStart,
      deployments: w.deployments,
      failed: w.failed,
      leadTimeMedianHours: round(w.leadTimeMedianHours),
      recoveryMedianHours: round(w.recoveryMedianHours),
      unplanned: w.unplanned,
    })),
    previous: summary(report.previous),
    // Beside the five, not one of them: open drift now, drift resolved in the range, and how much of production is observed.
    drift: {
      open: report.drift.open,
      meanTimeToResolveMs: report.drift.meanTimeToResolveMs === null ? null : Math.round(report.drift.meanTimeToResolveMs),
      resolvedCount: report.drift.resolvedCount,
      observedShare: share(report.drift.observedShare),
      productionAgents: report.drift.productionAgents,
    },
  };
}
