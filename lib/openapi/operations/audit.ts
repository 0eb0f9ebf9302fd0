import { auditFiltersSchema, checkpointParamsSchema } from "@/lib/server/audit";
import { scopeSchema as evidenceScopeSchema } from "@/lib/server/evidence";
import { metricsFiltersSchema } from "@/lib/server/metrics";
import { READ, type ApiOperation } from "../registry";

const HEAD = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
const chainStatus = {
  ok: true,
  count: 1843,
  headHash: HEAD,
  firstBadSeq: null,
  reason: null,
  full: {
    ok: true,
    count: 1840,
    headHash: HEAD,
    firstBadSeq: null,
    reason: null,
    mismatches: 0,
    startedAt: "2026-12-02T02:00:00.000Z",
    finishedAt: "2026-12-02T02:00:04.000Z",
  },
  sinceFull: { from: 1841, to: 1843, checkedNow: 3 },
  running: null,
  summary: "Intact: 1,843 events; fully verified at 1,840, and the 3 since follow from it.",
};
const metric = { medianHours: 20.5, p90Hours: 61.2, band: "high", count: 24 };
const dora = {
  range: { from: "2026-06-03T00:00:00.000Z", to: "2026-12-02T00:00:00.000Z" },
  leadTime: metric,
  deploymentFrequency: { perWeek: 3.5, deploymentDaysPerWeek: 2.8, band: "high", count: 91 },
  changeFailRate: { rate: 0.0833, band: "elite", failed: 2, total: 24 },
  recoveryTime: { medianHours: 1.5, p90Hours: 4, band: "elite", count: 2 },
  reworkRate: { rate: 0.125, unplanned: 3, total: 24 },
};

export const auditOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/v1/audit",
    tag: "Audit and evidence",
    summary: "The audit log",
    description:
      "Newest first. `from` and `to` are dates (a date as `to` includes that whole day) or ISO-8601 times; `entity` is a type (`change_record`) or a type and id (`change_record:<id>`). A filtered `total` is counted up to 10,000 (`totalExact: false` past that).",
    access: READ,
    query: [auditFiltersSchema],
    response: {
      status: 200,
      description: "A page of audit events, each with the hash that chains it to the one before.",
      example: {
        items: [
          {
            seq: 1843,
            at: "2026-12-02T09:14:00.000Z",
            actor: { type: "user", label: "security@countersign.test" },
            action: "signoff.approved",
            entity: { type: "change_record", id: "3d1f7b2a-9c4e-4b8d-a6f0-1e2d3c4b5a69", agent: "refund-assistant", change: "CR-42" },
            payload: { role: "security" },
            prevHash: "9b74c9897bac770ffc029102a200c5de6b0f3b3a6e1d6f0a2f1c8e3d7b4a5c60",
            hash: HEAD,
          },
        ],
        total: 1,
        totalExact: true,
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/audit/verify",
    tag: "Audit and evidence",
    summary: "Verify the audit trail",
    description:
      "The chain's status from the last full verification and the events appended since, which are verified now. `count` and `headHash` (both or neither) also check a checkpoint exported earlier. `mode=full` waits for a full verification (chain and replay against the tables, `mismatches` included), run in a worker thread.",
    access: READ,
    query: [checkpointParamsSchema],
    extraQuery: [
      {
        name: "mode",
        description: "`incremental` (default) or `full`.",
        schema: { type: "string", enum: ["incremental", "full"], default: "incremental" },
      },
    ],
    response: { status: 200, description: "The trail's status.", example: { mode: "incremental", ...chainStatus } },
  },
  {
    method: "post",
    path: "/api/v1/audit/verify",
    tag: "Audit and evidence",
    summary: "Start a full verification",
    description:
      "In the background (or joins the one running); answers at once with the status and its progress. A read: tokens need `read`.",
    access: READ,
    bodyOptional: true,
    response: {
      status: 202,
      description: "Started: the status, with `running` showing its progress.",
      example: { ...chainStatus, running: { startedAt: "2026-12-02T09:20:00.000Z", checked: 0, total: 1843, replaying: false } },
    },
  },
  {
    method: "get",
    path: "/api/v1/audit/checkpoint",
    tag: "Audit and evidence",
    summary: "Download the trail's checkpoint",
    description:
      "The chain's current head, as a file to keep outside the server; `npm run audit:verify -- --checkpoint <file>` checks against it.",
    access: READ,
    response: {
      status: 200,
      description: "The checkpoint, as an attachment.",
      example: { count: 1843, headHash: HEAD, at: "2026-12-02T09:20:00.000Z" },
    },
  },
  {
    method: "get",
    path: "/api/v1/evidence",
    tag: "Audit and evidence",
    summary: "The evidence pack of a period",
    description:
      "Every production release in the range with its approvals, evals, emergency and retro sign-off timing, rollbacks, incidents, drift and runtime breaches, exceptions first, and the audit chain's head. Default range: the previous full quarter. Without `size`, `after` or `before`: the whole pack as a download (`format` json, csv or ndjson), streamed as it is read. With any of them: one page as JSON, with the range's `totals` and `page: {size, next, previous}` (pass `next` as `after`, `previous` as `before`).",
    access: READ,
    query: [{ schema: auditFiltersSchema, only: ["from", "to"] }, evidenceScopeSchema],
    extraQuery: [
      {
        name: "format",
        description: "The download's format; a page is always JSON.",
        schema: { type: "string", enum: ["json", "csv", "ndjson"], default: "json" },
      },
      { name: "size", description: "Releases per page, 1–500 (default 50).", schema: { type: "integer", minimum: 1, maximum: 500 } },
      { name: "after", description: "The page after this boundary (a page's `page.next`).", schema: { type: "string" } },
      { name: "before", description: "The page before this boundary (a page's `page.previous`).", schema: { type: "string" } },
    ],
    response: {
      status: 200,
      description: "The pack (or one page of it).",
      example: {
        generatedAt: "2026-12-02T09:30:00.000Z",
        range: { from: "2026-07-01T00:00:00.000Z", to: "2026-10-01T00:00:00.000Z" },
        filters: {},
        chain: { count: 1843, headHash: HEAD },
        releases: [],
        exceptions: [],
      },
      alsoContent: {
        "text/csv": { example: "change,agent,version,released_at,approvals,evals,exceptions,drift,runtime_breaches\n" },
        "application/x-ndjson": { example: '{"kind":"header","generatedAt":"2026-12-02T09:30:00.000Z"}\n' },
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/metrics/dora",
    tag: "Metrics",
    summary: "DORA metrics",
    description:
      "The five DORA metrics for the range (inclusive UTC dates; default the last 26 weeks) and scope, each with its band, the weekly series, the same numbers for the previous period of equal length, and drift beside them.",
    access: READ,
    query: [metricsFiltersSchema],
    response: {
      status: 200,
      description: "The metrics.",
      example: {
        ...dora,
        weekly: [{ weekStart: "2026-11-23", deployments: 4, failed: 0, leadTimeMedianHours: 18, recoveryMedianHours: null, unplanned: 0 }],
        previous: dora,
        drift: { open: 1, meanTimeToResolveMs: 86_400_000, resolvedCount: 3, observedShare: 0.8, productionAgents: 10 },
      },
    },
  },
];
