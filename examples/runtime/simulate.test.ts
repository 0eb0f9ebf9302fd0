import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvedModel, isCorrected, planTraffic, seededRandom, toolCalls, ungrantedTool, type AgentSpec, type PlannedSpan } from "./spans";

const ROOT = path.resolve(import.meta.dirname, "../..");

const SPEC = {
  model: { provider: "anthropic", name: "claude-sonnet-4", version: "20250514" },
  instructions: "Refund duplicate charges.",
  autonomy: "bounded",
  tools: [
    {
      system: "stripe",
      actions: [
        { name: "refunds.create", access: "write", approval: "required", limit: { amount: 500, unit: "USD" } },
        { name: "charges.read", access: "read", approval: "none" },
      ],
    },
    { system: "zendesk", actions: [{ name: "tickets.update", access: "write", approval: "none" }] },
  ],
  forbidden: ["stripe:customers.delete"],
  traceRetentionDays: 30,
} satisfies AgentSpec & Record<string, unknown>;
const GRANTED = new Set(["stripe:refunds.create", "stripe:charges.read", "zendesk:tickets.update"]);

// ---------------------------------------------------------------------------------------------------------------
// Planning, without a network.

describe("planTraffic", () => {
  const single: AgentSpec = {
    model: { provider: "openai", name: "gpt-4o", version: "" },
    tools: [
      {
        system: "payments",
        actions: [{ name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "EUR" } }],
      },
    ],
    forbidden: ["payments:refunds.delete"],
  };
  const tools = (decision: PlannedSpan) => decision.children.filter((c) => c.attributes["gen_ai.operation.name"] === "execute_tool");

  it("writes the approved model as <name>-<version>, or <name> when floating", () => {
    expect(approvedModel(SPEC)).toBe("claude-sonnet-4-20250514");
    expect(approvedModel(single)).toBe("gpt-4o");
  });

  it("spreads corrections over 40% of decisions", () => {
    expect(Array.from({ length: 10 }, (_, i) => isCorrected(i))).toEqual([
      true,
      false,
      true,
      false,
      false,
      true,
      false,
      true,
      false,
      false,
    ]);
    expect(Array.from({ length: 20 }, (_, i) => isCorrected(i)).filter(Boolean)).toHaveLength(8);
  });

  it("picks an ungranted tool that is neither granted nor forbidden", () => {
    expect(ungrantedTool(SPEC)).toBe("stripe:records.purge_all");
    expect(ungrantedTool({ model: single.model })).toBe("admin:records.purge_all");
    const crowded: AgentSpec = {
      model: single.model,
      tools: [{ system: "crm", actions: [{ name: "records.purge_all", access: "admin", approval: "none" }] }],
      forbidden: ["crm:records.purge_all_2"],
    };
    expect(ungrantedTool(crowded)).toBe("crm:records.purge_all_3");
  });

  it("plans conforming traffic: one invoke_agent per decision, a chat span, then 1–2 granted tool calls", () => {
    const plan = planTraffic(single, { agent: "refunder", scenario: "normal", decisions: 6 });
    expect(plan).toHaveLength(6);
    for (const decision of plan) {
      expect(decision.name).toBe("invoke_agent refunder");
      expect(decision.attributes).toEqual({
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "refunder",
        "gen_ai.provider.name": "openai",
      });
      expect(decision.events).toEqual([]);
      const [chat, ...rest] = decision.children;
      expect(chat!.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o",
      });
      expect(chat!.attributes["gen_ai.usage.input_tokens"]).toEqual(expect.any(Number));
      expect(chat!.attributes["gen_ai.usage.output_tokens"]).toEqual(expect.any(Number));
      expect(rest.length === 1 || rest.length === 2).toBe(true);
      for (const call of rest) {
        expect(call.name).toBe("execute_tool payments:refunds.create");
        expect(call.attributes).toMatchObject({ "gen_ai.tool.name": "payments:refunds.create", "countersign.approval": "granted" });
        const amount = call.attributes["countersign.amount"] as number;
        expect(amount > 0 && amount < 50).toBe(true);
        expect(call.error).toBeUndefined();
      }
    }
  });

  it("is reproducible for a seed and differs across seeds", () => {
    const a = planTraffic(SPEC, { agent: "r", scenario: "all", decisions: 30, seed: 7 });
    expect(planTraffic(SPEC, { agent: "r", scenario: "all", decisions: 30, seed: 7 })).toEqual(a);
    expect(planTraffic(SPEC, { agent: "r", scenario: "all", decisions: 30, seed: 8 })).not.toEqual(a);
    const random = seededRandom(1);
    const values = Array.from({ length: 1000 }, random);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("adds exactly one ungranted call, in the middle decision", () => {
    const normal = planTraffic(SPEC, { agent: "r", scenario: "normal", decisions: 5 });
    const plan = planTraffic(SPEC, { agent: "r", scenario: "ungranted", decisions: 5 });
    expect(toolCalls(plan)).toHaveLength(toolCalls(normal).length + 1);
    const ungranted = toolCalls(plan).filter((c) => !GRANTED.has(c.attributes["gen_ai.tool.name"] as string));
    expect(ungranted.map((c) => c.name)).toEqual(["execute_tool stripe:records.purge_all"]);
    expect(tools(plan[2]!).at(-1)!.attributes["gen_ai.tool.name"]).toBe("stripe:records.purge_all");
  });

  it("answers from another model in model-swap, and marks 40% of decisions in corrections", () => {
    const swapped = planTraffic(SPEC, { agent: "r", scenario: "model-swap", decisions: 4 });
    for (const d of swapped) {
      expect(d.children[0]!.attributes["gen_ai.request.model"]).toBe("claude-sonnet-4-20250514");
      expect(d.children[0]!.attributes["gen_ai.response.model"]).toBe("claude-sonnet-4-mini-2099-01-01");
    }
    const corrected = planTraffic(SPEC, { agent: "r", scenario: "corrections", decisions: 10 });
    expect(corrected.map((d) => d.events.length)).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 0, 0]);
    expect(corrected[0]!.events).toEqual(["countersign.correction"]);
  });

  it("plans only chat spans for an agent without tools, and an admin: call when ungranted", () => {
    const bare: AgentSpec = { model: { provider: "openai", name: "gpt-4o", version: "2024-08-06" }, tools: [], forbidden: [] };
    expect(toolCalls(planTraffic(bare, { agent: "a", scenario: "normal", decisions: 3 }))).toEqual([]);
    const all = planTraffic(bare, { agent: "a", scenario: "all", decisions: 3 });
    expect(toolCalls(all).map((c) => c.attributes["gen_ai.tool.name"])).toEqual(["admin:records.purge_all"]);
    expect(all.every((d) => d.children[0]!.attributes["gen_ai.response.model"] === "gpt-4o-mini-2099-01-01")).toBe(true);
  });

  it("adds a privilege rejection of a granted action in all", () => {
    const plan = planTraffic(SPEC, { agent: "r", scenario: "all", decisions: 5 });
    const rejected = toolCalls(plan).filter((c) => c.error);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.attributes).toMatchObject({ "gen_ai.tool.name": "stripe:refunds.create", "error.type": "permission_denied" });
    expect(tools(plan[4]!).at(-1)).toBe(rejected[0]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real simulator, as a child process, against a fake Countersign.

interface Received {
  contentType: string;
  body: Buffer;
}
const received = new Map<string, Received[]>();
let server: Server;
let url: string;

const send = (res: import("node:http").ServerResponse, status: number, body: unknown, type = "application/json") => {
  res.writeHead(status, { "Content-Type": type });
  res.end(typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body));
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const body = await readBody(req);
    if (token === "refused") return send(res, 401, { error: { code: "unauthenticated", message: "The API token is unknown or revoked" } });
    if (token === "refused-flat") return send(res, 401, { error: "unauthenticated", message: "The API token is expired" });
    if (req.method === "GET" && req.url === "/api/v1/agents/refund-bot") {
      return send(res, 200, {
        slug: "refund-bot",
        environments: { development: { version: 3 }, staging: null, production: { version: 2 } },
      });
    }
    if (req.method === "GET" && req.url === "/api/v1/agents/refund-bot/versions/2") return send(res, 200, { number: 2, spec: SPEC });
    if (req.method === "POST" && req.url === "/api/v1/otlp/v1/traces") {
      if (token === "read-only")
        return send(res, 403, { error: { code: "forbidden", message: "The token lacks the evidence:write scope" } });
      received.set(token, [...(received.get(token) ?? []), { contentType: req.headers["content-type"] ?? "", body }]);
      if (token === "partial")
        return send(res, 200, { partialSuccess: { rejectedSpans: "3", errorMessage: "3 spans name an unknown tool" } });
      if (req.headers["content-type"] === "application/x-protobuf") return send(res, 200, Buffer.alloc(0), "application/x-protobuf");
      return send(res, 200, { partialSuccess: {} });
    }
    send(res, 404, { error: { code: "not_found", message: `No agent at ${req.url}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function simulate(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // The child reads no exporter settings or token of the machine running the tests.
  const childEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) if (key.startsWith("OTEL_") || key.startsWith("COUNTERSIGN_")) delete childEnv[key];
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["examples/runtime/simulate.ts", "--url", url, ...args], {
    cwd: ROOT,
    env: { ...childEnv, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

type OtlpValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };
type OtlpSpan = {
  name: string;
  spanId: string;
  parentSpanId?: string;
  attributes: OtlpAttribute[];
  events?: { name: string }[];
  status?: { code?: number };
};

const valueOf = (v: OtlpValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue));
const attrs = (list: OtlpAttribute[]) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** Every span the simulator sent with `token`, with its resource attributes. */
function spansFor(token: string) {
  const requests = received.get(token) ?? [];
  expect(requests.length).toBeGreaterThan(0);
  return requests.flatMap((r) => {
    expect(r.contentType).toBe("application/json");
    const body = JSON.parse(r.body.toString()) as {
      resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
    };
    return body.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) =>
        ss.spans.map((span) => ({ ...span, attrs: attrs(span.attributes), resource: attrs(rs.resource.attributes) })),
      ),
    );
  });
}
const byOperation = (spans: ReturnType<typeof spansFor>, operation: string) =>
  spans.filter((s) => s.attrs["gen_ai.operation.name"] === operation);

describe("simulate.ts against a fake Countersign", () => {
  it("sends conforming GenAI spans as OTLP/JSON", async () => {
    const run = await simulate(["--token", "normal", "--agent", "refund-bot", "--decisions", "12"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Sent 12 decisions, \d+ tool calls .*scenario normal, protocol json, to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/otlp\/v1\/traces/,
    );
    const spans = spansFor("normal");
    expect(spans[0]!.resource).toMatchObject({
      "service.name": "refund-bot-runtime-simulator",
      "deployment.environment.name": "production",
      "countersign.agent": "refund-bot",
    });
    const invokes = byOperation(spans, "invoke_agent");
    expect(invokes).toHaveLength(12);
    expect(invokes[0]).toMatchObject({ name: "invoke_agent refund-bot" });
    expect(invokes[0]!.attrs).toMatchObject({ "gen_ai.agent.name": "refund-bot", "gen_ai.provider.name": "anthropic" });
    const chats = byOperation(spans, "chat");
    expect(chats).toHaveLength(12);
    const invokeIds = new Set(invokes.map((s) => s.spanId));
    for (const chat of chats) {
      expect(invokeIds.has(chat.parentSpanId!)).toBe(true);
      expect(chat.attrs).toMatchObject({
        "gen_ai.request.model": "claude-sonnet-4-20250514",
        "gen_ai.response.model": "claude-sonnet-4-20250514",
      });
      expect(chat.attrs["gen_ai.usage.input_tokens"]).toEqual(expect.any(Number));
    }
    const calls = byOperation(spans, "execute_tool");
    expect(calls.length).toBeGreaterThanOrEqual(12);
    for (const call of calls) {
      expect(GRANTED.has(call.attrs["gen_ai.tool.name"] as string)).toBe(true);
      expect(call.name).toBe(`execute_tool ${call.attrs["gen_ai.tool.name"]}`);
      expect(invokeIds.has(call.parentSpanId!)).toBe(true);
      if (call.attrs["gen_ai.tool.name"] === "stripe:refunds.create") {
        expect(call.attrs["countersign.approval"]).toBe("granted");
        expect(call.attrs["countersign.amount"] as number).toBeLessThan(500);
      }
    }
  });

  it("sends exactly one ungranted call in the ungranted scenario", async () => {
    const run = await simulate(["--token", "ungranted", "--agent", "refund-bot", "--scenario", "ungranted"]);
    expect(run.code).toBe(0);
    const spans = spansFor("ungranted");
    expect(byOperation(spans, "invoke_agent")).toHaveLength(20);
    const ungranted = byOperation(spans, "execute_tool").filter((s) => !GRANTED.has(s.attrs["gen_ai.tool.name"] as string));
    expect(ungranted.map((s) => s.attrs["gen_ai.tool.name"])).toEqual(["stripe:records.purge_all"]);
  });

  it("answers from the swapped model in model-swap (token from COUNTERSIGN_TOKEN)", async () => {
    const run = await simulate(["--agent", "refund-bot", "--scenario", "model-swap", "--decisions", "5"], { COUNTERSIGN_TOKEN: "swap" });
    expect(run.code).toBe(0);
    const chats = byOperation(spansFor("swap"), "chat");
    expect(chats).toHaveLength(5);
    expect(new Set(chats.map((s) => s.attrs["gen_ai.response.model"]))).toEqual(new Set(["claude-sonnet-4-mini-2099-01-01"]));
  });

  it("adds corrections and a privilege rejection in all", async () => {
    const run = await simulate(["--token", "all", "--agent", "refund-bot", "--scenario", "all", "--decisions", "10"]);
    expect(run.code).toBe(0);
    const spans = spansFor("all");
    const invokes = byOperation(spans, "invoke_agent");
    expect(invokes.filter((s) => s.events?.some((e) => e.name === "countersign.correction"))).toHaveLength(4);
    const rejected = byOperation(spans, "execute_tool").filter((s) => s.status?.code === 2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.attrs["error.type"]).toBe("permission_denied");
  });

  it("sends OTLP/protobuf", async () => {
    const run = await simulate(["--token", "proto", "--agent", "refund-bot", "--protocol", "protobuf", "--decisions", "3"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("protocol protobuf");
    const requests = received.get("proto") ?? [];
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.contentType).toBe("application/x-protobuf");
      expect(r.body.length).toBeGreaterThan(0);
    }
    expect(Buffer.concat(requests.map((r) => r.body)).includes("invoke_agent refund-bot")).toBe(true);
  });

  it("exits 1 with the server's message when the token is refused", async () => {
    for (const token of ["refused", "refused-flat"]) {
      const run = await simulate(["--token", token, "--agent", "refund-bot"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(token === "refused" ? /The API token is unknown or revoked/ : /The API token is expired/);
      expect(received.has(token)).toBe(false);
    }
  });

  it("exits 1 when the agent or a deployed version is missing", async () => {
    const missing = await simulate(["--token", "t", "--agent", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No agent at /api/v1/agents/nobody");
    const undeployed = await simulate(["--token", "t", "--agent", "refund-bot", "--environment", "staging"]);
    expect(undeployed.code).toBe(1);
    expect(undeployed.stderr).toContain('Agent "refund-bot" has no version deployed in staging');
  });

  it("exits 1 when the export is refused or spans are rejected", async () => {
    const refused = await simulate(["--token", "read-only", "--agent", "refund-bot", "--decisions", "2"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("403 The token lacks the evidence:write scope");
    const partial = await simulate(["--token", "partial", "--agent", "refund-bot", "--decisions", "2"]);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain("3 spans rejected: 3 spans name an unknown tool");
  });
});
