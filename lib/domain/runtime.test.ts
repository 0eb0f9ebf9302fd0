import { describe, expect, it } from "vitest";
import {
  authorityBreaches,
  countsOf,
  environmentOf,
  hourOf,
  matchAction,
  modelMatches,
  spanSignal,
  specWithModel,
  type RuntimeSpan,
} from "./runtime";
import type { AgentSpec } from "./spec";

const spec: AgentSpec = {
  model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
  instructions: "Refunds within limits.",
  autonomy: "bounded",
  tools: [
    {
      system: "stripe",
      actions: [
        { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
        { name: "charges.read", access: "read", approval: "none" },
      ],
    },
    { system: "zendesk", actions: [{ name: "tickets.read", access: "read", approval: "none" }] },
  ],
  forbidden: ["stripe:customers.delete"],
  traceRetentionDays: 30,
};

const span = (attributes: RuntimeSpan["attributes"], extra: Partial<RuntimeSpan> = {}): RuntimeSpan => ({
  traceId: "a".repeat(32),
  spanId: "b".repeat(16),
  parentSpanId: null,
  name: "span",
  startMs: 1_000,
  endMs: 2_000,
  attributes,
  events: [],
  status: { code: 0, message: "" },
  ...extra,
});

const toolCall = (attributes: RuntimeSpan["attributes"], extra: Partial<RuntimeSpan> = {}) => {
  const signal = spanSignal(span({ "gen_ai.operation.name": "execute_tool", ...attributes }, extra));
  if (signal.kind !== "tool_call") throw new Error("not a tool call");
  return signal;
};

describe("which environment a resource runs in", () => {
  it("reads deployment.environment.name, the older deployment.environment, and the short names", () => {
    expect(environmentOf({ "deployment.environment.name": "production" })).toBe("production");
    expect(environmentOf({ "deployment.environment.name": "PROD" })).toBe("production");
    expect(environmentOf({ "deployment.environment": "stage" })).toBe("staging");
    expect(environmentOf({ "deployment.environment.name": "dev" })).toBe("development");
  });
  it("does not guess an environment it does not know", () => {
    expect(environmentOf({ "deployment.environment.name": "qa" })).toBeNull();
    expect(environmentOf({})).toBeNull();
  });
});

describe("what a span means", () => {
  it("invoke_agent is a decision; a correction event or attribute marks it corrected; ERROR status is an error", () => {
    expect(countsOf(spanSignal(span({ "gen_ai.operation.name": "invoke_agent" })))).toMatchObject({
      decisions: 1,
      corrections: 0,
      errors: 0,
    });
    const corrected = span(
      { "gen_ai.operation.name": "invoke_agent" },
      { events: [{ name: "countersign.correction", atMs: 1, attributes: {} }] },
    );
    expect(countsOf(spanSignal(corrected))).toMatchObject({ decisions: 1, corrections: 1 });
    expect(countsOf(spanSignal(span({ "gen_ai.operation.name": "invoke_agent", "countersign.correction": true })))).toMatchObject({
      corrections: 1,
    });
    const failed = span({ "gen_ai.operation.name": "invoke_agent" }, { status: { code: 2, message: "boom" } });
    expect(countsOf(spanSignal(failed))).toMatchObject({ decisions: 1, errors: 1 });
  });

  it("a chat span gives the answering model (response before request) and the tokens", () => {
    const chat = spanSignal(
      span({
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4.1",
        "gen_ai.response.model": "gpt-4.1-2025-04-14",
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": "30",
      }),
    );
    expect(chat).toMatchObject({ kind: "inference", model: "gpt-4.1-2025-04-14" });
    expect(countsOf(chat)).toMatchObject({ inputTokens: 120, outputTokens: 30, decisions: 0 });
    expect(spanSignal(span({ "gen_ai.operation.name": "text_completion", "gen_ai.request.model": "m" }))).toMatchObject({ model: "m" });
  });

  it("an execute_tool span is a tool call with its approval step and amount", () => {
    const call = toolCall({ "gen_ai.tool.name": "stripe:refunds.create", "countersign.approval": "Granted", "countersign.amount": 20 });
    expect(call).toMatchObject({ tool: "stripe:refunds.create", approval: "granted", amount: 20, privilegeRejected: false });
    expect(countsOf(call)).toMatchObject({ toolCalls: 1, approvalsRequested: 1, approvalsGranted: 1, approvalsDenied: 0 });
    expect(countsOf(toolCall({ "gen_ai.tool.name": "x", "countersign.approval": "denied" }))).toMatchObject({
      approvalsRequested: 1,
      approvalsDenied: 1,
    });
  });

  it("a privilege rejection: ERROR with error.type permission_denied / forbidden / unauthorized, or HTTP 401/403", () => {
    const error = { status: { code: 2, message: "" } };
    expect(toolCall({ "gen_ai.tool.name": "x", "error.type": "permission_denied" }, error).privilegeRejected).toBe(true);
    expect(toolCall({ "gen_ai.tool.name": "x", "error.type": "Forbidden" }, error).privilegeRejected).toBe(true);
    expect(toolCall({ "gen_ai.tool.name": "x", "http.response.status_code": 403 }).privilegeRejected).toBe(true);
    expect(toolCall({ "gen_ai.tool.name": "x", "error.type": "timeout" }, error).privilegeRejected).toBe(false);
    // Without ERROR status, an error.type alone is not a rejection.
    expect(toolCall({ "gen_ai.tool.name": "x", "error.type": "permission_denied" }).privilegeRejected).toBe(false);
  });

  it("spans of other kinds (HTTP, database) say nothing", () => {
    expect(spanSignal(span({ "http.request.method": "GET" }))).toEqual({ kind: "other" });
  });
});

describe("matching a tool name to the spec", () => {
  it("system:action, system.action at any dot, or an action name unique in the spec", () => {
    expect(matchAction(spec, "stripe:refunds.create")).toMatchObject({ kind: "granted", key: "stripe:refunds.create" });
    expect(matchAction(spec, "stripe.refunds.create")).toMatchObject({ kind: "granted", key: "stripe:refunds.create" });
    expect(matchAction(spec, "tickets.read")).toMatchObject({ kind: "granted", key: "zendesk:tickets.read" });
  });
  it("countersign.system + countersign.action override the tool's name", () => {
    expect(matchAction(spec, "refund_tool", { system: "stripe", action: "refunds.create" })).toMatchObject({ kind: "granted" });
  });
  it("forbidden entries match the same ways; anything else is unknown", () => {
    expect(matchAction(spec, "stripe.customers.delete")).toEqual({ kind: "forbidden", key: "stripe:customers.delete" });
    expect(matchAction(spec, "web_search")).toEqual({ kind: "unknown", key: "web_search" });
    expect(matchAction(spec, "stripe:payouts.create")).toEqual({ kind: "unknown", key: "stripe:payouts.create" });
  });
});

describe("authority breaches", () => {
  it("a call to an action the version does not grant", () => {
    expect(authorityBreaches(spec, toolCall({ "gen_ai.tool.name": "stripe:payouts.create" }))).toEqual([
      { kind: "ungranted_action", action: "stripe:payouts.create", detail: "stripe:payouts.create is not granted to the running version" },
    ]);
  });
  it("a call to a forbidden action", () => {
    expect(authorityBreaches(spec, toolCall({ "gen_ai.tool.name": "stripe:customers.delete" })).map((b) => b.kind)).toEqual([
      "forbidden_action",
    ]);
  });
  it("an action needing approval: granted or denied is fine, requested-only or none skipped it", () => {
    const call = (approval?: string) =>
      authorityBreaches(
        spec,
        toolCall({
          "gen_ai.tool.name": "stripe:refunds.create",
          "countersign.amount": 10,
          ...(approval ? { "countersign.approval": approval } : {}),
        }),
      );
    expect(call("granted")).toEqual([]);
    expect(call("denied")).toEqual([]);
    expect(call("requested").map((b) => b.kind)).toEqual(["approval_skipped"]);
    expect(call().map((b) => b.kind)).toEqual(["approval_skipped"]);
  });
  it("an amount above the limit, and both breaches when both happen; the limit itself is allowed", () => {
    const call = (amount: number, approval = "granted") =>
      authorityBreaches(
        spec,
        toolCall({ "gen_ai.tool.name": "stripe:refunds.create", "countersign.amount": amount, "countersign.approval": approval }),
      );
    expect(call(50)).toEqual([]);
    expect(call(50.01)).toEqual([
      {
        kind: "limit_exceeded",
        action: "stripe:refunds.create",
        detail: "stripe:refunds.create moved 50.01 USD, above its limit of 50 USD",
      },
    ]);
    expect(call(80, "requested").map((b) => b.kind)).toEqual(["approval_skipped", "limit_exceeded"]);
  });
});

describe("the answering model against the approved one", () => {
  const pinned = spec.model;
  const floating = { provider: "openai", name: "gpt-4.1", version: "" };
  it("matches the name with a version-like suffix, a provider prefix, and the pinned version", () => {
    expect(modelMatches(pinned, "gpt-4.1-2025-04-14")).toBe(true);
    expect(modelMatches(pinned, "gpt-4.1@2025-04-14")).toBe(true);
    expect(modelMatches(floating, "gpt-4.1")).toBe(true);
    expect(modelMatches(floating, "gpt-4.1-2025-06-01")).toBe(true);
    const claude = { provider: "anthropic", name: "claude-3-5-sonnet", version: "20240620" };
    expect(modelMatches(claude, "anthropic.claude-3-5-sonnet-20240620-v1:0")).toBe(true);
  });
  it("another model, another pinned version, or the bare name of a pinned model is drift", () => {
    expect(modelMatches(floating, "gpt-4.1-mini")).toBe(false);
    expect(modelMatches(pinned, "gpt-4.1-mini-2025-04-14")).toBe(false);
    expect(modelMatches(pinned, "gpt-4.1-2025-08-07")).toBe(false);
    expect(modelMatches(pinned, "gpt-4.1")).toBe(false);
    expect(modelMatches(floating, "xgpt-4.1")).toBe(false);
  });
  it("the spec a swapped model implies keeps everything else", () => {
    const observed = specWithModel(spec, " gpt-4.1-mini ");
    expect(observed.model).toEqual({ provider: "openai", name: "gpt-4.1-mini", version: "" });
    expect(observed.tools).toBe(spec.tools);
  });
});

it("an hour starts on the hour", () => {
  expect(hourOf(Date.UTC(2026, 11, 1, 13, 59, 59, 999))).toBe(Date.UTC(2026, 11, 1, 13));
});
