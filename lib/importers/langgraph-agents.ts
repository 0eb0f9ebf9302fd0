import type { SyntaxNode } from "@lezer/common";
import type { AgentDraft, FoundAction } from "./assemble";
import {
  assignmentsOf,
  booleanValue,
  callOf,
  calleeBase,
  callsWithin,
  constantString,
  dictEntries,
  findFunction,
  lineOf,
  listElements,
  resolve,
  stringValue,
  systemCalledBy,
  textOf,
  type Call,
  type ModuleFunction,
  type PythonFiles,
  type PythonModule,
} from "./python-source";
import { inferAccess, modelOf, normaliseName, platformDefaultModel } from "./rules";
import type { Provenance } from "./types";

/** Reading one LangGraph agent (`create_react_agent`, `create_agent`, `create_supervisor`) from a graph module. */

/** A graph module, with the other Python files so tools imported from a sibling module are found. */
export type GraphModule = { py: PythonModule; bindings: Map<string, SyntaxNode>; library: PythonFiles };

export function graphModule(py: PythonModule, library: PythonFiles): GraphModule {
  return { py, bindings: assignmentsOf(py), library };
}

/** A deployed graph is called through the LangGraph API; nothing in the definition puts a person in the loop. */
export const GRAPH_RUNS_UNATTENDED = {
  value: true,
  because:
    "the graph is run through its API with no chat surface or person in the loop in the definition, so it is taken to run unattended",
};

const CHAT_MODEL_PROVIDERS: Record<string, string> = {
  ChatOpenAI: "openai",
  AzureChatOpenAI: "azure_openai",
  ChatAnthropic: "anthropic",
  ChatGoogleGenerativeAI: "google_genai",
  ChatVertexAI: "google_vertexai",
  ChatBedrock: "bedrock",
  ChatBedrockConverse: "bedrock",
  ChatMistralAI: "mistralai",
  ChatOllama: "ollama",
  ChatGroq: "groq",
};

/** Community tools whose kind is plain from their class: they return results to the agent. */
const KNOWN_TOOLS: Record<string, { system: string; name: string }> = {
  TavilySearch: { system: "tavily", name: "search" },
  TavilySearchResults: { system: "tavily", name: "search" },
  DuckDuckGoSearchRun: { system: "duckduckgo", name: "search" },
  WikipediaQueryRun: { system: "wikipedia", name: "query" },
};

/** The provider a bare model id belongs to, when `init_chat_model` is not told (as LangChain itself guesses). */
function providerOfBareId(id: string): string | null {
  if (/^(gpt-|o1|o3|o4|chatgpt)/.test(id)) return "openai";
  if (id.startsWith("claude")) return "anthropic";
  if (id.startsWith("gemini")) return "google_genai";
  if (id.startsWith("mistral")) return "mistralai";
  return null;
}

/** `"openai:gpt-4o"`, `init_chat_model(...)`, `ChatOpenAI(model=...)`, or a name bound to one (also through `.bind_tools(...)`). */
export function readModel(graph: GraphModule, node: SyntaxNode | undefined, where: string, warnings: string[]): AgentDraft["model"] {
  const { py } = graph;
  const fallback = (why: string): AgentDraft["model"] => {
    const platform = platformDefaultModel("langgraph");
    warnings.push(`${where}: ${why}; ${platform.warning}`);
    return {
      value: platform.model,
      provenance: { file: py.file, line: node ? lineOf(py, node.from) : undefined, how: "inferred", because: why },
    };
  };
  if (!node) return fallback("no model is given");
  let value = resolve(py, node, graph.bindings);
  // `model.bind_tools(tools)` is the model itself with tools attached.
  for (let hop = 0; hop < 3; hop++) {
    const call = callOf(py, value);
    const member = call?.node.firstChild;
    if (!call || member?.name !== "MemberExpression" || calleeBase(call) !== "bind_tools") break;
    value = resolve(py, member.firstChild!, graph.bindings);
  }
  const provenance: Provenance = { file: py.file, line: lineOf(py, value.from), path: "model", how: "stated" };
  const text = constantString(py, value, graph.bindings);
  const call = callOf(py, value);
  let provider: string | null = null;
  let id: string | null = text;
  if (call && calleeBase(call) === "init_chat_model") {
    id = constantString(py, call.keywords.get("model") ?? call.positional[0] ?? call.node, graph.bindings);
    provider = constantString(py, call.keywords.get("model_provider") ?? call.node, graph.bindings);
  } else if (call && CHAT_MODEL_PROVIDERS[calleeBase(call) ?? ""]) {
    provider = CHAT_MODEL_PROVIDERS[calleeBase(call)!]!;
    const idNode = ["model", "model_name", "model_id", "azure_deployment"].map((k) => call.keywords.get(k)).find(Boolean);
    id = idNode ? constantString(py, idNode, graph.bindings) : null;
  }
  if (id === null) return fallback(`model ${textOf(py, node).slice(0, 60)} is not a literal`);
  if (!provider && id.includes(":")) [provider, id] = [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)];
  if (!provider) {
    provider = providerOfBareId(id) ?? "unknown";
    provenance.how = "inferred";
    provenance.because = `no provider named: guessed from the model id "${id}"`;
  }
  const model = modelOf(provider, id);
  if (!model.version && !provenance.because) provenance.because = "no dated snapshot: the model floats";
  return { value: model, provenance };
}

