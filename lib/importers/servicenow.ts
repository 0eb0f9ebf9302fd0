import { assembleAgent, type AgentDraft, type FoundAction } from "./assemble";
import { findCalls, prop, str, syntaxErrors, type FluentValue } from "./fluent-source";
import { inferAccess, normaliseName, platformDefaultModel } from "./rules";
import { ImportError, type ImportedAgent, type Importer, type Provenance, type SourceFile } from "./types";

/**
 * ServiceNow AI agents written with the ServiceNow SDK (Fluent `AiAgent({...})` in `*.now.ts`), mapped per
 * ../shared/IMPORTERS.md. Tools act in the instance (system `servicenow`) except web search and MCP; a CRUD
 * tool states its access by its operation; `copilot` execution asks a person, `autopilot` does not and runs
 * unattended. No model is named: the instance's Now Assist configuration chooses it.
 */

const CRUD_ACCESS: Record<string, "read" | "write"> = { lookup: "read", create: "write", update: "write", delete: "write" };

/** Out-of-the-box tools whose effect is known from their type. */
const OOB: Record<string, { system: string; access: "read" | "write" | "admin"; because: string }> = {
  web_automation: { system: "web", access: "read", because: "web search reads" },
  rag: { system: "servicenow", access: "read", because: "RAG search retrieval reads" },
  knowledge_graph: { system: "servicenow", access: "read", because: "the knowledge graph tool reads" },
  deep_research: { system: "web", access: "read", because: "deep research reads and reports" },
  file_upload: { system: "servicenow", access: "read", because: "the file uploader reads a file the user gives" },
  desktop_automation: { system: "desktop", access: "admin", because: "desktop automation is computer use" },
};
/** Tools that point at a record the platform runs (flow, subflow, catalog item, skill, topic): effect known by name only. */
const REFERENCE_TYPES = ["script", "subflow", "action", "catalog", "capability", "topic", "topic_block"];

const AGENT_KEYS = [
  "$id",
  "name",
  "description",
  "agentRole",
  "versionDetails",
  "tools",
  "triggerConfig",
  "securityAcl",
  "channel",
  "agentType",
  "active",
  "processingMessage",
  "postProcessingMessage",
  "recordType",
  "sysDomain",
  "memoryScope",
  "public",
  "advancedMode",
];
const TOOL_KEYS = [
  "$id",
  "name",
  "type",
  "description",
  "executionMode",
  "inputs",
  "script",
  "active",
  "recordType",
  "preMessage",
  "postMessage",
  "outputTransformationStrategy",
  "displayOutput",
  "maxAutoExecutions",
  "subflowId",
  "flowActionId",
  "catalogItemId",
  "capabilityId",
  "virtualAgentId",
];

export const servicenowImporter: Importer = {
  platform: "servicenow",
  detect(files) {
    return files.some((f) => f.path.endsWith(".now.ts") && findCalls(f.path, f.content, ["AiAgent"]).length > 0);
  },
  read(files) {
    if (files.length === 0) throw new ImportError("No files to import", null);
    const warnings: string[] = [];
    const agents: ImportedAgent[] = [];
    for (const file of files) {
      if (!file.path.endsWith(".now.ts")) {
        warnings.push(`${file.path}: not a ServiceNow Fluent source (*.now.ts): skipped`);
        continue;
      }
      const errors = syntaxErrors(file.path, file.content);
      if (errors.length) throw new ImportError(`${file.path}: not valid TypeScript (${errors[0]})`, file.path);
      for (const call of findCalls(file.path, file.content, ["AiAgent", "AiAgenticWorkflow"])) {
        if (call.callee === "AiAgenticWorkflow") {
          warnings.push(
            `${file.path}: AiAgenticWorkflow (line ${call.line}) orchestrates agents and is not mapped; its member agents are imported where defined`,
          );
        } else if (call.argument?.kind !== "object") {
          warnings.push(`${file.path}: AiAgent (line ${call.line}) is not given an object literal: not read`);
        } else agents.push(assembleAgent(agentDraft(file, call.argument)));
      }
    }
    if (agents.length === 0) {
      const first = files.find((f) => f.path.endsWith(".now.ts")) ?? files[0]!;
      throw new ImportError(`${first.path}: no ServiceNow AiAgent definition among the files`, first.path);
    }
    return { platform: "servicenow", agents, toolsets: [], warnings };
  },
};

