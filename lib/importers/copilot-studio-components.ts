import { accessOfHttp, inferAccess, normaliseName } from "./rules";
import { baseName } from "./paths";
import type { FoundAction } from "./assemble";
import type { Provenance } from "./types";
import { at, connectorOf, isRecord, text, written, type AgentBuild, type Path, type Yaml } from "./copilot-studio-yaml";

/**
 * The components of a Copilot Studio agent that grant it actions or run it unattended: tools (TaskDialog),
 * topics (AdaptiveDialog), knowledge sources and external triggers.
 */

/** Conversation steps that touch no system: walked through (for the steps they hold), not reported. */
const CONVERSATION_NODES = new Set([
  "SendActivity",
  "Question",
  "SetVariable",
  "SetTextVariable",
  "ParseValue",
  "ConditionGroup",
  "ConditionItem",
  "EndDialog",
  "EndConversation",
  "CancelAllDialogs",
  "ClearAllVariables",
  "GotoAction",
  "SearchAndSummarizeContent",
  "AnswerQuestionWithAI",
  "Foreach",
]);
/** Triggers that start a topic without anyone chatting: the agent then runs unattended. */
export const UNATTENDED_TRIGGERS = new Set(["OnExternalTrigger", "OnEventActivity", "OnActivity", "OnRecurrence"]);

/** An action's approval: the TaskDialog's `confirmation` (anything but mode `None`) asks the user before it runs. */
function approvalOf(y: Yaml): { approval: FoundAction["approval"]; from: Provenance } {
  const confirmation = y.value.confirmation;
  const mode = isRecord(confirmation) ? text(confirmation.mode) : "";
  if (confirmation === true || (isRecord(confirmation) && !/^(none|never)$/i.test(mode)))
    return { approval: "required", from: at(y, ["confirmation"], "stated", "the action asks the user to confirm before it runs") };
  if (isRecord(confirmation)) return { approval: "none", from: at(y, ["confirmation", "mode"], "stated", `confirmation mode ${mode}`) };
  return {
    approval: "none",
    from: { file: y.file, path: "confirmation", how: "inferred", because: "no confirmation setting: the action runs without asking" },
  };
}

/** A tool's keys that are read, or that only shape its parameters and results (nothing a reviewer signs). */
const TOOL_KEYS = new Set([
  "kind",
  "mcs.metadata",
  "modelDisplayName",
  "modelDescription",
  "confirmation",
  "action",
  "inputs",
  "outputs",
  "outputMode",
]);
const TOPIC_KEYS = new Set(["kind", "mcs.metadata", "modelDescription", "beginDialog", "inputType", "outputType"]);

function warnUnmapped(y: Yaml, known: Set<string>, build: AgentBuild): void {
  const unmapped = Object.keys(y.value).filter((k) => !known.has(k));
  if (unmapped.length) build.warnings.push(`${y.file}: not mapped: ${unmapped.join(", ")}`);
}

