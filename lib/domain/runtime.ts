import type { AgentSpec, ToolAction } from "./spec";
import type { Environment } from "./terms";

/**
 * Runtime evidence (RUNTIME.md): what one OpenTelemetry span of an agent runtime means to Countersign, and
 * whether a tool call stayed within what the running version was approved to do. Pure: the receiver decodes
 * OTLP into `RuntimeSpan`s, these rules read them.
 */

/** An attribute value as OTLP carries it, flattened: arrays and maps kept as JSON values. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export type RuntimeSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: { name: string; atMs: number; attributes: Attributes }[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
};

/** One resource's spans: the resource says which agent and environment, unless a span says better. */
export type ResourceSpans = { resource: Attributes; spans: RuntimeSpan[] };

const ENVIRONMENT_ALIASES: Record<string, Environment> = {
  development: "development",
  dev: "development",
  staging: "staging",
  stage: "staging",
  production: "production",
  prod: "production",
};

/** `deployment.environment.name` (or the older `deployment.environment`), with the usual short names. */
export function environmentOf(resource: Attributes): Environment | null {
  const value = resource["deployment.environment.name"] ?? resource["deployment.environment"];
  if (typeof value !== "string") return null;
  const key = value.trim().toLowerCase();
  // Own keys only: "constructor" or "__proto__" is no environment, whatever Object's prototype holds.
  return Object.hasOwn(ENVIRONMENT_ALIASES, key) ? ENVIRONMENT_ALIASES[key]! : null;
}

/** The longest name (agent, tool, model) Countersign keeps from a span: a name longer than this is cut, with "…". */
export const MAX_NAME_CHARS = 200;

