// `npm run bench:otlp`: how fast a running Countersign takes runtime evidence. Sends N OTLP/HTTP protobuf exports of
// M spans each, C at a time, to /api/v1/otlp/v1/traces, and prints spans ingested per second and the requests'
// latency. A benchmark, not a test: it starts nothing (point it at an app you started) and fails only when it cannot run.
import { parseArgs } from "node:util";
import { ExportTraceServiceResponse } from "../lib/otlp/trace-proto";
import { otlpProtobuf, recordSpans, type Decision, type ToolCall } from "../lib/testing/otel-spans";
import { ms, percentile } from "./bench/stats";

const usage = `Usage: npm run bench:otlp -- --url http://localhost:3000 --token cst_… [--exports 200] [--spans 500] [--concurrency 4]
         [--agent refund-assistant] [--environment production]

  --url          the running app's base URL
  --token        an API token with scopes "read" (to read the agent's spec) and "evidence:write"
  --exports N    exports to send (default 200), after one warm-up export that is not counted
  --spans M      spans per export (default 500; an SDK's default batch is 512)
  --concurrency  exports in flight at once (default 4; the receiver takes 32 before it answers 429)
  --agent        the agent the traffic belongs to (default refund-assistant); conforming traffic to what its
                 deployed version grants, so no breach or incident is opened
  --environment  the environment (default production)

Note: every export is stored. Run it against a throwaway database (DATABASE_PATH=/tmp/…), not one you keep.`;

type Spec = { model: { name: string; version?: string }; tools: { system: string; actions: Action[] }[] };
type Action = { name: string; approval: "none" | "required"; limit?: { amount: number; unit: string } };
type Sent = { ms: number; rejected: number; retries: number };

class Fail extends Error {}

function readOptions() {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      token: { type: "string" },
      exports: { type: "string", default: "200" },
      spans: { type: "string", default: "500" },
      concurrency: { type: "string", default: "4" },
      agent: { type: "string", default: "refund-assistant" },
      environment: { type: "string", default: "production" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const whole = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Fail(`--${name} must be a whole number of at least ${min} (got "${value}")\n\n${usage}`);
    return n;
  };
  if (!values.url || !values.token) throw new Fail(`--url and --token are required\n\n${usage}`);
  return {
    url: values.url.replace(/\/+$/, ""),
    token: values.token,
    exports: whole("exports", values.exports, 1),
    spans: whole("spans", values.spans, 2),
    concurrency: whole("concurrency", values.concurrency, 1),
    agent: values.agent,
    environment: values.environment,
  };
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Fail(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as T;
}

async function deployedSpec(base: string, token: string, agent: string, environment: string): Promise<Spec> {
  const record = await getJson<{ environments: Record<string, { version: number } | null> }>(`${base}/api/v1/agents/${agent}`, token);
  const version = record.environments[environment]?.version;
  if (version === undefined) throw new Fail(`${agent} has nothing deployed to ${environment}`);
  return (await getJson<{ spec: Spec }>(`${base}/api/v1/agents/${agent}/versions/${version}`, token)).spec;
}

/** One export's decisions, exactly `spans` spans: each decision is an invoke_agent and a chat span, plus its tool calls. */
function decisionsFor(spec: Spec, spans: number, now: number, seq: number): Decision[] {
  const granted = spec.tools.flatMap((t) => t.actions.map((a) => ({ tool: `${t.system}:${a.name}`, action: a })));
  const model = spec.model.version ? `${spec.model.name}-${spec.model.version}` : spec.model.name;
  const call = (i: number): ToolCall[] => {
    if (granted.length === 0) return [];
    const { tool, action } = granted[(seq + i) % granted.length]!;
    return [
      {
        tool,
        ...(action.approval === "required" ? { approval: "granted" as const } : {}),
        ...(action.limit ? { amount: action.limit.amount / 2 } : {}),
      },
    ];
  };
  const perDecision = granted.length === 0 ? 2 : 3;
  const decisions: Decision[] = [];
  let left = spans;
  for (let i = 0; left >= 2; i++) {
    // Within the last ten minutes, so every span lands on the version deployed now.
    const at = now - 600_000 + ((seq * 7919 + i * 104_729) % 590_000);
    const tools = left >= perDecision ? call(i) : [];
    decisions.push({ at, model, tools });
    left -= 2 + tools.length;
  }
  if (left === 1 && granted.length > 0) decisions.at(-1)!.tools!.push(...call(decisions.length));
  return decisions;
}

async function send(endpoint: string, token: string, body: Uint8Array<ArrayBuffer>): Promise<Sent> {
  let retries = 0;
  for (;;) {
    const started = performance.now();
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/x-protobuf" },
      body,
    });
    const answer = new Uint8Array(await response.arrayBuffer());
    const elapsed = performance.now() - started;
    if (response.status === 429) {
      retries++;
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get("retry-after") ?? 1)));
      continue;
    }
    if (response.status !== 200)
      throw new Fail(`The receiver answered ${response.status}: ${Buffer.from(answer).toString().slice(0, 300)}`);
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(answer), { longs: Number }) as {
      partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
    };
    const rejected = decoded.partialSuccess?.rejectedSpans ?? 0;
    if (rejected > 0) console.error(`  ${rejected} spans rejected: ${decoded.partialSuccess?.errorMessage}`);
    return { ms: elapsed, rejected, retries };
  }
}

async function main() {
  const o = readOptions();
  const spec = await deployedSpec(o.url, o.token, o.agent, o.environment);
  const resource = { "service.name": `${o.agent}-bench`, "deployment.environment.name": o.environment, "countersign.agent": o.agent };
  const now = Date.now();
  // Every export is built before the clock starts: what is measured is the receiver.
  const bodies = Array.from({ length: o.exports + 1 }, (_, seq) => {
    const spans = recordSpans(resource, decisionsFor(spec, o.spans, now, seq));
    return { body: new Uint8Array(otlpProtobuf(spans)), spans: spans.length };
  });
  const endpoint = `${o.url}/api/v1/otlp/v1/traces`;
  console.log(
    `Sending ${o.exports} protobuf exports of ${o.spans} spans (${(bodies[1]!.body.length / 1024).toFixed(0)} KB each), ${o.concurrency} at a time, to ${endpoint}`,
  );
  await send(endpoint, o.token, bodies[0]!.body); // warm-up: connections, statement caches

  const results: (Sent & { spans: number })[] = [];
  let next = 1;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next <= o.exports) {
        const { body, spans } = bodies[next++]!;
        results.push({ ...(await send(endpoint, o.token, body)), spans });
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const sentSpans = results.reduce((n, r) => n + r.spans, 0);
  const accepted = sentSpans - results.reduce((n, r) => n + r.rejected, 0);
  const latencies = results.map((r) => r.ms);
  const rows: [string, string][] = [
    ["exports", `${results.length} × ${o.spans} spans, concurrency ${o.concurrency}`],
    ["spans ingested", `${accepted} of ${sentSpans}`],
    ["wall time", `${wall.toFixed(1)} s`],
    ["spans / second", `${Math.round(accepted / wall)}`],
    ["exports / second", `${(results.length / wall).toFixed(1)}`],
    ["latency p50", ms(percentile(latencies, 50))],
    ["latency p95", ms(percentile(latencies, 95))],
    ["latency max", ms(Math.max(...latencies))],
    ["429 retries", `${results.reduce((n, r) => n + r.retries, 0)}`],
  ];
  for (const [name, value] of rows) console.log(`  ${name.padEnd(18)} ${value}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Fail ? error.message : error);
  process.exit(1);
});