function agentDraft(file: SourceFile, agent: FluentValue & { kind: "object" }): AgentDraft {
  const path = file.path;
  const warnings: string[] = [];
  const name = str(agent, "name") || `AiAgent at line ${agent.line}`;
  for (const [key, value] of agent.props) {
    if (!AGENT_KEYS.includes(key)) warnings.push(`${path}: AiAgent.${key} (line ${value.line}) is not mapped`);
  }
  const acl = prop(agent, "securityAcl");
  if (str(acl, "type") === "Public")
    warnings.push(`${path}: securityAcl (line ${acl!.line}) is Public: anyone can invoke the agent, not mapped`);
  const { model, warning } = platformDefaultModel("servicenow");
  warnings.push(`${path}: ${warning}`);

  const instructions: AgentDraft["instructions"] = [];
  const text = (from: string, value: FluentValue | undefined, at: string) => {
    if (value?.kind !== "string" || !value.value.trim()) return;
    if (value.templated) warnings.push(`${path}: ${at} (line ${value.line}) has run-time substitutions, kept as written`);
    instructions.push({ from, text: value.value, provenance: { file: path, line: value.line, path: at, how: "stated" } });
  };
  text("Agent description", prop(agent, "description"), "description");
  text("Agent role", prop(agent, "agentRole"), "agentRole");
  const version = chooseVersion(path, prop(agent, "versionDetails"), warnings);
  if (version) text(`Instructions (version ${version.label})`, prop(version.value, "instructions"), `${version.at}.instructions`);

  const tools = prop(agent, "tools");
  const actions: FoundAction[] = [];
  const autopilot: Provenance[] = [];
  (tools?.kind === "array" ? tools.items : []).forEach((tool, i) => {
    const mapped = mapTool(path, tool, `tools[${i}]`, warnings);
    if (!mapped) return;
    actions.push(mapped.action);
    if (mapped.action.approval === "none" && mapped.action.access !== "read") autopilot.push(mapped.action.approvalFrom);
  });

  return {
    name,
    description: str(agent, "description") ?? "",
    platform: "servicenow",
    model: { value: model, provenance: { file: path, line: agent.line, how: "inferred", because: "no model named: platform default" } },
    instructions,
    actions,
    unattended: attendance(path, agent, autopilot, warnings),
    file: path,
    warnings,
  };
}

/** The published version's instructions are what the agent runs with; other versions are reported. */
function chooseVersion(path: string, versions: FluentValue | undefined, warnings: string[]) {
  const list = versions?.kind === "array" ? versions.items.map((value, i) => ({ value, at: `versionDetails[${i}]` })) : [];
  if (list.length === 0) return undefined;
  const published = list.filter((v) => str(v.value, "state") === "published");
  const chosen = published.at(-1) ?? list.at(-1)!;
  if (published.length === 0)
    warnings.push(`${path}: no version is published; the instructions of the last version (${chosen.at}) are imported`);
  for (const other of list)
    if (other !== chosen)
      warnings.push(
        `${path}: ${other.at} (${str(other.value, "name") ?? "unnamed"}, ${str(other.value, "state") ?? "draft"}) is not imported`,
      );
  return { ...chosen, label: str(chosen.value, "name") ?? chosen.at };
}

/** Tables of identities, group membership, roles and system settings, whose abbreviated names the word rules miss (`grmember`). */
const IDENTITY_TABLES = new Set([
  "sys_user",
  "sys_user_group",
  "sys_user_grmember",
  "sys_user_role",
  "sys_user_has_role",
  "sys_group_has_role",
  "sys_properties",
]);

