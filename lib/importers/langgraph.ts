import { posix } from "node:path";
import { assembleAgent, type AgentDraft, type FoundAction } from "./assemble";
import {
  GRAPH_RUNS_UNATTENDED,
  graphApproval,
  graphModule,
  readAgentCall,
  readModel,
  readPrompt,
  readTools,
  type GraphModule,
} from "./langgraph-agents";
import {
  callOf,
  calleeBase,
  callsWithin,
  lineOf,
  listElements,
  parsePython,
  pythonFiles,
  resolve,
  stringValue,
  textOf,
  type Call,
} from "./python-source";
import { ImportError, type Importer, type SourceFile } from "./types";

/**
 * LangGraph from `langgraph.json` (graphs: name → "./path.py:variable") and the Python modules it names:
 * prebuilt agents, supervisors, and the tools and model of a hand-built StateGraph.
 */

const isConfig = (file: SourceFile) => posix.basename(file.path.replace(/\\/g, "/")) === "langgraph.json";

function graphsOf(config: SourceFile): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.content);
  } catch (error) {
    throw new ImportError(`${config.path}: not valid JSON (${error instanceof Error ? error.message : "unreadable"})`, config.path);
  }
  const graphs = (parsed as { graphs?: unknown } | null)?.graphs;
  if (!graphs || typeof graphs !== "object" || Array.isArray(graphs))
    throw new ImportError(`${config.path}: not a LangGraph configuration (no "graphs" object)`, config.path);
  return graphs as Record<string, unknown>;
}

export const langGraphImporter: Importer = {
  platform: "langgraph",
  detect: (files) =>
    files.some((f) => {
      if (!isConfig(f)) return false;
      try {
        graphsOf(f);
        return true;
      } catch {
        return false;
      }
    }),
  read(files) {
    const configs = files.filter(isConfig);
    if (!configs.length)
      throw new ImportError(
        `${files.map((f) => f.path).join(", ") || "no files"}: no langgraph.json among the files`,
        files.length === 1 ? files[0]!.path : null,
      );
    const warnings: string[] = [];
    const drafts: AgentDraft[] = [];
    const modules = new Map<string, GraphModule>();
    const library = pythonFiles(files);
    for (const config of configs) {
      for (const [graphName, entry] of Object.entries(graphsOf(config))) {
        const where = `${config.path}: graphs.${graphName}`;
        const target = typeof entry === "string" ? entry : (entry as { path?: unknown } | null)?.path;
        if (typeof target !== "string" || !target.includes(":")) {
          warnings.push(`${where} is not "./module.py:variable", not read`);
          continue;
        }
        const [modulePath, variable] = [target.slice(0, target.lastIndexOf(":")), target.slice(target.lastIndexOf(":") + 1)];
        if (!modulePath.endsWith(".py")) {
          warnings.push(`${where}: ${modulePath} is not a Python module; only Python graphs are read`);
          continue;
        }
        const wanted = posix.normalize(posix.join(posix.dirname(config.path.replace(/\\/g, "/")), modulePath));
        const file = files.find((f) => posix.normalize(f.path.replace(/\\/g, "/")) === wanted);
        if (!file) {
          warnings.push(`${where}: module ${modulePath} is not among the files, not read`);
          continue;
        }
        if (!modules.has(file.path)) modules.set(file.path, graphModule(parsePython(file), library));
        const read = readGraph(modules.get(file.path)!, variable, graphName, warnings);
        const description = typeof entry === "object" ? (entry as { description?: unknown } | null)?.description : undefined;
        if (read[0] && typeof description === "string") read[0].description = description;
        drafts.push(...read);
      }
    }
    if (!drafts.length)
      throw new ImportError(`${configs.map((c) => c.path).join(", ")}: no graph could be read (see the graph entries)`, configs[0]!.path);
    return { platform: "langgraph", agents: drafts.map(assembleAgent), toolsets: [], warnings };
  },
};

