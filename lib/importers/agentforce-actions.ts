import type { AgentforceAction, Located } from "./agentforce-metadata";
import type { ScriptAction } from "./agentforce-script";
import type { FoundAction } from "./assemble";
import { inferAccess, normaliseName } from "./rules";
import type { Provenance } from "./types";

/**
 * An Agentforce action (GenAiFunction, a planner's or topic's local action, or an Agent Script action) as a
 * spec action: the system it touches by its invocation target, access inferred from its label and target
 * type, approval from isConfirmationRequired.
 */
/** Invocation target types that run inside the org: Apex, Flow, prompt templates, standard and quick actions. */
const IN_ORG = [
  "apex",
  "flow",
  "prompt",
  "generatePromptResponse",
  "standardInvocableAction",
  "quickAction",
  "auraEnabled",
  "namedQuery",
  "retriever",
  "createCatalogItemRequest",
  "executeIntegrationProcedure",
  "runExpressionSet",
];
/** Target types that only read or only return generated text to the agent. */
const READING: Record<string, string> = {
  namedQuery: "a named query reads records",
  retriever: "a retriever reads grounding data",
  prompt: "a prompt template generates text returned to the agent",
  generatePromptResponse: "a prompt template generates text returned to the agent",
};

export function resolveAction(
  ref: Located,
  local: AgentforceAction[],
  defined: Map<string, AgentforceAction>,
  file: string,
  warnings: string[],
): FoundAction {
  const found = local.find((a) => a.name === ref.text) ?? defined.get(ref.text);
  if (found) return mapAction(found, warnings);
  // A standard action (a namespaced one such as EmployeeCopilot__AnswerQuestionsWithKnowledge) has no file in a project.
  warnings.push(
    `${file}: action "${ref.text}" (line ${ref.line}) is not among the files (a standard action?): access inferred from its name`,
  );
  const inferred = inferAccess(readableName(ref.text, ""));
  return {
    system: "salesforce",
    name: normaliseName(ref.text),
    access: inferred.access,
    approval: "none",
    accessFrom: { file, line: ref.line, path: ref.text, how: "inferred", because: inferred.because },
    approvalFrom: {
      file,
      line: ref.line,
      path: ref.text,
      how: "inferred",
      because: "definition not among the files: no confirmation known",
    },
  };
}

/** The words to infer access from: the label when there is one, else the name without its namespace prefix. */
function readableName(name: string, label: string): string {
  if (label && label !== name) return label;
  const i = name.indexOf("__");
  return i >= 0 ? name.slice(i + 2) : name;
}

export function mapAction(action: AgentforceAction, warnings: string[]): FoundAction {
  const type = action.targetType?.text ?? "";
  const at = (field: string, line?: number) => ({ file: action.file, line: line ?? action.line, path: `${action.path}.${field}` });
  const system = systemOf(type, action.target?.text ?? "", `${action.file}: ${action.path}`, warnings);
  const reading = READING[type];
  const inferred = inferAccess(readableName(action.name, action.label), action.description);
  const accessFrom: Provenance = reading
    ? { ...at("invocationTargetType", action.targetType?.line), how: "inferred", because: reading }
    : { ...at("masterLabel"), how: "inferred", because: inferred.because };
  const confirmation = action.confirmation?.text.toLowerCase();
  const approvalFrom: Provenance =
    confirmation === undefined || confirmation === ""
      ? { ...at("isConfirmationRequired"), how: "inferred", because: "isConfirmationRequired not stated (defaults to false)" }
      : { ...at("isConfirmationRequired", action.confirmation!.line), how: "stated" };
  return {
    system,
    name: normaliseName(action.name),
    access: reading && inferred.access !== "admin" ? "read" : inferred.access,
    approval: confirmation === "true" ? "required" : "none",
    accessFrom,
    approvalFrom,
  };
}

/** `salesforce` for what runs in the org; the external service a target names; a warning when the type is unknown. */
function systemOf(type: string, target: string, where: string, warnings: string[]): string {
  if (IN_ORG.includes(type)) return "salesforce";
  if (type === "externalService" || type === "mcpTool" || type === "slack") {
    const service = normaliseName(target.split(/[./]/)[0] ?? "");
    if (type === "slack") return "slack";
    if (service) return service;
  }
  warnings.push(`${where}: invocation target type "${type || "(none)"}" (target "${target}") is not known: counted as acting in the org`);
  return "salesforce";
}

export function mapScriptAction(file: string, action: ScriptAction, warnings: string[]): FoundAction {
  const target = action.target?.text ?? "";
  const sep = target.indexOf("://");
  const scheme = sep > 0 ? target.slice(0, sep) : "";
  if (!action.target) warnings.push(`${file}: ${action.path} (line ${action.line}) has no target`);
  const system = systemOf(scheme, sep > 0 ? target.slice(sep + 3) : target, `${file}: ${action.path}`, warnings);
  const reading = READING[scheme];
  const inferred = inferAccess(action.name, action.description);
  const confirmation = action.confirmation?.text.toLowerCase();
  return {
    system,
    name: normaliseName(action.name),
    access: reading && inferred.access !== "admin" ? "read" : inferred.access,
    approval: confirmation === "true" ? "required" : "none",
    accessFrom: reading
      ? { file, line: action.target?.line, path: `${action.path}.target`, how: "inferred", because: reading }
      : { file, line: action.line, path: action.path, how: "inferred", because: inferred.because },
    approvalFrom: confirmation
      ? { file, line: action.confirmation!.line, path: `${action.path}.require_user_confirmation`, how: "stated" }
      : { file, line: action.line, path: action.path, how: "inferred", because: "Agent Script states no confirmation for the action" },
  };
}
