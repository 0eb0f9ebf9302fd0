import type { AgentSpec } from "@/lib/domain/spec";
import type { Provenance } from "./types";

/** The mapping rules every importer shares (../shared/IMPORTERS.md, "Rules for every platform"). */

type Access = "read" | "write" | "admin";

const READ_VERBS = [
  "get",
  "list",
  "search",
  "read",
  "find",
  "lookup",
  "look",
  "query",
  "fetch",
  "retrieve",
  "view",
  "show",
  "describe",
  "summarize",
  "summarise",
  "check",
  "verify",
  "validate",
  "identify",
  "classify",
  "analyze",
  "analyse",
  "assess",
  "evaluate",
  "compare",
  "estimate",
  "calculate",
  "answer",
  "ask",
  "explain",
  "recommend",
  "generate",
  "draft",
];

/**
 * Managing identities, permissions, keys or settings, deleting a whole resource, or running arbitrary code.
 * Each pattern is a run of whole words (`wordsOf`), so `controller` is not `role` and `resetting` is not `setting`.
 */
const ADMIN_WORDS = new Set([
  "collaborator",
  "collaborators",
  "permission",
  "permissions",
  "member",
  "members",
  "membership",
  "role",
  "roles",
  "identity",
  "identities",
  "secret",
  "secrets",
  "credential",
  "credentials",
  "setting",
  "settings",
  "apikey",
  "execute",
  "exec",
  "shell",
]);
const ADMIN_PAIRS: [RegExp, RegExp][] = [
  [/^users?$/, /^(reset|create|delete|disable|invite)$/],
  [/^reset$/, /^password$/],
  [/^api$/, /^keys?$/],
  [/^token$/, /^(create|rotate|revoke)$/],
  [/^delete$/, /^(repo|repository|project|package|organi[sz]ation|org|workspace)$/],
  [/^run$/, /^(code|script|shell|command|query|sql)$/],
  [/^code$/, /^interpreter$/],
  [/^computer$/, /^use$/],
  [/^graphql$/, /^query$/],
];

function isAdmin(words: string[]): boolean {
  return words.some((w, i) => ADMIN_WORDS.has(w) || ADMIN_PAIRS.some(([a, b]) => a.test(w) && b.test(words[i + 1] ?? "")));
}

/** Splits `listOrders`, `list_orders`, `Issue Resort Credit`, `refunds.create` into lower-case words. */
export function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** An operation's name as the spec keeps it: `[A-Za-z0-9_.-]` only (`Issue Resort Credit` → `Issue_Resort_Credit`). */
export function normaliseName(name: string): string {
  return name
    .trim()
    .replace(/\s+/g, "_")
    .replace(/[^A-Za-z0-9_.-]/g, "");
}

/**
 * The access an action needs when the platform does not state it: admin for identity, secrets, settings,
 * whole-resource deletion or arbitrary code; read when its first verb reads; otherwise write (in doubt, more).
 */
export function inferAccess(name: string, description = ""): { access: Access; because: string } {
  if (isAdmin(wordsOf(name)) || isAdmin(wordsOf(description)))
    return { access: "admin", because: `"${name}" manages identities, permissions, secrets or settings, or runs code` };
  const verb = wordsOf(name).find((w) => !["a", "an", "the", "to", "for", "by"].includes(w));
  if (verb && READ_VERBS.includes(verb)) return { access: "read", because: `verb "${verb}" in the name reads` };
  return { access: "write", because: verb ? `verb "${verb}" in the name: in doubt, write` : "no verb in the name: in doubt, write" };
}

/** An OpenAPI operation's access: GET/HEAD read, others write, except a POST named for reading (inferred). */
export function accessOfHttp(method: string, operationName: string): { access: Access; how: Provenance["how"]; because: string } {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return { access: "read", how: "stated", because: `HTTP ${m}` };
  const inferred = inferAccess(operationName);
  if (m === "POST" && inferred.access === "read")
    return { access: "read", how: "inferred", because: `HTTP POST named for reading (${inferred.because})` };
  if (inferred.access === "admin") return { access: "admin", how: "inferred", because: `HTTP ${m}; ${inferred.because}` };
  return { access: "write", how: "stated", because: `HTTP ${m}` };
}

/**
 * A dated or numbered snapshot in a model id pins it: `gpt-4.1-2025-04-14`, `claude-sonnet-4-5-20250929`,
 * `…-20240620-v1:0`, and Bedrock's numbered ids without a date (`amazon.nova-pro-v1:0`, `meta.llama3-70b-instruct-v1:0`).
 */
export function pinnedVersion(modelId: string): string {
  const dated = /(\d{4}-\d{2}-\d{2}|\d{8})(-v\d+(:\d+)?)?$/.exec(modelId);
  if (dated) return dated[0];
  const numbered = /-(v\d+:\d+)$/.exec(modelId);
  return numbered ? numbered[1]! : "";
}

/** `{provider, name, version}` from a model id, with a floating version unless the id pins a snapshot. */
export function modelOf(provider: string, modelId: string): AgentSpec["model"] {
  return { provider, name: modelId, version: pinnedVersion(modelId) };
}

/** A definition that names no model: the platform chooses it, so it floats, and the reviewer is told. */
export function platformDefaultModel(platform: string): { model: AgentSpec["model"]; warning: string } {
  return {
    model: { provider: platform, name: "platform-default", version: "" },
    warning: `No model is named: ${platform} chooses it, so the model floats (a risk the reviewer must see)`,
  };
}

/**
 * read_only when every action reads; autonomous when some write needs no approval and nobody is in the loop
 * (event or schedule triggers, no chat surface); otherwise bounded.
 */
export function autonomyOf(actions: { access: Access; approval: "required" | "none" }[], unattended: boolean): AgentSpec["autonomy"] {
  if (actions.every((a) => a.access === "read")) return "read_only";
  const unapprovedWrite = actions.some((a) => a.access !== "read" && a.approval === "none");
  return unapprovedWrite && unattended ? "autonomous" : "bounded";
}

/** The prompt as the model gets it, each part headed by where it came from. */
export function joinInstructions(parts: { from: string; text: string }[]): string {
  return parts
    .filter((p) => p.text.trim())
    .map((p) => `## ${p.from}\n${p.text.trim()}\n`)
    .join("\n");
}