function readGraph(graph: GraphModule, variable: string, graphName: string, warnings: string[]): AgentDraft[] {
  const { py } = graph;
  const bound = graph.bindings.get(variable);
  if (!bound) {
    warnings.push(
      `${py.file}: graph "${graphName}": ${variable} is not a module-level assignment (a function or @entrypoint graph is not read)`,
    );
    return [];
  }
  let call = callOf(py, resolve(py, bound, graph.bindings));
  let compile: Call | null = null;
  if (call && calleeBase(call) === "compile" && call.node.firstChild?.name === "MemberExpression") {
    compile = call;
    call = callOf(py, resolve(py, call.node.firstChild.firstChild!, graph.bindings));
  }
  const base = call ? calleeBase(call) : null;
  if (call && (base === "create_react_agent" || base === "create_agent")) return [readAgentCall(graph, call, graphName)];
  if (call && base === "create_supervisor") return readSupervisor(graph, call, compile, graphName);
  if (call && base === "StateGraph") return [readStateGraph(graph, compile, graphName)];
  warnings.push(
    `${py.file}:${lineOf(py, bound.from)}: graph "${graphName}": ${textOf(py, bound).slice(0, 60)} is not a graph this importer reads`,
  );
  return [];
}

/** `create_supervisor([agents], model=..., prompt=...)`: the supervisor and each agent it manages, imported on its own. */
function readSupervisor(graph: GraphModule, call: Call, compile: Call | null, graphName: string): AgentDraft[] {
  const { py } = graph;
  const line = lineOf(py, call.node.from);
  const name = stringValue(py, call.keywords.get("supervisor_name")) ?? graphName;
  const where = `${py.file}:${line}: agent "${name}"`;
  const warnings: string[] = [];
  const managed: AgentDraft[] = [];
  const agentsNode = call.keywords.get("agents") ?? call.positional[0];
  const list = (agentsNode && listElements(resolve(py, agentsNode, graph.bindings))) || [];
  for (const element of list) {
    const agentCall = callOf(py, resolve(py, element, graph.bindings));
    const kind = agentCall ? calleeBase(agentCall) : null;
    if (agentCall && (kind === "create_react_agent" || kind === "create_agent")) {
      const draft = readAgentCall(graph, agentCall, textOf(py, element));
      managed.push(draft);
      warnings.push(`${where} hands off to "${draft.name}" (imported as its own agent); a handoff is not an action in the spec`);
    } else warnings.push(`${where} hands off to ${textOf(py, element)} (not defined in this file), not read`);
  }
  const approval = graphApproval(graph, compile ?? call);
  const supervisor: AgentDraft = {
    name,
    description: "",
    platform: "langgraph",
    file: py.file,
    line,
    model: readModel(graph, call.keywords.get("model"), where, warnings),
    instructions: readPrompt(graph, call.keywords.get("prompt"), `Supervisor "${name}" prompt`, where, warnings),
    actions: readTools(graph, call.keywords.get("tools"), name, approval, warnings),
    unattended: GRAPH_RUNS_UNATTENDED,
    warnings,
  };
  return [supervisor, ...managed];
}

/** A hand-built StateGraph: its flow is code; its tools (ToolNode, bind_tools) and chat model are what can be read. */
function readStateGraph(graph: GraphModule, compile: Call | null, graphName: string): AgentDraft {
  const { py } = graph;
  const calls = callsWithin(py, py.tree.topNode);
  const line = compile ? lineOf(py, compile.node.from) : 1;
  const where = `${py.file}:${line}: agent "${graphName}"`;
  const warnings = [`${where}: a hand-built StateGraph; its nodes and edges are code, only its tools, model and system message are read`];
  const approval = graphApproval(graph, compile ?? { callee: null, node: py.tree.topNode, positional: [], keywords: new Map() });
  const actions: FoundAction[] = [];
  const toolLists = calls.filter((c) => calleeBase(c) === "ToolNode" || calleeBase(c) === "bind_tools");
  for (const list of toolLists) {
    for (const action of readTools(graph, list.keywords.get("tools") ?? list.positional[0], graphName, approval, warnings))
      if (!actions.some((a) => a.system === action.system && a.name === action.name)) actions.push(action);
  }
  const bindTools = calls.find((c) => calleeBase(c) === "bind_tools");
  const chatModel = bindTools ?? calls.find((c) => calleeBase(c) === "init_chat_model" || /^(Azure)?Chat[A-Z]/.test(calleeBase(c) ?? ""));
  const system = calls.find((c) => calleeBase(c) === "SystemMessage");
  return {
    name: graphName,
    description: "",
    platform: "langgraph",
    file: py.file,
    line,
    model: readModel(graph, chatModel?.node, where, warnings),
    instructions: readPrompt(graph, system?.node, `Graph "${graphName}" system message`, where, warnings),
    actions,
    unattended: GRAPH_RUNS_UNATTENDED,
    warnings,
  };
}
