import type { SyntaxNode } from "@lezer/common";
import type { AgentDraft, FoundAction } from "./assemble";
import { hostedMcpToolset, hostedTool, modelFromId, sdkDefaultModel, SDK_RUNS_UNATTENDED } from "./openai-agents-shared";
import {
  assignmentsOf,
  booleanValue,
  callOf,
  calleeBase,
  callsWithin,
  constantString,
  dictEntries,
  findFunction,
  importsOf,
  lineOf,
  listElements,
  parsePython,
  resolve,
  stringValue,
  systemCalledBy,
  textOf,
  type Call,
  type ModuleFunction,
  type PythonFiles,
  type PythonModule,
} from "./python-source";
import { inferAccess, normaliseName } from "./rules";
import type { ImportedToolset, SourceFile } from "./types";

/** The OpenAI Agents SDK for Python: `Agent(...)` calls, `@function_tool` functions, hosted tools. */

const MAPPED = new Set(["name", "instructions", "model", "tools", "handoffs", "handoff_description", "mcp_servers"]);

export function importsAgentsSdk(file: SourceFile): boolean {
  return importsOf(parsePython(file, { lenient: true })).some((i) => i.from === "agents" || i.from.startsWith("agents."));
}

/** `library` holds the other Python files, so tools imported from a sibling module (`from .tools import refund`) are found. */
export function readPythonAgents(
  file: SourceFile,
  library: PythonFiles,
): { agents: AgentDraft[]; toolsets: ImportedToolset[]; warnings: string[] } {
  const py = parsePython(file);
  const bindings = assignmentsOf(py);
  const agentCalls = callsWithin(py, py.tree.topNode).filter((c) => agentCallee(py, c));
  const agentNameOf = new Map<string, string>();
  for (const [variable, value] of bindings) {
    const call = callOf(py, value);
    if (call && agentCallee(py, call)) agentNameOf.set(variable, stringValue(py, call.keywords.get("name")) ?? variable);
  }
  const toolsets: ImportedToolset[] = [];
  const agents = agentCalls.map((call) => readAgent(py, call, { bindings, library, agentNameOf, toolsets }));
  // `agent.clone(...)` makes another agent from one: its changes are code, not a definition this importer reads.
  const warnings = callsWithin(py, py.tree.topNode)
    .filter((c) => calleeBase(c) === "clone" && agentNameOf.has(c.callee?.split(".")[0] ?? ""))
    .map(
      (c) =>
        `${py.file}:${lineOf(py, c.node.from)}: ${c.callee}(...) makes another agent from "${agentNameOf.get(c.callee!.split(".")[0]!)}"; the clone is not imported`,
    );
  return { agents, toolsets, warnings };
}

type Context = {
  bindings: Map<string, SyntaxNode>;
  library: PythonFiles;
  agentNameOf: Map<string, string>;
  toolsets: ImportedToolset[];
};

/** `Agent(...)`, `agents.Agent(...)` or `Agent[Context](...)`. */
function agentCallee(py: PythonModule, call: Call): boolean {
  const callee = call.node.firstChild;
  if (callee?.name === "SubscriptExpression") return textOf(py, callee.firstChild!) === "Agent";
  return calleeBase(call) === "Agent";
}

