import { Download } from "lucide-react";
import type { Metadata } from "next";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Suspense } from "react";
import { formatDay } from "@/components/charts/units";
import { BandLegend } from "@/components/metrics/band-legend";
import { BreakdownTable } from "@/components/metrics/breakdown-table";
import { DoraTiles } from "@/components/metrics/dora-tiles";
import { countOf, doraSummary, METRIC_NAMES, periodLength, type MetricKey } from "@/components/metrics/dora-format";
import { DrillDown } from "@/components/metrics/drill-down";
import { DriftLine } from "@/components/metrics/drift-line";
import { MetricsFilters } from "@/components/metrics/metrics-filters";
import { WeeklyTrends } from "@/components/metrics/weekly-trends";
import { BadFilterNotice } from "@/components/ui/bad-filter-notice";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { isoDate } from "@/lib/domain/dora-calendar";
import { PLATFORM_LABELS, PLATFORMS, RISK_LEVELS } from "@/lib/domain/terms";
import { postureSettings } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { agentOption, workflowFacets } from "@/lib/server/agents";
import { requireUser } from "@/lib/server/auth";
import { userCaller, type Caller } from "@/lib/server/caller";
import { metricRecords } from "@/lib/server/metric-records";
import {
  assertKnownScope,
  doraBreakdown,
  doraRecords,
  doraReport,
  parseMetricsFilters,
  rangeOf,
  RECORDS_PAGE_SIZE,
  type MetricsFilters as Filters,
} from "@/lib/server/metrics";
import { filterQuery, parseDashboardView } from "./metrics-params";

export const metadata: Metadata = { title: "Metrics" };

const DAY = 86_400_000;
const capitalized = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** DORA metrics for agent changes: the five numbers, their weekly trend, where they differ, and the records behind each. */
export default async function MetricsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const caller = userCaller(await requireUser());
  const params = await searchParams;
  const now = Date.now();
  const workflows = await workflowFacets();
  let filters: Filters;
  let view: ReturnType<typeof parseDashboardView>;
  let range: { from: number; to: number };
  try {
    filters = parseMetricsFilters(params);
    view = parseDashboardView(params);
    range = rangeOf(filters, now);
    await assertKnownScope(filters);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/metrics" label="Show the last 26 weeks for every agent" />;
  }

  const query = filterQuery(filters);
  const drill = view.drill ?? null;

  const agent = await agentOption(filters.agent);
  // A retired agent's history still counts: the picker offers retired agents too.
  const scope = [
    filters.workflow && `the ${workflows.find((w) => w.slug === filters.workflow)?.name ?? filters.workflow} workflow`,
    filters.platform && PLATFORM_LABELS[filters.platform],
    filters.risk && `${filters.risk}-risk changes`,
    filters.agent && (agent?.name ?? filters.agent),
  ].filter(Boolean);

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">DORA metrics for agent changes</h1>
          <p className="mt-1 text-sm text-slate-600">
            Production releases from {formatDay(isoDate(range.from), true)} to {formatDay(isoDate(range.to - DAY), true)} (UTC, both days
            included), {scope.length ? `for ${scope.join(", ")}` : "for every agent"}, compared with the {periodLength(range)} before.
          </p>
        </div>
        <a
          href={`/metrics/export?${new URLSearchParams([...new URLSearchParams(query).entries(), ["what", "numbers"]])}`}
          className={buttonClasses("secondary")}
        >
          <Download aria-hidden className="size-4" /> Export numbers (CSV)
        </a>
      </div>

      <MetricsFilters
        from={isoDate(range.from)}
        to={isoDate(range.to - DAY)}
        workflows={workflows.map((w) => ({ value: w.slug, label: w.name }))}
        platforms={PLATFORMS.map((p) => ({ value: p, label: PLATFORM_LABELS[p] }))}
        risks={RISK_LEVELS.map((r) => ({ value: r, label: capitalized(r) }))}
        agent={agent}
      />

      <Suspense fallback={<Pending label="Computing the five numbers…" tall />}>
        <DoraNumbersSection caller={caller} filters={filters} now={now} query={query} drill={drill} page={view.page ?? 1} />
      </Suspense>

      <Card title="What the bands mean">
        <BandLegend />
      </Card>
    </div>
  );
}

