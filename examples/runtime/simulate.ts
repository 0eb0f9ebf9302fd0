/**
 * Agent-runtime simulator: emits GenAI-semantic-convention spans for one Countersign agent, through the
 * OpenTelemetry SDK and its OTLP/HTTP exporters, to Countersign's OTLP receiver. See README.md.
 */
import { parseArgs } from "node:util";
import { context, diag, DiagLogLevel, SpanKind, SpanStatusCode, trace, type Context, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace";
import { planTraffic, SCENARIOS, toolCalls, type AgentSpec, type PlannedSpan, type Scenario } from "./spans";

const USAGE = `Usage: npx tsx examples/runtime/simulate.ts --url http://localhost:3000 --token cst_… --agent <slug>
         [--environment production] [--scenario ${SCENARIOS.join("|")}] [--decisions 20] [--protocol json|protobuf] [--seed 1]

  --url          Countersign base URL (or COUNTERSIGN_URL; default http://localhost:3000)
  --token        API token with scopes "read" and "evidence:write" (or COUNTERSIGN_TOKEN)
  --agent        the agent's slug
  --environment  the environment whose deployed version is simulated (default production)
  --scenario     normal: conforming traffic; ungranted: plus one call to a tool the spec does not grant;
                 model-swap: answers from another model; corrections: human corrections on 40% of decisions;
                 all: all of these, plus one privilege rejection (default normal)
  --decisions    number of invoke_agent spans (default 20)
  --protocol     OTLP/HTTP encoding: json or protobuf (default json)
  --seed         seed of the deterministic traffic (default 1)`;

type ExportResult = Parameters<SpanExporter["export"]>[1] extends (result: infer R) => void ? R : never;

class Fail extends Error {}

/** The server's `error.message` (or `message`) from a JSON error body, else the raw text. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string | { message?: string }; message?: string };
    const message = typeof body.error === "object" ? body.error?.message : body.message;
    if (message) return message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300);
}

async function getJson<T>(url: string, token: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });
  } catch (error) {
    const cause = (error as Error).cause;
    throw new Fail(`Cannot reach ${url}: ${cause instanceof Error ? cause.message : (error as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok) throw new Fail(`GET ${url} was refused (${response.status}): ${serverMessage(text) || response.statusText}`);
  return JSON.parse(text) as T;
}

async function fetchSpec(base: string, token: string, agent: string, environment: string): Promise<{ version: number; spec: AgentSpec }> {
  const slug = encodeURIComponent(agent);
  const record = await getJson<{ environments?: Record<string, { version?: number } | null> }>(`${base}/api/v1/agents/${slug}`, token);
  const version = record.environments?.[environment]?.version;
  if (typeof version !== "number") throw new Fail(`Agent "${agent}" has no version deployed in ${environment}`);
  const { spec } = await getJson<{ spec?: AgentSpec }>(`${base}/api/v1/agents/${slug}/versions/${version}`, token);
  if (!spec?.model) throw new Fail(`Version ${version} of "${agent}" has no spec`);
  return { version, spec };
}

/** Passes spans through and keeps what the OTLP exporter reported, so a refused export ends the run non-zero. */
class RecordingExporter implements SpanExporter {
  readonly failures: string[] = [];
  exported = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === 0 /* ExportResultCode.SUCCESS */) this.exported += spans.length;
      else this.failures.push(describeExportError(result.error));
      done(result);
    });
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function describeExportError(error: (Error & { code?: number; data?: string }) | undefined): string {
  if (!error) return "unknown error";
  const status = typeof error.code === "number" ? `${error.code} ` : "";
  const detail = error.data ? serverMessage(error.data) : "";
  return `${status}${detail || error.message || String(error)}`;
}

/**
 * Prints the SDK's warnings and errors, and keeps the spans a receiver rejected: the OTLP exporters report a
 * partial success (HTTP 200 with `partialSuccess.rejectedSpans`) only through `diag`.
 */
