import type { NextRequest } from "next/server";
import { METRIC_NAMES, type MetricKey } from "@/components/metrics/dora-format";
import { csvField, csvResponse, type CsvCell } from "@/lib/csv";
import { errorResponse } from "@/lib/server/api";
import { currentUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { metricRecords, type MetricRecord } from "@/lib/server/metric-records";
import { type Caller } from "@/lib/server/caller";
import { doraRecords, doraReport, parseMetricsFilters, scopeOf, type DoraReport, type MetricsFilters } from "@/lib/server/metrics";
import { parseExportRequest } from "../metrics-params";

export const dynamic = "force-dynamic";

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString();
const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
const hoursText = (n: number | null) => (n === null ? "n/a" : `${round(n)} hours`);
const percent = (share: number | null) => (share === null ? null : Math.round(share * 10_000) / 100);

const NUMBERS_HEADER = ["metric", "value", "unit", "band", "previous_value", "count", "total", "note", "from", "to", "scope"];

/** One row per metric: the value and its band, the previous period's value, and the counts it was taken from. */
function numberRows(report: DoraReport, filters: MetricsFilters): CsvCell[][] {
  const { current: c, previous: p } = report;
  const scope =
    Object.entries(scopeOf(filters))
      .flatMap(([k, v]) => (v ? [`${k}=${v}`] : []))
      .join("; ") || "all agents";
  const period = [iso(c.range.from).slice(0, 10), iso(c.range.to - DAY).slice(0, 10), scope];
  const row = (
    metric: MetricKey,
    value: number | null,
    unit: string,
    band: string | null,
    previous: number | null,
    count: number,
    total: number | null,
    note: string,
  ): CsvCell[] => [METRIC_NAMES[metric], value, unit, band, previous, count, total, note, ...period];
  return [
    row(
      "leadTime",
      round(c.leadTime.medianHours),
      "hours (median)",
      c.leadTime.band,
      round(p.leadTime.medianHours),
      c.leadTime.count,
      null,
      `changes released; p90 ${hoursText(c.leadTime.p90Hours)}`,
    ),
    row(
      "deploymentFrequency",
      round(c.deploymentFrequency.perWeek),
      "releases per week",
      c.deploymentFrequency.band,
      round(p.deploymentFrequency.perWeek),
      c.deploymentFrequency.count,
      null,
      `releases; ${round(c.deploymentFrequency.deploymentDaysPerWeek)} deployment days a week (median)`,
    ),
    row(
      "changeFailRate",
      percent(c.changeFailRate.rate),
      "percent of releases",
      c.changeFailRate.band,
      percent(p.changeFailRate.rate),
      c.changeFailRate.failed,
      c.changeFailRate.total,
      "failed releases of all releases",
    ),
    row(
      "recoveryTime",
      round(c.recoveryTime.medianHours),
      "hours (median)",
      c.recoveryTime.band,
      round(p.recoveryTime.medianHours),
      c.recoveryTime.count,
      c.recoveryTime.count + c.recoveryTime.unrecovered,
      `failures restored of all failures; p90 ${hoursText(c.recoveryTime.p90Hours)}`,
    ),
    row(
      "reworkRate",
      percent(c.reworkRate.rate),
      "percent of production deployments",
      null,
      percent(p.reworkRate.rate),
      c.reworkRate.unplanned,
      c.reworkRate.total,
      "unplanned deployments of all production deployments; no official DORA band",
    ),
  ];
}

const RECORDS_HEADER = [
  "metric",
  "at",
  "agent",
  "agent_name",
  "environment",
  "version",
  "kind",
  "deployed_at",
  "change",
  "change_title",
  "hours",
  "note",
  "incidents",
];

/** The records behind one number, newest first, as the drill-down lists them. */
function recordRows(metric: MetricKey, records: MetricRecord[]): CsvCell[][] {
  return records.map((r) => [
    METRIC_NAMES[metric],
    iso(r.at),
    r.deployment.agent,
    r.agentName,
    r.deployment.environment,
    r.deployment.version,
    r.deployment.kind,
    iso(r.deployment.deployedAt),
    r.change ? `CR-${r.change.number}` : null,
    r.change?.title ?? null,
    round(r.hours),
    r.note,
    r.incidents.map((i) => `${i.severity}: ${i.title}`).join("; "),
  ]);
}

const EXPORT_PAGE = 2000;

/**
 * All the records behind one number, however many, as a CSV streamed a page at a time: memory stays
 * flat, and the first rows leave before the last are read. The total is fixed when the export starts.
 */
function streamRecords(caller: Caller, filters: MetricsFilters, metric: MetricKey, now: number): Response {
  const encoder = new TextEncoder();
  const line = (cells: CsvCell[]) => cells.map(csvField).join(",") + "\r\n";
  let offset = 0;
  let total: number | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const page = await doraRecords(caller, filters, metric, { offset, limit: EXPORT_PAGE }, now);
      const header = total === null ? line(RECORDS_HEADER) : "";
      total ??= page.total;
      const rows = recordRows(metric, await metricRecords(page.rows.slice(0, Math.max(0, total - offset))));
      offset += EXPORT_PAGE;
      controller.enqueue(encoder.encode(header + rows.map(line).join("")));
      if (offset >= total || page.rows.length === 0) controller.close();
    },
  });
  const stamp = new Date(now).toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="countersign-dora-${metric}-records-${stamp}.csv"`,
    },
  });
}

/** The dashboard's numbers (`what=numbers`) or the records behind one of them (`what=records&drill=<metric>`), for the same filters, as CSV. */
export async function GET(request: NextRequest) {
  try {
    const user = await currentUser();
    if (!user) return Response.redirect(new URL("/login", request.url));
    const params = request.nextUrl.searchParams;
    const filters = parseMetricsFilters(params);
    const { what, drill } = parseExportRequest(params);
    const caller = userCaller(user);
    const now = Date.now();
    if (what === "records" && drill) return streamRecords(caller, filters, drill, now);
    return csvResponse("dora-metrics", NUMBERS_HEADER, numberRows(await doraReport(caller, filters, now), filters));
  } catch (error) {
    return errorResponse(error);
  }
}
