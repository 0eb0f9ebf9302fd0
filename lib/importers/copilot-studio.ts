import { LineCounter, parseDocument, type Document } from "yaml";
import type { AgentSpec } from "@/lib/domain/spec";
import { accessOfHttp, inferAccess, joinInstructions, modelOf, normaliseName, platformDefaultModel } from "./rules";
import { autonomyWithReason, baseName, folderOf, toolsOf, TRACE_RETENTION_WARNING, validated, type FoundAction } from "./spec-assembly";
import { ImportError, type ImportedAgent, type ImportedToolset, type Importer, type Provenance, type SourceFile } from "./types";

/**
 * Copilot Studio agents as the VS Code extension clones them (IMPORTERS.md, "Copilot Studio"): `agent.mcs.yml`
 * (instructions, model hint, built-in capabilities), `settings.mcs.yml`, `actions/*.mcs.yml` (tools: TaskDialog)
 * and `topics/*.mcs.yml` (AdaptiveDialog). Connector operations become actions on the connector; an MCP server
 * becomes a toolset, whose tools are only known from its own `tools/list`.
 */

type Yaml = { file: string; doc: Document; lines: LineCounter; value: Record<string, unknown> };
type Path = (string | number)[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === "string" ? v : "");

function parseYaml(file: SourceFile): Yaml {
  const lines = new LineCounter();
  const doc = parseDocument(file.content, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) throw new ImportError(`${file.path}: not readable YAML (${doc.errors[0]?.message.split("\n")[0]})`, file.path);
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isRecord(value)) throw new ImportError(`${file.path}: not a Copilot Studio component (no YAML mapping)`, file.path);
  return { file: file.path, doc, lines, value };
}