/** How approval is asked outside the tool itself: `interrupt_before=["tools"]`, or `HumanInTheLoopMiddleware(interrupt_on=...)`. */
export type GraphApproval = {
  beforeTools: Provenance | null;
  perTool: Map<string, { required: boolean; provenance: Provenance }>;
};

export function graphApproval(graph: GraphModule, call: Call): GraphApproval {
  const { py } = graph;
  const beforeNode = call.keywords.get("interrupt_before");
  const before = listElements(beforeNode ? resolve(py, beforeNode, graph.bindings) : null) ?? [];
  const beforeTools = before.some((n) => stringValue(py, n) === "tools")
    ? {
        file: py.file,
        line: lineOf(py, beforeNode!.from),
        path: "interrupt_before",
        how: "stated" as const,
        because: 'interrupt_before ["tools"]',
      }
    : null;
  const perTool = new Map<string, { required: boolean; provenance: Provenance }>();
  const middleware = call.keywords.get("middleware");
  for (const element of listElements(middleware ? resolve(py, middleware, graph.bindings) : null) ?? []) {
    const hitl = callOf(py, resolve(py, element, graph.bindings));
    if (!hitl || calleeBase(hitl) !== "HumanInTheLoopMiddleware") continue;
    const on = hitl.keywords.get("interrupt_on");
    for (const [tool, setting] of dictEntries(py, on ? resolve(py, on, graph.bindings) : null) ?? []) {
      const required = booleanValue(py, setting) !== false;
      perTool.set(tool, {
        required,
        provenance: {
          file: py.file,
          line: lineOf(py, setting.from),
          path: `interrupt_on.${tool}`,
          how: "stated",
          because: "HumanInTheLoopMiddleware",
        },
      });
    }
  }
  return { beforeTools, perTool };
}

export function readTools(
  graph: GraphModule,
  node: SyntaxNode | undefined,
  agent: string,
  approval: GraphApproval,
  warnings: string[],
): FoundAction[] {
  const { py } = graph;
  if (!node) return [];
  const list = listElements(resolve(py, node, graph.bindings));
  if (!list) {
    warnings.push(
      `${py.file}:${lineOf(py, node.from)}: agent "${agent}": tools ${textOf(py, node).slice(0, 60)} are not a literal list, not read`,
    );
    return [];
  }
  const out: FoundAction[] = [];
  for (const element of list) {
    const line = lineOf(py, element.from);
    // A plain function is a tool too: the prebuilt agents wrap it as @tool would.
    const fnAt = element.name === "VariableName" ? findFunction(py, textOf(py, element), graph.library) : null;
    if (fnAt) {
      const decorator = fnAt.fn.decorators.find((d) => d.name.split(".").pop() === "tool");
      out.push(toolFunction(graph, fnAt, decorator?.call ?? null, approval, warnings));
      continue;
    }
    const call = callOf(py, resolve(py, element, graph.bindings));
    const known = call ? KNOWN_TOOLS[calleeBase(call) ?? ""] : undefined;
    if (known) {
      const path = calleeBase(call!)!;
      out.push(
        withApproval(graph, known.name, approval, {
          system: known.system,
          name: known.name,
          access: "read",
          approval: "none",
          accessFrom: { file: py.file, line, path, how: "stated", because: `${path} returns search results to the agent` },
          approvalFrom: { file: py.file, line, path, how: "stated", because: "no interrupt before the call" },
        }),
      );
      continue;
    }
    warnings.push(
      `${py.file}:${line}: agent "${agent}": tool ${textOf(py, element).slice(0, 60)} is not a tool function in this file, not mapped`,
    );
  }
  return out;
}