export function readAction(y: Yaml, build: AgentBuild): void {
  const action = isRecord(y.value.action) ? y.value.action : {};
  const kind = text(action.kind);
  const display = text(y.value.modelDisplayName) || baseName(y.file).replace(/\.mcs\.yml$/, "");
  const { approval, from: approvalFrom } = approvalOf(y);
  const details = isRecord(action.operationDetails) ? action.operationDetails : {};
  warnUnmapped(y, TOOL_KEYS, build);
  const connection = isRecord(action.connectionProperties) ? text(action.connectionProperties.mode) : "";
  // A maker connection lets every user act with the maker's own access to the connector.
  if (connection === "Maker")
    build.warnings.push(
      `${y.file}: "${display}" runs on the maker's connection (connectionProperties.mode Maker): every user acts with the maker's access`,
    );

  if (kind === "InvokeExternalAgentTaskAction" && text(details.kind) === "ModelContextProtocolMetadata") {
    const system = connectorOf(text(action.connectionReference)) ?? normaliseName(display);
    build.toolsets.push({
      system,
      actions: [],
      provenance: {},
      warnings: [
        `${y.file}: MCP server "${display}": its tools are listed by the server at run time; import its tools/list response to review them`,
      ],
    });
    build.warnings.push(`${y.file}: MCP server "${display}" is imported as toolset "${system}", not as actions of this agent`);
    return;
  }

  let system: string;
  let name: string;
  if (kind === "InvokeConnectorTaskAction") {
    const connector = connectorOf(text(action.connectionReference));
    if (!connector) build.warnings.push(`${y.file}: action.connectionReference names no shared_ connector; system "connector" used`);
    system = connector ?? "connector";
    name = text(action.operationId) || display;
  } else if (kind === "InvokeFlowTaskAction") {
    system = "power-automate";
    name = display;
    build.warnings.push(`${y.file}: Power Automate flow ${text(action.flowId)}: what the flow touches is not in this file`);
  } else {
    system = "copilot-studio";
    name = display;
    build.warnings.push(`${y.file}: action kind "${kind || "none"}" is not mapped beyond its name; its access is inferred from the name`);
  }
  const guess = inferAccess(name, text(y.value.modelDescription));
  build.found.push({
    system,
    name: normaliseName(name),
    access: guess.access,
    approval,
    accessFrom: at(y, kind === "InvokeConnectorTaskAction" ? ["action", "operationId"] : ["modelDisplayName"], "inferred", guess.because),
    approvalFrom,
  });
  const description = text(y.value.modelDescription);
  if (description)
    build.instructions.push({ from: `${y.file} (${display})`, text: description, provenance: at(y, ["modelDescription"], "stated") });
}

/** Walks a topic's steps: connector, flow and HTTP calls are actions; conversation steps are passed through. */
function readSteps(y: Yaml, steps: unknown, path: Path, build: AgentBuild): void {
  if (!Array.isArray(steps)) return;
  if (path.length > MAX_STEP_DEPTH * 2) {
    build.warnings.push(`${y.file}: steps under ${written(path)} are nested too deep to read; not mapped`);
    return;
  }
  steps.forEach((step, i) => {
    if (!isRecord(step)) return;
    const here = [...path, i];
    const kind = text(step.kind);
    const approval = { approval: "none" as const, from: at(y, [...here, "kind"], "inferred", "a topic step runs without asking") };
    if (kind === "InvokeConnectorAction") {
      const system = connectorOf(text(step.connectionReference)) ?? "connector";
      const name = text(step.operationId) || text(step.id) || "operation";
      const guess = inferAccess(name);
      build.found.push({
        system,
        name: normaliseName(name),
        access: guess.access,
        approval: approval.approval,
        accessFrom: at(y, [...here, "operationId"], "inferred", guess.because),
        approvalFrom: approval.from,
      });
    } else if (kind === "HttpRequestAction") {
      const url = text(step.url);
      let host = "http";
      try {
        host = new URL(url).host || host;
      } catch {
        build.warnings.push(`${y.file}: ${written(here)} calls a URL that is a formula or not absolute (${url}); system "http" used`);
      }
      const method = text(step.method) || "GET";
      const name = text(step.id) || `${method}_request`;
      const verdict = accessOfHttp(method, name);
      build.found.push({
        system: normaliseName(host),
        name: normaliseName(name),
        access: verdict.access,
        approval: approval.approval,
        accessFrom: at(
          y,
          [...here, "method"],
          step.method ? verdict.how : "inferred",
          step.method ? verdict.because : "no method: HTTP GET by default",
        ),
        approvalFrom: approval.from,
      });
    } else if (kind === "InvokeFlowAction") {
      const name = text(step.id) || text(step.flowId);
      build.found.push({
        system: "power-automate",
        name: normaliseName(name),
        access: "write",
        approval: approval.approval,
        accessFrom: at(y, [...here, "flowId"], "inferred", "a flow's effects are not in this file: in doubt, write"),
        approvalFrom: approval.from,
      });
      build.warnings.push(
        `${y.file}: ${written(here)} runs Power Automate flow ${text(step.flowId)}: what the flow touches is not in this file`,
      );
    } else if (kind && !CONVERSATION_NODES.has(kind)) {
      build.warnings.push(`${y.file}: step ${written(here)} of kind "${kind}" is not mapped`);
    }
    readSteps(y, step.actions, [...here, "actions"], build);
    readSteps(y, step.elseActions, [...here, "elseActions"], build);
    if (Array.isArray(step.conditions))
      step.conditions.forEach((c, j) => isRecord(c) && readSteps(y, c.actions, [...here, "conditions", j, "actions"], build));
  });
}