function readAgent(py: PythonModule, call: Call, context: Context): AgentDraft {
  const file = py.file;
  const line = lineOf(py, call.node.from);
  const where = `${file}:${line}`;
  const name = stringValue(py, call.keywords.get("name")) ?? `agent_at_line_${line}`;
  const warnings: string[] = [];
  if (!call.keywords.has("name")) warnings.push(`${where}: an Agent has no literal name; called "${name}"`);
  for (const keyword of call.keywords.keys())
    if (!MAPPED.has(keyword)) warnings.push(`${where}: agent "${name}": ${keyword}= is not mapped to the spec`);

  const model = readModel(py, call, where, name, warnings, context);
  const instructions = readInstructions(py, call, where, name, warnings, context);
  const actions: FoundAction[] = [];
  for (const element of listElements(call.keywords.get("tools")) ?? []) {
    actions.push(...readTool(py, element, name, warnings, context));
  }
  if (call.keywords.has("tools") && !listElements(call.keywords.get("tools")))
    warnings.push(`${where}: agent "${name}": tools= is not a literal list; its tools are not read`);
  for (const server of listElements(call.keywords.get("mcp_servers")) ?? [])
    warnings.push(
      `${file}:${lineOf(py, server.from)}: agent "${name}": MCP server ${textOf(py, server)} lists its tools at run time; import its tools/list as a toolset`,
    );
  for (const target of listElements(call.keywords.get("handoffs")) ?? []) {
    const handoffCall = callOf(py, target);
    const agentNode = handoffCall && calleeBase(handoffCall) === "handoff" ? handoffCall.positional[0] : target;
    const variable = agentNode ? textOf(py, agentNode) : textOf(py, target);
    const other = context.agentNameOf.get(variable);
    warnings.push(
      `${file}:${lineOf(py, target.from)}: agent "${name}" hands off to ${other ? `"${other}" (imported as its own agent)` : `${variable} (not defined in this file)`}; a handoff is not an action in the spec`,
    );
  }
  return {
    name,
    description: stringValue(py, call.keywords.get("handoff_description")) ?? "",
    platform: "openai-agents",
    file,
    line,
    model,
    instructions,
    actions,
    unattended: SDK_RUNS_UNATTENDED,
    warnings,
  };
}

function readModel(py: PythonModule, call: Call, where: string, name: string, warnings: string[], context: Context): AgentDraft["model"] {
  const node = call.keywords.get("model");
  if (!node) {
    const fallback = sdkDefaultModel(py.file, lineOf(py, call.node.from));
    warnings.push(`${where}: agent "${name}": ${fallback.warning}`);
    return fallback.model;
  }
  const value = resolve(py, node, context.bindings);
  const line = lineOf(py, node.from);
  const wrapper = callOf(py, value);
  const literal = wrapper
    ? constantString(py, wrapper.keywords.get("model") ?? wrapper.positional[0] ?? wrapper.node, context.bindings)
    : constantString(py, value, context.bindings);
  if (literal === null) {
    const fallback = sdkDefaultModel(py.file, line);
    warnings.push(`${where}: agent "${name}": model ${textOf(py, node)} is computed at run time, not read; ${fallback.warning}`);
    return fallback.model;
  }
  const litellm = wrapper && calleeBase(wrapper) === "LitellmModel";
  return modelFromId(litellm ? `litellm/${literal}` : literal, { file: py.file, line, path: "model", how: "stated" });
}

function readInstructions(
  py: PythonModule,
  call: Call,
  where: string,
  name: string,
  warnings: string[],
  context: Context,
): AgentDraft["instructions"] {
  const node = call.keywords.get("instructions");
  if (!node) return [];
  const line = lineOf(py, node.from);
  let value = resolve(py, node, context.bindings);
  let prefix = "";
  const wrapper = callOf(py, value);
  if (wrapper && calleeBase(wrapper) === "prompt_with_handoff_instructions" && wrapper.positional[0]) {
    prefix = "{RECOMMENDED_PROMPT_PREFIX}\n";
    value = wrapper.positional[0];
  }
  const text = constantString(py, value, context.bindings, (imported) =>
    imported === "RECOMMENDED_PROMPT_PREFIX" ? "{RECOMMENDED_PROMPT_PREFIX}\n" : null,
  );
  if (text === null) {
    warnings.push(`${where}: agent "${name}": instructions ${textOf(py, node).slice(0, 60)} are computed at run time, not read`);
    return [];
  }
  if ((prefix + text).includes("{RECOMMENDED_PROMPT_PREFIX}"))
    warnings.push(`${where}: agent "${name}": the SDK's RECOMMENDED_PROMPT_PREFIX (handoff instructions) is kept as a placeholder`);
  return [
    {
      from: `Agent "${name}" instructions`,
      text: prefix + text,
      provenance: { file: py.file, line, path: "instructions", how: "stated" },
    },
  ];
}

