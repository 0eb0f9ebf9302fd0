import { z } from "zod";
import { CST, Document, LineCounter, Parser, parseDocument, stringify as stringifyYaml } from "yaml";
import { canonicalJson, sha256Hex } from "./canonical-json";
import { jsonLength, LIMITS, tooLong, tooMany, unsafeShape } from "./input-limits";

export const AUTONOMY_LADDER = ["read_only", "bounded", "autonomous"] as const;
export type Autonomy = (typeof AUTONOMY_LADDER)[number];

export const ACCESS_LEVELS = ["read", "write", "admin"] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

const name = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(LIMITS.name, tooLong(`the ${what.toLowerCase()}`, LIMITS.name))
    .regex(/^[A-Za-z0-9_.-]+$/, `${what} may contain only letters, digits, "_", "." and "-"`);

export const actionSchema = z.strictObject({
  name: name("Action name"),
  access: z.enum(ACCESS_LEVELS, { error: 'Access must be "read", "write" or "admin"' }),
  approval: z.enum(["none", "required"], { error: 'Approval must be "none" or "required"' }),
  limit: z
    .strictObject({
      amount: z.number({ error: "Limit amount must be a number" }).positive("Limit amount must be above 0"),
      unit: z
        .string({ error: "Limit unit is required" })
        .trim()
        .min(1, "Limit unit is required")
        .max(LIMITS.name, tooLong("the limit unit", LIMITS.name)),
    })
    .optional(),
});

export const toolSchema = z.strictObject({
  system: name("System"),
  actions: z
    .array(actionSchema)
    .min(1, "A tool needs at least one action")
    .max(LIMITS.listItems, tooMany("actions per tool", LIMITS.listItems)),
});

export const humanInTheLoopSchema = z.strictObject({
  reviewer: z
    .string({ error: "Reviewer is required" })
    .trim()
    .min(1, "Reviewer is required")
    .max(LIMITS.name, tooLong("the reviewer", LIMITS.name)),
  surface: z
    .string({ error: "Surface is required" })
    .trim()
    .min(1, "Surface is required")
    .max(LIMITS.name, tooLong("the surface", LIMITS.name)),
  canOverride: z.boolean({ error: "canOverride must be true or false" }),
  captureCorrections: z.boolean({ error: "captureCorrections must be true or false" }),
  stopAskingRule: z.string().trim().max(LIMITS.text, tooLong("the stop-asking rule", LIMITS.text)).optional(),
});

export const agentSpecSchema = z
  .strictObject({
    model: z.strictObject({
      provider: z
        .string({ error: "Model provider is required" })
        .trim()
        .min(1, "Model provider is required")
        .max(LIMITS.name, tooLong("the model provider", LIMITS.name)),
      name: z
        .string({ error: "Model name is required" })
        .trim()
        .min(1, "Model name is required")
        .max(LIMITS.name, tooLong("the model name", LIMITS.name)),
      // An empty version means "whatever the provider serves today": a floating model.
      version: z
        .string({ error: "Model version must be text" })
        .trim()
        .max(LIMITS.name, tooLong("the model version", LIMITS.name))
        .default(""),
    }),
    instructions: z
      .string({ error: "Instructions are required" })
      .min(1, "Instructions are required")
      .max(LIMITS.instructions, tooLong("the instructions", LIMITS.instructions)),
    autonomy: z.enum(AUTONOMY_LADDER, { error: 'Autonomy must be "read_only", "bounded" or "autonomous"' }),
    tools: z.array(toolSchema).max(LIMITS.listItems, tooMany("tools", LIMITS.listItems)).default([]),
    forbidden: z
      .array(
        z
          .string()
          .max(2 * LIMITS.name + 1, tooLong("a forbidden entry", 2 * LIMITS.name + 1))
          .regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/, 'A forbidden entry is written "system:action", e.g. "stripe:customers.delete"'),
      )
      .max(LIMITS.listItems, tooMany("forbidden entries", LIMITS.listItems))
      .default([]),
    humanInTheLoop: humanInTheLoopSchema.optional(),
    traceRetentionDays: z
      .number({ error: "Trace retention must be a whole number of days" })
      .int("Trace retention must be a whole number of days")
      .min(0, "Trace retention cannot be negative")
      .max(36_500, "Trace retention is at most 36,500 days"),
  })
  .superRefine((spec, ctx) => {
    const granted = new Set<string>();
    spec.tools.forEach((tool, t) => {
      if (spec.tools.findIndex((other) => other.system === tool.system) !== t) {
        ctx.addIssue({ code: "custom", path: ["tools", t, "system"], message: `System "${tool.system}" is listed twice` });
      }
      tool.actions.forEach((action, a) => {
        const key = `${tool.system}:${action.name}`;
        if (granted.has(key)) {
          ctx.addIssue({ code: "custom", path: ["tools", t, "actions", a, "name"], message: `Action ${key} is listed twice` });
        }
        granted.add(key);
      });
    });
    spec.forbidden.forEach((entry, i) => {
      if (granted.has(entry)) {
        ctx.addIssue({ code: "custom", path: ["forbidden", i], message: `${entry} is both forbidden and granted in tools` });
      }
    });
  });