/** What a section shows while it is computed; the rest of the page is already there. */
function Pending({ label, tall = false }: { label: string; tall?: boolean }) {
  return (
    <div role="status" className={`rounded-lg border border-slate-200 bg-white px-4 py-6 text-sm text-slate-500 ${tall ? "min-h-40" : ""}`}>
      {label}
    </div>
  );
}

/**
 * The tiles, the records behind the chosen one, the weekly trend and the breakdowns: each streams in
 * when computed. A turn of the event loop first, so the page's header and filters are sent before the
 * database reads start (on SQLite each statement still holds the event loop while it runs).
 */
async function DoraNumbersSection({
  caller,
  filters,
  now,
  query,
  drill,
  page,
}: {
  caller: Caller;
  filters: Filters;
  now: number;
  query: string;
  drill: MetricKey | null;
  page: number;
}) {
  await nextTurn();
  const report = await doraReport(caller, filters, now);
  const current = doraSummary(report.current);
  const previous = doraSummary(report.previous);
  const released = current.deploymentFrequency.count > 0 || current.reworkRate.total > 0;
  return (
    <>
      <DoraTiles current={current} previous={previous} query={query} active={drill} />
      <DriftLine drift={report.drift} unobservedAfterDays={Math.round(postureSettings.unobservedAfterMs / DAY)} />

      {drill && (
        <Suspense fallback={<Pending label={`Reading the records behind ${METRIC_NAMES[drill].toLowerCase()}…`} />}>
          <DrillSection
            caller={caller}
            filters={filters}
            now={now}
            query={query}
            drill={drill}
            page={page}
            heading={countOf(current, drill)}
          />
        </Suspense>
      )}

      {released ? (
        <>
          <Card
            title="Weekly trend"
            action={
              <span className="text-xs text-slate-500">
                Weeks start on Monday (UTC); the first and last count only their days inside the range.
              </span>
            }
          >
            <WeeklyTrends weekly={report.current.weekly} />
          </Card>
          <Suspense fallback={<Pending label="Breaking the numbers down by workflow and platform…" />}>
            <Breakdowns caller={caller} filters={filters} now={now} query={query} />
          </Suspense>
        </>
      ) : (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
          <p className="text-base font-medium text-slate-900">No weekly trend or breakdown to show</p>
          <p className="mt-1 text-sm text-slate-600">Widen the dates or choose fewer filters to see how releases went.</p>
        </div>
      )}
    </>
  );
}

async function DrillSection({
  caller,
  filters,
  now,
  query,
  drill,
  page,
  heading,
}: {
  caller: Caller;
  filters: Filters;
  now: number;
  query: string;
  drill: MetricKey;
  page: number;
  heading: string;
}) {
  await nextTurn();
  const { total, rows } = await doraRecords(
    caller,
    filters,
    drill,
    { offset: (page - 1) * RECORDS_PAGE_SIZE, limit: RECORDS_PAGE_SIZE },
    now,
  );
  return (
    <DrillDown
      metric={drill}
      heading={`${METRIC_NAMES[drill]}: ${heading}`}
      records={await metricRecords(rows)}
      total={total}
      page={page}
      pageSize={RECORDS_PAGE_SIZE}
      query={query}
    />
  );
}

async function Breakdowns({ caller, filters, now, query }: { caller: Caller; filters: Filters; now: number; query: string }) {
  await nextTurn();
  const byWorkflow = await doraBreakdown(caller, filters, "workflow", now);
  const byPlatform = await doraBreakdown(caller, filters, "platform", now);
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-5 lg:grid-cols-2">
      <Card title="By workflow">
        <BreakdownTable by="workflow" noun="workflow" rows={byWorkflow} query={query} />
      </Card>
      <Card title="By platform">
        <BreakdownTable by="platform" noun="platform" rows={byPlatform} query={query} />
      </Card>
    </div>
  );
}