function mapTool(path: string, tool: FluentValue, at: string, warnings: string[]): { action: FoundAction } | undefined {
  if (tool.kind !== "object") {
    warnings.push(`${path}: ${at} (line ${tool.line}) is not an object literal: not read`);
    return undefined;
  }
  const rawName = str(tool, "name");
  const type = str(tool, "type") ?? "";
  if (!rawName) {
    warnings.push(`${path}: ${at} (line ${tool.line}) has no name: not read`);
    return undefined;
  }
  const active = prop(tool, "active");
  if (active?.kind === "boolean" && !active.value) {
    warnings.push(`${path}: ${at} "${rawName}" is inactive: not imported`);
    return undefined;
  }
  for (const [key, value] of tool.props)
    if (!TOOL_KEYS.includes(key)) warnings.push(`${path}: ${at}.${key} (line ${value.line}) is not mapped`);
  const description = str(tool, "description") ?? "";
  const where = (field: string, line = tool.line) => ({ file: path, line, path: `${at}.${field}` });

  let system = "servicenow";
  let access: FoundAction["access"];
  let accessFrom: Provenance;
  if (type === "crud") {
    const inputs = prop(tool, "inputs");
    const operation = str(inputs, "operationName") ?? "";
    const table = str(inputs, "table") ?? "";
    const stated = CRUD_ACCESS[operation];
    const opLine = prop(inputs, "operationName")?.line;
    if (!stated) {
      const inferred = inferAccess(rawName, description);
      access = inferred.access;
      accessFrom = {
        ...where("inputs.operationName", opLine),
        how: "inferred",
        because: `CRUD operation "${operation}" unknown; ${inferred.because}`,
      };
      warnings.push(`${path}: ${at} "${rawName}" has CRUD operation "${operation}", which is not known`);
    } else if (stated === "write" && (IDENTITY_TABLES.has(table) || inferAccess(`${table}.${operation}`).access === "admin")) {
      access = "admin";
      accessFrom = {
        ...where("inputs.table", prop(inputs, "table")?.line),
        how: "inferred",
        because: `CRUD ${operation} on ${table}, a table of identities, roles or settings`,
      };
    } else {
      access = stated;
      accessFrom = { ...where("inputs.operationName", opLine), how: "stated", because: `CRUD ${operation} on table ${table}` };
    }
  } else if (OOB[type]) {
    ({ system, access } = OOB[type]!);
    accessFrom = { ...where("type", prop(tool, "type")?.line), how: "inferred", because: OOB[type]!.because };
  } else if (type === "mcp") {
    // An MCP tool names a server whose own tools are listed elsewhere (its tools/list): count it as writing.
    system = normaliseName(str(tool, "serverName") ?? str(tool, "mcpServer") ?? "") || "mcp";
    access = "write";
    accessFrom = {
      ...where("type", prop(tool, "type")?.line),
      how: "inferred",
      because: "an MCP server's tools are not listed here: in doubt, write",
    };
    warnings.push(`${path}: ${at} "${rawName}" is an MCP tool: import the server's tools/list as a toolset to see what it can do`);
  } else {
    const inferred = inferAccess(rawName, description);
    access = inferred.access;
    accessFrom = { ...where("name", prop(tool, "name")?.line), how: "inferred", because: inferred.because };
    if (type === "script")
      warnings.push(`${path}: ${at} "${rawName}" runs a script; its access is inferred from its name, the script is not analysed`);
    else if (!REFERENCE_TYPES.includes(type))
      warnings.push(`${path}: ${at} "${rawName}" has tool type "${type || "(none)"}", which is not known`);
  }

  const mode = prop(tool, "executionMode");
  const modeText = mode?.kind === "string" ? mode.value : undefined;
  let approval: FoundAction["approval"] = "none";
  let approvalFrom: Provenance;
  if (modeText === "copilot" || modeText === "supervised") {
    approval = "required";
    approvalFrom = { ...where("executionMode", mode!.line), how: "stated", because: `executionMode ${modeText}: a person approves` };
  } else if (modeText === "autopilot") {
    approvalFrom = { ...where("executionMode", mode!.line), how: "stated", because: "executionMode autopilot: runs without a person" };
  } else {
    approvalFrom = { ...where("executionMode"), how: "inferred", because: "executionMode not stated: in doubt, autopilot" };
    warnings.push(`${path}: ${at} "${rawName}" states no executionMode: treated as autopilot`);
  }
  return { action: { system, name: normaliseName(rawName), access, approval, accessFrom, approvalFrom } };
}

/** Autopilot writes run with nobody in the loop, as do active triggers; otherwise a person drives the agent. */
function attendance(path: string, agent: FluentValue, autopilot: Provenance[], warnings: string[]): AgentDraft["unattended"] {
  const triggers = prop(agent, "triggerConfig");
  const active = (triggers?.kind === "array" ? triggers.items : []).filter((t) => {
    const on = prop(t, "active");
    return !(on?.kind === "boolean" && !on.value);
  });
  if (active.length) {
    const t = active[0]!;
    const kind = str(t, "triggerFlowDefinitionType") ?? "trigger";
    warnings.push(`${path}: the agent is started by ${active.length} trigger(s) (${kind}), without a person asking`);
    return {
      value: true,
      because: `a ${kind} trigger starts the agent`,
      at: { file: path, line: t.line, path: "triggerConfig" },
    };
  }
  if (autopilot.length) return { value: true, because: "autopilot runs the tool with nobody in the loop", at: autopilot[0]! };
  return {
    value: false,
    because: "no trigger and no autopilot write: a person drives the agent",
    at: { file: path, line: agent.line },
  };
}