/** A name from a span, cut to MAX_NAME_CHARS: what a runtime sends is stored, shown and echoed back, so it stays short. */
export function clipName(name: string): string {
  return name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS - 1)}…` : name;
}

const text = (value: AttributeValue | undefined): string | null => (typeof value === "string" && value.trim() ? value.trim() : null);
const name = (value: AttributeValue | undefined): string | null => {
  const t = text(value);
  return t === null ? null : clipName(t);
};
const number = (value: AttributeValue | undefined): number | null => {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
};

/** The most tokens one model call is taken to use: far past any context window, short of numbers that would swamp a sum. */
export const MAX_TOKENS_PER_SPAN = 1_000_000_000;

/** A token count as a runtime reports it: a whole number from 0 to MAX_TOKENS_PER_SPAN; anything else is not counted. */
const tokens = (value: AttributeValue | undefined): number => {
  const n = number(value);
  return n !== null && Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS_PER_SPAN ? n : 0;
};

/** The names a span gives its agent, most specific first: `gen_ai.agent.id`, then `gen_ai.agent.name`. */
export function agentNamesOf(span: RuntimeSpan): string[] {
  return [name(span.attributes["gen_ai.agent.id"]), name(span.attributes["gen_ai.agent.name"])].filter((n): n is string => n !== null);
}

export const INFERENCE_OPERATIONS = ["chat", "text_completion", "generate_content"] as const;
const PRIVILEGE_ERRORS = new Set(["permission_denied", "forbidden", "unauthorized"]);
export const APPROVAL_STEPS = ["requested", "granted", "denied"] as const;
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];

/** What a span tells: a decision, a tool call, a model's answer, or nothing Countersign reads. */
export type SpanSignal =
  | { kind: "decision"; error: boolean; corrected: boolean }
  | {
      kind: "tool_call";
      tool: string;
      /** `countersign.system` + `countersign.action`, when the runtime names the action itself. */
      named: { system: string; action: string } | null;
      error: boolean;
      privilegeRejected: boolean;
      approval: ApprovalStep | null;
      amount: number | null;
    }
  | { kind: "inference"; model: string | null; error: boolean; inputTokens: number; outputTokens: number }
  | { kind: "other" };

/** Reads one span by the GenAI conventions; a span of another kind (HTTP, database) says nothing here. */
export function spanSignal(span: RuntimeSpan): SpanSignal {
  const a = span.attributes;
  const operation = text(a["gen_ai.operation.name"]);
  const error = span.status.code === 2;
  const usage = { inputTokens: tokens(a["gen_ai.usage.input_tokens"]), outputTokens: tokens(a["gen_ai.usage.output_tokens"]) };
  if (operation === "invoke_agent") {
    const corrected = a["countersign.correction"] === true || span.events.some((e) => e.name === "countersign.correction");
    return { kind: "decision", error, corrected };
  }
  if (operation === "execute_tool") {
    const system = name(a["countersign.system"]);
    const action = name(a["countersign.action"]);
    const status = number(a["http.response.status_code"]);
    const approval = text(a["countersign.approval"])?.toLowerCase();
    return {
      kind: "tool_call",
      tool: name(a["gen_ai.tool.name"]) ?? (system && action ? clipName(`${system}:${action}`) : clipName(span.name)),
      named: system && action ? { system, action } : null,
      error,
      privilegeRejected: (error && PRIVILEGE_ERRORS.has(text(a["error.type"])?.toLowerCase() ?? "")) || status === 401 || status === 403,
      approval: (APPROVAL_STEPS as readonly string[]).includes(approval ?? "") ? (approval as ApprovalStep) : null,
      amount: number(a["countersign.amount"]),
    };
  }
  if (operation && (INFERENCE_OPERATIONS as readonly string[]).includes(operation))
    return { kind: "inference", model: name(a["gen_ai.response.model"]) ?? name(a["gen_ai.request.model"]), error, ...usage };
  return { kind: "other" };
}

/** A tool call's action in the running spec: granted (with its rules), forbidden, or neither. */
export type ActionMatch =
  { kind: "granted"; key: string; action: ToolAction } | { kind: "forbidden"; key: string } | { kind: "unknown"; key: string };

/**
 * Matches a tool name to the spec as `system:action`, `system.action` (at any dot: actions have dots of
 * their own), or an action name found in exactly one system. Forbidden entries match the same ways.
 */
export function matchAction(spec: AgentSpec, tool: string, named: { system: string; action: string } | null = null): ActionMatch {
  const granted = new Map<string, ToolAction>();
  for (const t of spec.tools) for (const a of t.actions) granted.set(`${t.system}:${a.name}`, a);
  const candidates = named ? [`${named.system}:${named.action}`] : keysFor(tool, [...granted.keys(), ...spec.forbidden]);
  for (const key of candidates) {
    const action = granted.get(key);
    if (action) return { kind: "granted", key, action };
  }
  for (const key of candidates) if (spec.forbidden.includes(key)) return { kind: "forbidden", key };
  return { kind: "unknown", key: candidates[0] ?? tool };
}

function keysFor(tool: string, known: string[]): string[] {
  if (tool.includes(":")) return [tool];
  const keys: string[] = [];
  for (let i = tool.indexOf("."); i > 0; i = tool.indexOf(".", i + 1)) keys.push(`${tool.slice(0, i)}:${tool.slice(i + 1)}`);
  const byName = known.filter((key) => key.slice(key.indexOf(":") + 1) === tool);
  if (byName.length === 1) keys.push(byName[0]!);
  return keys.length > 0 ? keys : [tool];
}

export const AUTHORITY_BREACH_KINDS = ["ungranted_action", "forbidden_action", "approval_skipped", "limit_exceeded"] as const;
export type AuthorityBreachKind = (typeof AUTHORITY_BREACH_KINDS)[number];
/** Breaches are numbered for people: BR-7. */
export const breachNumberLabel = (number: number) => `BR-${number}`;

export const BREACH_KINDS = [...AUTHORITY_BREACH_KINDS, "harm_threshold"] as const;
export type BreachKind = (typeof BREACH_KINDS)[number];

export const BREACH_LABELS: Record<BreachKind, string> = {
  ungranted_action: "ungranted action",
  forbidden_action: "forbidden action",
  approval_skipped: "approval skipped",
  limit_exceeded: "limit exceeded",
  harm_threshold: "harm threshold",
};

export type AuthorityBreach = { kind: AuthorityBreachKind; action: string; detail: string };

/**
 * Whether a tool call kept to the running version's grants. A call whose approval was denied did not run
 * past its human step, so it skipped nothing; one that was only requested, or never asked, did.
 */
export function authorityBreaches(spec: AgentSpec, call: Extract<SpanSignal, { kind: "tool_call" }>): AuthorityBreach[] {
  const match = matchAction(spec, call.tool, call.named);
  if (match.kind === "forbidden") return [{ kind: "forbidden_action", action: match.key, detail: `${match.key} is forbidden` }];
  if (match.kind === "unknown")
    return [{ kind: "ungranted_action", action: match.key, detail: `${call.tool} is not granted to the running version` }];
  const breaches: AuthorityBreach[] = [];
  if (match.action.approval === "required" && call.approval !== "granted" && call.approval !== "denied")
    breaches.push({
      kind: "approval_skipped",
      action: match.key,
      detail: `${match.key} needs a person's approval; the call ${call.approval === "requested" ? "went on while it was only requested" : "had none"}`,
    });
  const limit = match.action.limit;
  if (limit && call.amount !== null && call.amount > limit.amount)
    breaches.push({
      kind: "limit_exceeded",
      action: match.key,
      detail: `${match.key} moved ${call.amount} ${limit.unit}, above its limit of ${limit.amount} ${limit.unit}`,
    });
  return breaches;
}

