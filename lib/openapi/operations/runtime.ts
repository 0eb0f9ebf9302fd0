import { driftFiltersSchema, resolveSchema } from "@/lib/server/drift";
import { observationSchema } from "@/lib/server/observations";
import { runtimeQuerySchema } from "@/lib/server/runtime-evidence";
import { signalsSchema } from "@/lib/server/signals";
import { drift, page, SPEC_HASH, spec } from "../examples";
import { READ, type ApiOperation } from "../registry";

const driftId = { id: "The drift record's id, or its number as `DR-7`." };
const senders = { token: "evidence:write", people: "engineering and operations" } as const;

/** What OTLP/HTTP's endpoint takes and answers; described by hand in document.ts, since its body is OTLP's own. */
export const OTLP_PATH = "/api/v1/otlp/v1/traces";

export const runtimeOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/api/v1/agents/{slug}/observations",
    tag: "Drift",
    summary: "Report what an environment runs",
    description:
      "One of: a Countersign spec (`spec`), the platform's own files as `POST /api/v1/import` takes them (`files`, `platform?`), or `absent: true`. Compared with the version deployed there at `observedAt` (default now; at most 5 minutes ahead); `drift` is the record it opened, joined or closed (null when in sync with nothing open).",
    access: { token: "observe", people: "engineering and operations" },
    pathParams: { slug: "The agent's slug." },
    body: observationSchema,
    bodyExamples: {
      spec: { summary: "A nightly export, as a spec", value: { environment: "production", spec, source: "nightly export" } },
      absent: { summary: "Not found there at all", value: { environment: "staging", absent: true, source: "nightly export" } },
    },
    response: {
      status: 201,
      description: "The observation recorded, in sync or not.",
      example: {
        observation: {
          id: "e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7",
          environment: "production",
          specHash: drift.observedSpecHash,
          source: "nightly export",
          observedAt: "2026-12-02T03:00:00.000Z",
          inSync: false,
        },
        inSync: false,
        comparedWith: { version: 4, specHash: SPEC_HASH },
        drift,
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/drift",
    tag: "Drift",
    summary: "List drift records",
    description: "Open ones first, then newest; each with its latest ten observations.",
    access: READ,
    query: [driftFiltersSchema],
    response: { status: 200, description: "A page of drift records.", example: page(drift) },
  },
  {
    method: "get",
    path: "/api/v1/drift/{id}",
    tag: "Drift",
    summary: "Read one drift record",
    description: "With all its observations.",
    access: READ,
    pathParams: driftId,
    response: { status: 200, description: "The drift record.", example: drift },
  },
  {
    method: "post",
    path: "/api/v1/drift/{id}/resolve",
    tag: "Drift",
    summary: "Resolve open drift",
    description:
      "`adopt` opens a change record proposing the observed spec (returned as `change`); `restore` records that the approved version is being put back; `accept` lives with it until `expiresAt` (at most 90 days away). Send `seenResolvedAt` (the `resolution.at` you saw, or null) to get a 409 rather than overwrite someone else's decision. People only, never a token.",
    access: { token: null, people: "engineering, security and operations" },
    pathParams: driftId,
    body: resolveSchema,
    bodyExamples: {
      accept: {
        summary: "Live with it for a month",
        value: {
          action: "accept",
          reason: "The vendor raised the limit; CR-44 will adopt it",
          expiresAt: "2027-01-01T00:00:00Z",
          seenResolvedAt: null,
        },
      },
      adopt: { summary: "Propose the observed spec", value: { action: "adopt", reason: "The new limit is what the business wants" } },
    },
    response: {
      status: 200,
      description: "The drift record, and the change record adopting opened (else null).",
      example: { drift, change: { id: "3d1f7b2a-9c4e-4b8d-a6f0-1e2d3c4b5a69", number: "CR-44" } },
    },
    errors: { 409: "The drift is closed, the action does not apply to it, or someone resolved it since `seenResolvedAt`." },
  },
  {
    method: "post",
    path: OTLP_PATH,
    tag: "Runtime evidence",
    summary: "Receive OpenTelemetry traces (OTLP/HTTP)",
    description:
      'OTLP/HTTP\'s trace endpoint: point an exporter or a Collector at `…/api/v1/otlp` (`OTEL_EXPORTER_OTLP_ENDPOINT`) with `OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer cst_…"`. JSON or protobuf, gzip or not; answered in the encoding it was sent, errors as a `google.rpc.Status`. Spans it cannot use are counted in `partialSuccess`, each named with its reason.',
    access: { token: "evidence:write", people: null },
    response: {
      status: 200,
      description: "Accepted: `{}`, or `partialSuccess` when some spans were rejected.",
      example: {
        partialSuccess: { rejectedSpans: 1, errorMessage: "1 span(s) rejected: span 5fb397be34d26b51 (refund): no agent is named refund" },
      },
    },
  },
  {
    method: "post",
    path: "/api/v1/signals",
    tag: "Runtime evidence",
    summary: "Record business metric values",
    description:
      "Values such as `refund_reversal_rate` or `csat`, each tagged with the version that ran at its time, so a release's harm thresholds read only what that release caused. Every value is recorded, or none is.",
    access: senders,
    body: signalsSchema,
    bodyExamples: {
      one: {
        summary: "One value",
        value: {
          agent: "refund-assistant",
          environment: "production",
          metric: "refund_reversal_rate",
          value: 0.012,
          at: "2026-12-02T09:00:00Z",
        },
      },
      batch: {
        summary: "A batch (up to 1,000)",
        value: {
          signals: [
            { agent: "refund-assistant", environment: "production", metric: "csat", value: 4.6 },
            { agent: "refund-assistant", environment: "production", metric: "refund_reversal_rate", value: 0.012 },
          ],
        },
      },
    },
    response: {
      status: 201,
      description: "The values recorded, each with the version it is tagged with.",
      example: {
        recorded: [
          {
            agent: "refund-assistant",
            environment: "production",
            metric: "refund_reversal_rate",
            value: 0.012,
            at: "2026-12-02T09:00:00.000Z",
            version: 4,
          },
        ],
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/agents/{slug}/runtime",
    tag: "Runtime evidence",
    summary: "An agent's runtime evidence",
    description:
      "Totals, the daily series, actions, harm thresholds, breaches (`BR-n`), release markers and kept traces, for a range of at most a year (default the last 30 days).",
    access: READ,
    pathParams: { slug: "The agent's slug." },
    query: [runtimeQuerySchema],
    response: {
      status: 200,
      description: "The agent's runtime evidence for the range.",
      example: {
        environment: "production",
        from: "2026-11-02T00:00:00.000Z",
        to: "2026-12-02T00:00:00.000Z",
        breaches: [],
        markers: [],
        traces: [],
      },
    },
  },
];