/** Deeper than any topic a person writes; beyond it the steps are reported, not walked. */
const MAX_STEP_DEPTH = 40;

export function readTopic(y: Yaml, build: AgentBuild): void {
  warnUnmapped(y, TOPIC_KEYS, build);
  const begin = isRecord(y.value.beginDialog) ? y.value.beginDialog : {};
  const trigger = text(begin.kind);
  if (UNATTENDED_TRIGGERS.has(trigger))
    build.unattended ??= { file: y.file, path: "beginDialog.kind", because: `topic trigger ${trigger} starts it without anyone chatting` };
  const description = text(y.value.modelDescription);
  const name = baseName(y.file).replace(/\.mcs\.yml$/, "");
  if (description)
    build.instructions.push({ from: `${y.file} (topic ${name})`, text: description, provenance: at(y, ["modelDescription"], "stated") });
  readSteps(y, begin.actions, ["beginDialog", "actions"], build);
}

/** Where a knowledge source's content lives: the system the agent reads when it searches it. */
const KNOWLEDGE_SYSTEMS: Record<string, string> = {
  PublicSiteSearchSource: "web",
  SharePointSearchSource: "sharepoint",
  DataverseStructuredSearchSource: "dataverse",
  FederatedStructuredSearchSource: "graph-connectors",
};

/** A knowledge source is searched for grounding, never written: a read action on the system that holds it. */
export function readKnowledge(y: Yaml, build: AgentBuild): void {
  const source = isRecord(y.value.source) ? y.value.source : {};
  const kind = text(source.kind);
  const system = KNOWLEDGE_SYSTEMS[kind] ?? "knowledge";
  if (!KNOWLEDGE_SYSTEMS[kind])
    build.warnings.push(`${y.file}: knowledge source kind "${kind || "none"}" is not known; system "knowledge" used`);
  const meta = isRecord(y.value["mcs.metadata"]) ? y.value["mcs.metadata"] : {};
  const name = normaliseName(text(meta.componentName) || text(y.value.displayName) || baseName(y.file).replace(/\.mcs\.yml$/, ""));
  build.found.push({
    system,
    name: `search_${name}`,
    access: "read",
    approval: "none",
    accessFrom: at(y, ["source", "kind"], "inferred", `knowledge source ${kind} is searched, not written`),
    approvalFrom: at(y, ["source"], "inferred", "knowledge is searched without asking"),
  });
  const where = text(source.site) || text(source.skillConfiguration);
  if (where) build.warnings.push(`${y.file}: knowledge is narrowed to ${where}; the spec grants search_${name} on ${system} as a whole`);
}

/** An external trigger (a flow firing on an event or a schedule) starts the agent without anyone chatting. */
export function readTrigger(y: Yaml, build: AgentBuild): void {
  const source = isRecord(y.value.externalTriggerSource) ? y.value.externalTriggerSource : {};
  const extension = isRecord(y.value.extensionData) ? y.value.extensionData : {};
  const on = text(extension.triggerConnectionType) || text(source.kind) || "an external event";
  build.unattended ??= {
    file: y.file,
    path: "externalTriggerSource",
    because: `an external trigger (${on}) starts it without anyone chatting`,
  };
  build.warnings.push(`${y.file}: trigger flow ${text(source.flowId) || "(unnamed)"}: what the flow itself touches is not in this file`);
}