/**
 * Whether the model that answered is the approved one: the same name, or a name that holds the approved one
 * with only a provider prefix before it and a version-like suffix after it (`gpt-4.1-2025-04-14`,
 * `gpt-4.1@2025-04-14`, `anthropic.claude-3-5-sonnet-20240620-v1:0`), holding the pinned version when there is
 * one. `gpt-4.1-mini` is not `gpt-4.1`: a suffix that starts with a letter names another model.
 */
export function modelMatches(approved: AgentSpec["model"], answered: string): boolean {
  const name = approved.name.toLowerCase();
  const model = answered.trim().toLowerCase();
  if (model === name && !approved.version) return true;
  const at = model.indexOf(name);
  if (at < 0) return false;
  const prefix = model.slice(0, at);
  const suffix = model.slice(at + name.length);
  if (prefix !== "" && !/[./:]$/.test(prefix)) return false;
  if (suffix !== "" && !/^[-@:.]?v?\d/.test(suffix)) return false;
  return !approved.version || suffix.includes(approved.version.toLowerCase());
}

/** The spec an answering model implies: the approved one with its model swapped, for a drift record. */
export function specWithModel(spec: AgentSpec, answered: string): AgentSpec {
  return { ...spec, model: { ...spec.model, name: answered.trim(), version: "" } };
}

/** The hourly counters one span adds. */
export type RuntimeCounts = {
  decisions: number;
  toolCalls: number;
  errors: number;
  approvalsRequested: number;
  approvalsGranted: number;
  approvalsDenied: number;
  privilegeRejections: number;
  corrections: number;
  inputTokens: number;
  outputTokens: number;
};

export const ZERO_COUNTS: RuntimeCounts = {
  decisions: 0,
  toolCalls: 0,
  errors: 0,
  approvalsRequested: 0,
  approvalsGranted: 0,
  approvalsDenied: 0,
  privilegeRejections: 0,
  corrections: 0,
  inputTokens: 0,
  outputTokens: 0,
};

/**
 * What a signal adds to its hour. Tokens are counted only where a model answered: some runtimes repeat the
 * usage on the agent's invocation too, and it would be counted twice.
 */
export function countsOf(signal: SpanSignal): RuntimeCounts {
  const counts = { ...ZERO_COUNTS };
  if (signal.kind === "decision") {
    counts.decisions = 1;
    counts.errors = signal.error ? 1 : 0;
    counts.corrections = signal.corrected ? 1 : 0;
  } else if (signal.kind === "tool_call") {
    counts.toolCalls = 1;
    counts.errors = signal.error ? 1 : 0;
    counts.privilegeRejections = signal.privilegeRejected ? 1 : 0;
    counts.approvalsRequested = signal.approval ? 1 : 0;
    counts.approvalsGranted = signal.approval === "granted" ? 1 : 0;
    counts.approvalsDenied = signal.approval === "denied" ? 1 : 0;
  } else if (signal.kind === "inference") {
    counts.inputTokens = signal.inputTokens;
    counts.outputTokens = signal.outputTokens;
  }
  return counts;
}

export function addCounts(a: RuntimeCounts, b: RuntimeCounts): RuntimeCounts {
  const sum = { ...a };
  for (const key of Object.keys(ZERO_COUNTS) as (keyof RuntimeCounts)[]) sum[key] += b[key];
  return sum;
}

export const HOUR_MS = 3_600_000;
export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