function toolFunction(
  graph: GraphModule,
  { py, fn }: ModuleFunction,
  decorator: Call | null,
  approval: GraphApproval,
  warnings: string[],
): FoundAction {
  const name = normaliseName(stringValue(py, decorator?.positional[0]) ?? fn.name);
  const path = `@tool ${fn.name}`;
  const access = inferAccess(name, fn.docstring);
  const found = systemCalledBy(py, fn.body);
  const interrupt = callsWithin(py, fn.body).find((c) => calleeBase(c) === "interrupt");
  const action: FoundAction = {
    system: found?.system ?? "functions",
    name,
    access: access.access,
    approval: "none",
    accessFrom: {
      file: py.file,
      line: fn.line,
      path,
      how: "inferred",
      because: found ? `${access.because}; ${found.because}` : access.because,
    },
    approvalFrom: { file: py.file, line: fn.line, path, how: "stated", because: "no interrupt before the call" },
  };
  if (interrupt) {
    const line = lineOf(py, interrupt.node.from);
    if (!found || interrupt.node.from < found.at) {
      action.approval = "required";
      action.approvalFrom = {
        file: py.file,
        line,
        path: `${path} interrupt`,
        how: "stated",
        because: "interrupt(...) before the tool acts",
      };
    } else {
      warnings.push(`${py.file}:${line}: tool ${name}: interrupt(...) comes after the tool has acted; not counted as approval`);
      action.approvalFrom = {
        file: py.file,
        line,
        path: `${path} interrupt`,
        how: "stated",
        because: "interrupt(...) only after the tool acts",
      };
    }
  }
  return withApproval(graph, name, approval, action);
}

function withApproval(graph: GraphModule, name: string, approval: GraphApproval, action: FoundAction): FoundAction {
  if (action.approval === "required") return action;
  const middleware = approval.perTool.get(name);
  if (middleware?.required) return { ...action, approval: "required", approvalFrom: middleware.provenance };
  if (approval.beforeTools) return { ...action, approval: "required", approvalFrom: approval.beforeTools };
  if (middleware) return { ...action, approvalFrom: middleware.provenance };
  return action;
}

export function readPrompt(
  graph: GraphModule,
  node: SyntaxNode | undefined,
  from: string,
  where: string,
  warnings: string[],
): AgentDraft["instructions"] {
  const { py } = graph;
  if (!node) return [];
  let value = resolve(py, node, graph.bindings);
  const message = callOf(py, value);
  if (message && calleeBase(message) === "SystemMessage") value = message.keywords.get("content") ?? message.positional[0] ?? value;
  const text = constantString(py, value, graph.bindings);
  if (text === null) {
    warnings.push(`${where}: the prompt ${textOf(py, node).slice(0, 60)} is computed at run time, not read`);
    return [];
  }
  return [{ from, text, provenance: { file: py.file, line: lineOf(py, node.from), path: "prompt", how: "stated" } }];
}

/** `create_react_agent(model, tools, prompt=...)` (langgraph.prebuilt) or `create_agent(model, tools, system_prompt=...)` (langchain v1). */
export function readAgentCall(graph: GraphModule, call: Call, fallbackName: string): AgentDraft {
  const { py } = graph;
  const line = lineOf(py, call.node.from);
  const name = stringValue(py, call.keywords.get("name")) ?? fallbackName;
  const where = `${py.file}:${line}: agent "${name}"`;
  const warnings: string[] = [];
  const mapped = new Set(["model", "tools", "prompt", "system_prompt", "name", "interrupt_before", "middleware", "checkpointer"]);
  for (const keyword of call.keywords.keys()) if (!mapped.has(keyword)) warnings.push(`${where}: ${keyword}= is not mapped to the spec`);
  const approval = graphApproval(graph, call);
  return {
    name,
    description: "",
    platform: "langgraph",
    file: py.file,
    line,
    model: readModel(graph, call.keywords.get("model") ?? call.positional[0], where, warnings),
    instructions: readPrompt(
      graph,
      call.keywords.get("prompt") ?? call.keywords.get("system_prompt"),
      `Agent "${name}" prompt`,
      where,
      warnings,
    ),
    actions: readTools(graph, call.keywords.get("tools") ?? call.positional[1], name, approval, warnings),
    unattended: GRAPH_RUNS_UNATTENDED,
    warnings,
  };
}
