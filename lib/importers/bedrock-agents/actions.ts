import { parse as parseYaml } from "yaml";
import type { AgentSpec } from "@/lib/domain/spec";
import { accessOfHttp, inferAccess, normaliseName } from "../rules";
import type { Provenance } from "../types";
import { named, type ActionGroupDef, type AgentDef, type Located, type Where } from "./definition";

/** An agent's action groups and knowledge bases as spec tools, with the provenance of each access and approval. */

type Action = AgentSpec["tools"][number]["actions"][number];
type ActionProvenance = { access: Provenance; approval: Provenance };

export type MappedTools = {
  tools: AgentSpec["tools"];
  provenance: Record<string, ActionProvenance>;
  /** An `AMAZON.UserInput` group lets the agent ask the person it talks to: somebody is in the loop. */
  asksUser: Where | undefined;
  /** Groups whose operations could not be read: in doubt they write, unconfirmed. */
  unknownGroups: Where[];
  warnings: string[];
};

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** Built-in groups that run code or drive a computer: admin by the shared rules. */
const BUILT_IN: Record<string, string> = {
  "AMAZON.CodeInterpreter": "code_interpreter",
  "ANTHROPIC.Computer": "computer_use",
  "ANTHROPIC.Bash": "bash_shell",
  "ANTHROPIC.TextEditor": "text_editor",
};

const prov = (at: Where, how: Provenance["how"], because: string, path = at.path): Provenance => ({
  file: at.file,
  ...(at.line ? { line: at.line } : {}),
  path,
  how,
  because,
});

/** `RequireConfirmation` / `require_confirmation` / `x-requireConfirmation`: only ENABLED asks a person first. */
function approvalOf(
  setting: Located<string> | undefined,
  fallback: Where,
  field: string,
): { approval: Action["approval"]; provenance: Provenance } {
  if (!setting) return { approval: "none", provenance: prov(fallback, "inferred", `${field} not set: Bedrock's default is DISABLED`) };
  const required = setting.value.toUpperCase() === "ENABLED";
  const written = setting.at.path.split(".").pop() ?? field;
  return { approval: required ? "required" : "none", provenance: prov(setting.at, "stated", `${written}: ${setting.value}`) };
}

export function mapTools(agent: AgentDef): MappedTools {
  const bySystem = new Map<string, Action[]>();
  const provenance: Record<string, ActionProvenance> = {};
  const warnings: string[] = [];
  let asksUser: Where | undefined;
  const unknownGroups: Where[] = [];

  function add(system: string, action: Action, p: ActionProvenance, at: Where) {
    const actions = bySystem.get(system) ?? [];
    if (actions.some((a) => a.name === action.name)) {
      warnings.push(`${named(at)}: ${system}:${action.name} is defined twice; the first is kept`);
      return;
    }
    bySystem.set(system, [...actions, action]);
    provenance[`${system}:${action.name}`] = p;
  }

  for (const group of agent.actionGroups) {
    const system = normaliseName(group.name) || "action_group";
    const signature = group.parentSignature?.value;
    if (signature === "AMAZON.UserInput") asksUser = group.parentSignature!.at;
    else if (signature && BUILT_IN[signature]) {
      const because = `${signature} runs code or drives a computer: admin`;
      add(
        "bedrock",
        { name: BUILT_IN[signature]!, access: "admin", approval: "none" },
        {
          access: prov(group.parentSignature!.at, "inferred", because),
          approval: prov(group.parentSignature!.at, "inferred", "built-in action groups ask nobody before a call"),
        },
        group.at,
      );
    } else if (signature) {
      warnings.push(`${named(group.parentSignature!.at)}: built-in action group ${signature} is not mapped`);
      unknownGroups.push(group.at);
    }
    if (group.operationsUnknown) unknownGroups.push(group.at);
    if (group.apiPayload && !openApiActions(group, system, group.apiPayload, add, warnings)) unknownGroups.push(group.at);
    for (const fn of group.functions ?? []) {
      const name = normaliseName(fn.name) || "function";
      const inferred = inferAccess(fn.name, fn.description);
      const approval = approvalOf(fn.requireConfirmation, fn.at, "RequireConfirmation");
      add(
        system,
        { name, access: inferred.access, approval: approval.approval },
        { access: prov(fn.at, "inferred", `function ${fn.name}: ${inferred.because}`), approval: approval.provenance },
        fn.at,
      );
    }
  }

  for (const kb of agent.knowledgeBases) {
    const because = `knowledge base ${kb.id}: the agent only retrieves from it`;
    add(
      "knowledge_base",
      { name: normaliseName(kb.id) || "knowledge_base", access: "read", approval: "none" },
      {
        access: prov(kb.at, "stated", because),
        approval: prov(kb.at, "inferred", "Bedrock asks nobody before a knowledge base retrieval"),
      },
      kb.at,
    );
  }

  const tools = [...bySystem.entries()].map(([system, actions]) => ({ system, actions }));
  return { tools, provenance, asksUser, unknownGroups, warnings };
}

function openApiActions(
  group: ActionGroupDef,
  system: string,
  payload: Located<string>,
  add: (system: string, action: Action, p: ActionProvenance, at: Where) => void,
  warnings: string[],
): boolean {
  let doc: unknown;
  try {
    doc = parseYaml(payload.value, { maxAliasCount: 100 });
  } catch {
    warnings.push(
      `${named(payload.at)}: the OpenAPI schema of ${group.name} cannot be read (neither JSON nor YAML); its operations are not imported`,
    );
    return false;
  }
  const paths = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>).paths : undefined;
  if (typeof paths !== "object" || paths === null) {
    warnings.push(`${named(payload.at)}: the OpenAPI schema of ${group.name} has no paths; nothing imported`);
    return false;
  }
  for (const [route, item] of Object.entries(paths as Record<string, unknown>)) {
    if (typeof item !== "object" || item === null) continue;
    for (const [method, op] of Object.entries(item as Record<string, unknown>)) {
      if (!HTTP_METHODS.includes(method.toLowerCase()) || typeof op !== "object" || op === null) continue;
      const operation = op as Record<string, unknown>;
      const id = typeof operation.operationId === "string" ? operation.operationId : `${method}_${route}`;
      const at: Where = { ...payload.at, path: `${payload.at.path} paths.${route}.${method}` };
      const access = accessOfHttp(method, id);
      const confirm = operation["x-requireConfirmation"];
      const approval = approvalOf(
        typeof confirm === "string" ? { value: confirm, at: { ...at, path: `${at.path}.x-requireConfirmation` } } : undefined,
        at,
        "x-requireConfirmation",
      );
      add(
        system,
        { name: normaliseName(id.replace(/\//g, "_")) || `${method}_operation`, access: access.access, approval: approval.approval },
        { access: prov(at, access.how, `operation ${id}: ${access.because}`), approval: approval.provenance },
        at,
      );
    }
  }
  return true;
}