function readTool(py: PythonModule, element: SyntaxNode, agent: string, warnings: string[], context: Context): FoundAction[] {
  const line = lineOf(py, element.from);
  const where = `${py.file}:${line}`;
  if (element.name === "VariableName") {
    const fnAt = findFunction(py, textOf(py, element), context.library);
    const decorator = fnAt?.fn.decorators.find((d) => d.name.split(".").pop() === "function_tool");
    if (fnAt && decorator) return [functionTool(fnAt, { py: fnAt.py, call: decorator.call }, warnings)];
  }
  const value = resolve(py, element, context.bindings);
  const call = callOf(py, value);
  const base = call ? calleeBase(call) : null;
  if (call && base === "function_tool" && call.positional[0]) {
    const fnAt = findFunction(py, textOf(py, call.positional[0]), context.library);
    if (fnAt) return [functionTool(fnAt, { py, call }, warnings)];
  }
  if (call && base === "HostedMCPTool") {
    const config = dictEntries(py, resolve(py, call.keywords.get("tool_config") ?? call.node, context.bindings));
    const read = (key: string) => {
      const node = config?.get(key);
      if (!node) return undefined;
      const list = listElements(node) ?? listElements(dictEntries(py, node)?.get("tool_names"));
      if (list) return list.map((n) => stringValue(py, n) ?? "");
      const nested = dictEntries(py, node);
      if (nested)
        return Object.fromEntries(
          [...nested].map(([k, v]) => [
            k,
            (listElements(dictEntries(py, v)?.get("tool_names")) ?? []).map((n) => stringValue(py, n) ?? ""),
          ]),
        );
      return stringValue(py, node) ?? textOf(py, node);
    };
    const toolset = hostedMcpToolset(
      {
        label: read("server_label"),
        url: read("server_url"),
        allowed: read("allowed_tools"),
        requireApproval: read("require_approval"),
        absentMeansNever: false,
      },
      py.file,
      line,
    );
    context.toolsets.push(toolset);
    warnings.push(`${where}: agent "${agent}": hosted MCP server "${toolset.system}" is imported as a toolset, not granted in the spec`);
    return [];
  }
  if (call && base && hostedTool(base, py.file, line)) return [hostedTool(base, py.file, line)!];
  if (call && base === "as_tool") {
    warnings.push(
      `${where}: agent "${agent}": agent-as-tool ${textOf(py, element)} is not an action; the agent it runs is imported on its own`,
    );
    return [];
  }
  warnings.push(`${where}: agent "${agent}": tool ${textOf(py, element).slice(0, 60)} is not defined in this file as a tool, not mapped`);
  return [];
}

/** `fnAt` is where the function is defined; `at` where it is made a tool (`@function_tool(...)` or `function_tool(fn, ...)`), perhaps another module. */
function functionTool(fnAt: ModuleFunction, at: { py: PythonModule; call: Call | null }, warnings: string[]): FoundAction {
  const { py, fn } = fnAt;
  const name = normaliseName(stringValue(at.py, at.call?.keywords.get("name_override")) ?? fn.name);
  const path = `@function_tool ${fn.name}`;
  const access = inferAccess(name, fn.docstring);
  const found = systemCalledBy(py, fn.body);
  const needs = at.call?.keywords.get("needs_approval");
  const stated = booleanValue(at.py, needs);
  const needsAt = needs ? { file: at.py.file, line: lineOf(at.py, needs.from), path: `${path} needs_approval` } : null;
  let approval: FoundAction["approval"] = "none";
  let approvalFrom: FoundAction["approvalFrom"];
  if (needsAt && stated !== null) {
    approval = stated ? "required" : "none";
    approvalFrom = { ...needsAt, how: "stated" };
  } else if (needsAt && needs) {
    const decider = textOf(at.py, needs);
    approvalFrom = { ...needsAt, how: "inferred", because: `decided at run time by ${decider}: counted as no approval` };
    warnings.push(`${needsAt.file}:${needsAt.line}: tool ${name}: needs_approval=${decider} decides at run time; counted as no approval`);
  } else {
    approvalFrom = {
      file: py.file,
      line: fn.line,
      path,
      how: "stated",
      because: "no needs_approval: the SDK runs the tool without asking",
    };
  }
  return {
    system: found?.system ?? "functions",
    name,
    access: access.access,
    approval,
    accessFrom: {
      file: py.file,
      line: fn.line,
      path,
      how: "inferred",
      because: found ? `${access.because}; ${found.because}` : access.because,
    },
    approvalFrom,
  };
}