export type AgentSpec = z.infer<typeof agentSpecSchema>;
export type AgentSpecInput = z.input<typeof agentSpecSchema>;
export type ToolAction = z.infer<typeof actionSchema>;

export function specHash(spec: AgentSpec): string {
  return sha256Hex(canonicalJson(spec));
}

export type SpecIssue = { path: string; message: string; line?: number };
export type SpecParseResult = { ok: true; spec: AgentSpec } | { ok: false; issues: SpecIssue[] };

/** Validates an already-parsed value (from JSON, a form, or the API). */
export function validateSpec(value: unknown): SpecParseResult {
  const unsafe = unsafeShape(value);
  if (unsafe) return { ok: false, issues: [unsafe] };
  // YAML aliases can make a small text a large value; what is stored and hashed is the value.
  if (jsonLength(value) > LIMITS.specText) return { ok: false, issues: [{ path: "spec", message: tooLong("the spec", LIMITS.specText) }] };
  const result = agentSpecSchema.safeParse(value);
  if (result.success) return { ok: true, spec: result.data };
  return {
    ok: false,
    issues: result.error.issues.flatMap((issue) =>
      // Zod reports unknown keys on their parent; name each key where it is written.
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ path: [...issue.path, key].join("."), message: `Unknown field "${key}"` }))
        : [{ path: issue.path.join(".") || "spec", message: issue.message }],
    ),
  };
}

/**
 * Parses a spec written as YAML or JSON (JSON is valid YAML, so one parser serves both) and names
 * the line of each problem, so a pasted file's errors can be found in the file.
 */
export function parseSpecText(text: string): SpecParseResult {
  if (!text.trim()) return { ok: false, issues: [{ path: "spec", message: "The spec is empty" }] };
  if (text.length > LIMITS.specText) return { ok: false, issues: [{ path: "spec", message: tooLong("the spec", LIMITS.specText) }] };
  // Composing a document recurses once per level; a text nested thousands deep would exhaust the stack
  // (and V8 then dies compiling a regular expression), so measure the nesting on the flat token stream first.
  if (cstDepth(text) > LIMITS.specDepth)
    return { ok: false, issues: [{ path: "spec", message: `The spec is nested more than ${LIMITS.specDepth} levels deep` }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => {
        const line = lineCounter.linePos(error.pos[0]).line;
        return { path: "spec", line, message: `Line ${line}: ${firstSentence(error.message)}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias expanded too often (a "billion laughs" document) is refused by the yaml package with a throw.
    return {
      ok: false,
      issues: [{ path: "spec", message: error instanceof Error ? firstSentence(error.message) : "The spec cannot be read" }],
    };
  }
  if (value === null || value === undefined) return { ok: false, issues: [{ path: "spec", message: "The spec is empty" }] };
  const validated = validateSpec(value);
  if (validated.ok) return validated;
  return { ok: false, issues: validated.issues.map((issue) => withLine(issue, doc, lineCounter)) };
}

/** The deepest nesting of collections in a YAML/JSON text, measured on the parser's token tree without recursion. */
function cstDepth(text: string): number {
  let deepest = 0;
  const stack: { token: CST.Token | undefined; depth: number }[] = [];
  for (const token of new Parser().parse(text)) stack.push({ token, depth: 0 });
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === "document") stack.push({ token: token.value, depth });
    else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection") {
      deepest = Math.max(deepest, depth + 1);
      if (deepest > LIMITS.specDepth) return deepest;
      for (const item of token.items) {
        if (item.key) stack.push({ token: item.key, depth: depth + 1 });
        if (item.value) stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return deepest;
}

function withLine(issue: SpecIssue, doc: Document, lineCounter: LineCounter): SpecIssue {
  const path = issue.path === "spec" ? [] : issue.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  // Point at the deepest node that exists: a missing field is reported at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      const line = lineCounter.linePos(range[0]).line;
      return { ...issue, line, message: `Line ${line}, ${issue.path}: ${issue.message}` };
    }
  }
  return { ...issue, message: `${issue.path}: ${issue.message}` };
}

function firstSentence(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** Field order a reader expects (the order of the design's example), not the canonical sorted order. */
function readableOrder(spec: AgentSpec) {
  return {
    model: spec.model,
    instructions: spec.instructions,
    autonomy: spec.autonomy,
    tools: spec.tools,
    forbidden: spec.forbidden,
    ...(spec.humanInTheLoop ? { humanInTheLoop: spec.humanInTheLoop } : {}),
    traceRetentionDays: spec.traceRetentionDays,
  };
}

export function specToYaml(spec: AgentSpec): string {
  return stringifyYaml(readableOrder(spec), { lineWidth: 0 });
}

export function specToJson(spec: AgentSpec): string {
  return JSON.stringify(readableOrder(spec), null, 2) + "\n";
}

/** Whether the model version is pinned; a floating version is a risk the UI warns about. */
export function isModelPinned(spec: AgentSpec): boolean {
  return spec.model.version.trim() !== "";
}