/** `["beginDialog", "actions", 2, "kind"]` → `beginDialog.actions[2].kind`. */
function written(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Provenance pointing at the line of a YAML path (or the file, when the path is absent). */
function at(y: Yaml, path: Path, how: Provenance["how"], because?: string): Provenance {
  const node = y.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const line = node?.range ? y.lines.linePos(node.range[0]).line : undefined;
  return { file: y.file, line, path: written(path), how, because };
}

/** `GPT4o`, `GPT41`, `Sonnet45`: the provider is read from the hint's family. */
function providerOfHint(hint: string): string {
  if (/gpt|^o\d/i.test(hint)) return "openai";
  if (/claude|sonnet|opus|haiku/i.test(hint)) return "anthropic";
  return "microsoft";
}

/** `cr3a5_agent.shared_office365.shared-office365-8f…` → `office365`: the connector the reference points at. */
function connectorOf(reference: string): string | null {
  const part = reference.split(".").find((p) => p.startsWith("shared_"));
  return part ? normaliseName(part.slice("shared_".length)) : null;
}

const AGENT_KINDS = new Set(["GptComponentMetadata"]);
const ACTION_KINDS = new Set(["TaskDialog"]);
const TOPIC_KINDS = new Set(["AdaptiveDialog"]);
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
const UNATTENDED_TRIGGERS = new Set(["OnExternalTrigger", "OnEventActivity", "OnActivity", "OnRecurrence"]);

type AgentFiles = { root: string; agent?: Yaml; settings?: Yaml; actions: Yaml[]; topics: Yaml[] };

function kindOf(y: Yaml): string {
  return text(y.value.kind);
}

function groupByAgent(files: Yaml[], warnings: string[]): AgentFiles[] {
  const roots = files.filter((y) => ["agent.mcs.yml", "settings.mcs.yml"].includes(baseName(y.file))).map((y) => folderOf(y.file));
  const unique = [...new Set(roots)].sort((a, b) => b.length - a.length);
  const groups = new Map<string, AgentFiles>(unique.map((root) => [root, { root, actions: [], topics: [] }]));
  for (const y of files) {
    const root = unique.find((r) => y.file.replace(/\\/g, "/").startsWith(r));
    const group = root !== undefined ? groups.get(root)! : undefined;
    const name = baseName(y.file);
    if (!group) {
      warnings.push(`${y.file}: no agent.mcs.yml or settings.mcs.yml above it; not imported`);
    } else if (name === "agent.mcs.yml") group.agent = y;
    else if (name === "settings.mcs.yml") group.settings = y;
    else if (ACTION_KINDS.has(kindOf(y))) group.actions.push(y);
    else if (TOPIC_KINDS.has(kindOf(y))) group.topics.push(y);
    else warnings.push(`${y.file}: component kind "${kindOf(y) || "none"}" is not mapped`);
  }
  return [...groups.values()].sort((a, b) => a.root.localeCompare(b.root));
}

type AgentBuild = {
  found: FoundAction[];
  toolsets: ImportedToolset[];
  instructions: { from: string; text: string; provenance: Provenance }[];
  warnings: string[];
  unattended: { file: string; path?: string; because: string } | null;
};

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

function readAction(y: Yaml, build: AgentBuild): void {
  const action = isRecord(y.value.action) ? y.value.action : {};
  const kind = text(action.kind);
  const display = text(y.value.modelDisplayName) || baseName(y.file).replace(/\.mcs\.yml$/, "");
  const { approval, from: approvalFrom } = approvalOf(y);
  const details = isRecord(action.operationDetails) ? action.operationDetails : {};

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

function readTopic(y: Yaml, build: AgentBuild): void {
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

/** Built-in capabilities of `agent.mcs.yml`: web browsing reads the web; a code interpreter runs code (admin). */
function readCapabilities(y: Yaml, build: AgentBuild): void {
  const capabilities = isRecord(y.value.gptCapabilities) ? y.value.gptCapabilities : {};
  for (const [key, on] of Object.entries(capabilities)) {
    if (on !== true) continue;
    const approval = at(y, ["gptCapabilities", key], "inferred", "a built-in capability runs without asking");
    if (key === "webBrowsing")
      build.found.push({
        system: "web",
        name: "web_search",
        access: "read",
        approval: "none",
        accessFrom: at(y, ["gptCapabilities", key], "inferred", "web browsing retrieves public pages"),
        approvalFrom: approval,
      });
    else if (key === "codeInterpreter")
      build.found.push({
        system: "copilot-studio",
        name: "code_interpreter",
        access: "admin",
        approval: "none",
        accessFrom: at(y, ["gptCapabilities", key], "inferred", "a code interpreter runs arbitrary code"),
        approvalFrom: approval,
      });
    else build.warnings.push(`${y.file}: gptCapabilities.${key} is not mapped`);
  }
}

const MAPPED_AGENT_KEYS = new Set(["kind", "mcs.metadata", "displayName", "description", "instructions", "aISettings", "gptCapabilities"]);

function readAgent(group: AgentFiles): { agent: ImportedAgent; toolsets: ImportedToolset[] } {
  const build: AgentBuild = { found: [], toolsets: [], instructions: [], warnings: [], unattended: null };
  const main = group.agent ?? group.settings!;
  const agent = group.agent;
  const settings = group.settings;

  let model: AgentSpec["model"];
  let modelFrom: Provenance;
  const aISettings = agent && isRecord(agent.value.aISettings) ? agent.value.aISettings : {};
  const hint = isRecord(aISettings.model) ? text(aISettings.model.modelNameHint) : "";
  if (agent && hint) {
    model = modelOf(providerOfHint(hint), hint);
    modelFrom = at(
      agent,
      ["aISettings", "model", "modelNameHint"],
      "stated",
      model.version ? undefined : "no snapshot in the hint: floating",
    );
    if (!model.version) build.warnings.push(`${agent.file}: model "${hint}" names no snapshot: Copilot Studio may move it (floating)`);
  } else {
    const fallback = platformDefaultModel("copilot-studio");
    model = fallback.model;
    modelFrom = { file: main.file, path: "aISettings.model.modelNameHint", how: "inferred", because: "no model named: platform default" };
    build.warnings.push(`${main.file}: ${fallback.warning}`);
  }

  const meta = agent && isRecord(agent.value["mcs.metadata"]) ? agent.value["mcs.metadata"] : {};
  const name =
    text(settings?.value.displayName) ||
    text(agent?.value.displayName) ||
    text(meta.componentName) ||
    group.root.replace(/\/$/, "") ||
    "agent";
  const description = text(agent?.value.description) || text(meta.description) || text(settings?.value.description);
  if (agent) {
    const described: Path | null = text(agent.value.description)
      ? ["description"]
      : text(meta.description)
        ? ["mcs.metadata", "description"]
        : null;
    if (described)
      build.instructions.push({ from: `${agent.file} description`, text: description, provenance: at(agent, described, "stated") });
    if (text(agent.value.instructions))
      build.instructions.push({
        from: `${agent.file} instructions`,
        text: text(agent.value.instructions),
        provenance: at(agent, ["instructions"], "stated"),
      });
    readCapabilities(agent, build);
    const unmapped = Object.keys(agent.value).filter((k) => !MAPPED_AGENT_KEYS.has(k));
    if (unmapped.length) build.warnings.push(`${agent.file}: not mapped: ${unmapped.join(", ")}`);
  }
  if (settings) {
    const unmapped = Object.keys(settings.value).filter((k) => !["displayName", "description", "schemaName"].includes(k));
    if (unmapped.length) build.warnings.push(`${settings.file}: settings not mapped: ${unmapped.join(", ")}`);
  }
  for (const y of group.actions) readAction(y, build);
  for (const y of group.topics) readTopic(y, build);

  const warnings = build.warnings;
  const { tools, provenance: actions } = toolsOf(build.found, warnings);
  const { autonomy, provenance: autonomyFrom } = autonomyWithReason(build.found, build.unattended, {
    file: main.file,
    because: "topics start from a chat with a person",
  });
  const instructions =
    joinInstructions(build.instructions) || `## ${main.file}\n(no instructions are stated; the agent runs on its topics and tools alone)\n`;
  if (build.instructions.length === 0) warnings.push(`${main.file}: no instructions are stated`);
  warnings.push(`${main.file}: ${TRACE_RETENTION_WARNING}`);
  for (const toolset of build.toolsets) warnings.push(...toolset.warnings);

  const spec = validated({ model, instructions, autonomy, tools, forbidden: [], traceRetentionDays: 0 }, main.file);
  const provenance = { model: modelFrom, instructions: build.instructions.map((p) => p.provenance), autonomy: autonomyFrom, actions };
  return { agent: { name, description, platform: "copilot-studio", spec, provenance, warnings }, toolsets: build.toolsets };
}

function isCopilotStudioFile(file: SourceFile): boolean {
  return file.path.endsWith(".mcs.yml");
}

export const copilotStudioImporter: Importer = {
  platform: "copilot-studio",
  detect(files) {
    return files.some((f) => isCopilotStudioFile(f) && /^\s*kind:\s*(GptComponentMetadata|TaskDialog|AdaptiveDialog)\b/m.test(f.content));
  },
  read(files) {
    const warnings: string[] = [];
    const parsed: Yaml[] = [];
    for (const file of files) {
      if (!isCopilotStudioFile(file)) {
        warnings.push(`${file.path}: not a Copilot Studio component (.mcs.yml); not read`);
        continue;
      }
      const y = parseYaml(file);
      const name = baseName(file.path);
      if (name === "agent.mcs.yml" && !AGENT_KINDS.has(kindOf(y)))
        throw new ImportError(`${file.path}: an agent.mcs.yml must be kind GptComponentMetadata, not "${kindOf(y) || "none"}"`, file.path);
      parsed.push(y);
    }
    const groups = groupByAgent(parsed, warnings);
    if (groups.length === 0)
      throw new ImportError(
        `No Copilot Studio agent (agent.mcs.yml or settings.mcs.yml) among: ${files.map((f) => f.path).join(", ")}`,
        files[0]?.path ?? null,
      );
    const agents: ImportedAgent[] = [];
    const toolsets: ImportedToolset[] = [];
    for (const group of groups) {
      const read = readAgent(group);
      agents.push(read.agent);
      // Two agents using one MCP server share its toolset.
      for (const t of read.toolsets) if (!toolsets.some((s) => s.system === t.system)) toolsets.push(t);
    }
    return { platform: "copilot-studio", agents, toolsets, warnings };
  },
};
