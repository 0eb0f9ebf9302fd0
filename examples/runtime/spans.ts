/**
 * Pure planning for the runtime simulator: which GenAI spans one agent emits for a given approved spec and scenario.
 * No network, no clock, no OpenTelemetry: simulate.ts turns the plan into real spans.
 */

export type Access = "read" | "write" | "admin";
export interface SpecAction {
  name: string;
  access: Access;
  approval: "none" | "required";
  limit?: { amount: number; unit: string };
}
export interface AgentSpec {
  model: { provider: string; name: string; version?: string };
  tools?: { system: string; actions: SpecAction[] }[];
  forbidden?: string[];
}

export const SCENARIOS = ["normal", "ungranted", "model-swap", "corrections", "all"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export type AttributeValue = string | number;
export interface PlannedSpan {
  name: string;
  kind: "client" | "internal";
  attributes: Record<string, AttributeValue>;
  /** Span event names, e.g. `countersign.correction`. */
  events: string[];
  /** Set for a failed call: the span's status is ERROR with this message. */
  error?: string;
  durationMs: number;
  children: PlannedSpan[];
}

export interface PlanOptions {
  agent: string;
  scenario: Scenario;
  decisions: number;
  seed?: number;
}

/** mulberry32: a tiny seeded PRNG, so the same arguments always produce the same traffic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The model as a runtime reports it: `<name>-<version>`, or `<name>` for a floating model. */
export function approvedModel(spec: AgentSpec): string {
  const version = spec.model.version?.trim() ?? "";
  return version ? `${spec.model.name}-${version}` : spec.model.name;
}

export function swappedModel(spec: AgentSpec): string {
  return `${spec.model.name}-mini-2099-01-01`;
}

export function grantedActions(spec: AgentSpec): { tool: string; action: SpecAction }[] {
  return (spec.tools ?? []).flatMap((t) => t.actions.map((action) => ({ tool: `${t.system}:${action.name}`, action })));
}

/** A `system:action` that the spec neither grants nor forbids, e.g. `crm:records.purge_all`. */
export function ungrantedTool(spec: AgentSpec): string {
  const taken = new Set([...grantedActions(spec).map((g) => g.tool), ...(spec.forbidden ?? [])]);
  const system = spec.tools?.[0]?.system ?? "admin";
  for (let i = 1; ; i++) {
    const candidate = `${system}:records.purge_all${i === 1 ? "" : `_${i}`}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Whether decision `i` carries a correction: an even spread over 40% of decisions, rounded up. */
export function isCorrected(i: number): boolean {
  return Math.ceil(((i + 1) * 2) / 5) > Math.ceil((i * 2) / 5);
}

const between = (random: () => number, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

function toolSpan(tool: string, action: SpecAction | null, random: () => number): PlannedSpan {
  const attributes: Record<string, AttributeValue> = { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool };
  if (action?.approval === "required") attributes["countersign.approval"] = "granted";
  if (action?.limit) {
    const limit = action.limit.amount;
    const amount = Number((limit * (0.1 + 0.8 * random())).toFixed(2));
    attributes["countersign.amount"] = amount > 0 && amount < limit ? amount : limit / 2;
  }
  return { name: `execute_tool ${tool}`, kind: "internal", attributes, events: [], durationMs: between(random, 40, 400), children: [] };
}

/** Plans `decisions` invoke_agent spans (each with a chat span and 1–2 execute_tool spans) for one agent. */
export function planTraffic(spec: AgentSpec, options: PlanOptions): PlannedSpan[] {
  const { agent, scenario, decisions } = options;
  const random = seededRandom(options.seed ?? 1);
  const has = (s: Scenario) => scenario === s || scenario === "all";
  const granted = grantedActions(spec);
  const requestModel = approvedModel(spec);
  const responseModel = has("model-swap") ? swappedModel(spec) : requestModel;

  const plan = Array.from({ length: decisions }, (_, i): PlannedSpan => {
    const chat: PlannedSpan = {
      name: `chat ${requestModel}`,
      kind: "client",
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": spec.model.provider,
        "gen_ai.request.model": requestModel,
        "gen_ai.response.model": responseModel,
        "gen_ai.usage.input_tokens": between(random, 200, 2000),
        "gen_ai.usage.output_tokens": between(random, 50, 600),
      },
      events: [],
      durationMs: between(random, 300, 1500),
      children: [],
    };
    const tools: PlannedSpan[] = [];
    if (granted.length > 0) {
      const calls = between(random, 1, 2);
      for (let c = 0; c < calls; c++) {
        const pick = granted[Math.floor(random() * granted.length)]!;
        tools.push(toolSpan(pick.tool, pick.action, random));
      }
    }
    return {
      name: `invoke_agent ${agent}`,
      kind: "internal",
      attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "gen_ai.provider.name": spec.model.provider },
      events: has("corrections") && isCorrected(i) ? ["countersign.correction"] : [],
      durationMs: 0,
      children: [chat, ...tools],
    };
  });

  const middle = plan[Math.floor(decisions / 2)];
  if (middle && has("ungranted")) middle.children.push(toolSpan(ungrantedTool(spec), null, random));
  // A privilege rejection: a granted action the downstream system refused at run time.
  const last = plan[decisions - 1];
  if (last && scenario === "all" && granted.length > 0) {
    const rejected = toolSpan(granted[0]!.tool, granted[0]!.action, random);
    rejected.attributes["error.type"] = "permission_denied";
    rejected.error = "permission denied by the downstream system";
    last.children.push(rejected);
  }
  for (const decision of plan) decision.durationMs = decision.children.reduce((sum, child) => sum + child.durationMs, 20);
  return plan;
}

/** Execute_tool spans in a plan, in order. */
export function toolCalls(plan: PlannedSpan[]): PlannedSpan[] {
  return plan.flatMap((decision) => decision.children.filter((child) => child.attributes["gen_ai.operation.name"] === "execute_tool"));
}