function watchDiag(): string[] {
  const rejections: string[] = [];
  const warn = (message: string, ...args: unknown[]) => {
    const details = args.map((a) => (a instanceof Error ? a.message : a instanceof Uint8Array ? `(${a.length}-byte response)` : a));
    console.error(`OpenTelemetry: ${message}`, ...details);
    if (!message.startsWith("Received Partial Success")) return;
    try {
      const partial = JSON.parse(String(args[0])) as { rejectedSpans?: string | number; errorMessage?: string };
      if (Number(partial.rejectedSpans) > 0) rejections.push(`${partial.rejectedSpans} spans rejected: ${partial.errorMessage ?? ""}`);
    } catch {
      // not the shape we know; already printed
    }
  };
  const quiet = () => {};
  diag.setLogger(
    { error: warn, warn, info: quiet, debug: quiet, verbose: quiet },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return rejections;
}

const GAP_MS = 1_000;

/** Creates the planned spans with real parent/child links, from `start` on; returns where the next decision starts. */
function emit(tracer: Tracer, decisions: PlannedSpan[], start: number): number {
  const record = (planned: PlannedSpan, at: number, parent: Context): number => {
    const kind = planned.kind === "client" ? SpanKind.CLIENT : SpanKind.INTERNAL;
    const span = tracer.startSpan(planned.name, { kind, attributes: planned.attributes, startTime: at }, parent);
    const inside = trace.setSpan(parent, span);
    let cursor = at + 10;
    for (const child of planned.children) cursor = record(child, cursor, inside) + 5;
    for (const event of planned.events) span.addEvent(event, {}, cursor);
    if (planned.error) span.setStatus({ code: SpanStatusCode.ERROR, message: planned.error });
    const end = Math.max(at + planned.durationMs, cursor);
    span.end(end);
    return end;
  };
  for (const decision of decisions) start = record(decision, start, context.active()) + GAP_MS;
  return start;
}

function readArguments(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        url: { type: "string", default: process.env.COUNTERSIGN_URL || "http://localhost:3000" },
        token: { type: "string" },
        agent: { type: "string" },
        environment: { type: "string", default: "production" },
        scenario: { type: "string", default: "normal" },
        decisions: { type: "string", default: "20" },
        protocol: { type: "string", default: "json" },
        seed: { type: "string", default: "1" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new Fail(`${(error as Error).message}\n\n${USAGE}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const values = readArguments(argv);
  const token = values.token || process.env.COUNTERSIGN_TOKEN;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const scenario = values.scenario as Scenario;
  const decisions = Number(values.decisions);
  const seed = Number(values.seed);
  const problems = [
    !token && "--token (or COUNTERSIGN_TOKEN) is required",
    !values.agent && "--agent is required",
    !SCENARIOS.includes(scenario) && `--scenario must be one of ${SCENARIOS.join(", ")}`,
    !(Number.isInteger(decisions) && decisions >= 1 && decisions <= 10_000) && "--decisions must be a whole number from 1 to 10000",
    values.protocol !== "json" && values.protocol !== "protobuf" && "--protocol must be json or protobuf",
    !Number.isInteger(seed) && "--seed must be a whole number",
  ].filter(Boolean);
  if (problems.length > 0) throw new Fail(`${problems.join("\n")}\n\n${USAGE}`);
  const [base, agent, environment] = [values.url.replace(/\/+$/, ""), values.agent!, values.environment];

  const { spec } = await fetchSpec(base, token!, agent, environment);
  const plan = planTraffic(spec, { agent, scenario, decisions, seed });

  const rejections = watchDiag();
  const endpoint = `${base}/api/v1/otlp/v1/traces`;
  const config = { url: endpoint, headers: { Authorization: `Bearer ${token}` } };
  const exporter = new RecordingExporter(values.protocol === "protobuf" ? new ProtobufExporter(config) : new JsonExporter(config));
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        "service.name": `${agent}-runtime-simulator`,
        "deployment.environment.name": environment,
        "countersign.agent": agent,
      }),
    ),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer("countersign-runtime-simulator", "1.0.0");
  // Back-dated so the last decision ends about now; sent 100 decisions at a time to bound the queue and the requests.
  let start = Date.now() - plan.reduce((sum, decision) => sum + decision.durationMs + GAP_MS, 0);
  for (let i = 0; i < plan.length && exporter.failures.length === 0; i += 100) {
    start = emit(tracer, plan.slice(i, i + 100), start);
    await provider.forceFlush().catch(() => {}); // a failed batch is recorded by RecordingExporter
  }
  await provider.shutdown().catch(() => {});

  const failures = [...exporter.failures, ...rejections];
  if (failures.length > 0) throw new Fail(`Export to ${endpoint} failed: ${failures.join("; ")}`);
  console.log(
    `Sent ${plan.length} decisions, ${toolCalls(plan).length} tool calls (${exporter.exported} spans), scenario ${scenario}, ` +
      `protocol ${values.protocol}, to ${endpoint}`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Fail ? error.message : error);
    process.exit(1);
  },
);
