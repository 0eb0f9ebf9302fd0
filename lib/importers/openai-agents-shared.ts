import type { AgentDraft, FoundAction } from "./assemble";
import { inferAccess, modelOf, normaliseName, platformDefaultModel } from "./rules";
import type { ImportedToolset, Provenance } from "./types";

/** What the OpenAI Agents SDK means in both its languages: hosted tools, hosted MCP approval, models. */

/** Code decides who runs an SDK agent; nothing in the definition puts a person in the loop, so assume nobody (the safe side). */
export const SDK_RUNS_UNATTENDED = {
  value: true,
  because:
    "the source gives the agent no chat surface or person in the loop (the code that runs it decides), so it is taken to run unattended",
};

/** Hosted tools by their Python class or TypeScript factory name. */
const HOSTED: Record<string, { name: string; access: FoundAction["access"]; because: string }> = {
  WebSearchTool: { name: "web_search", access: "read", because: "hosted web search returns results to the agent" },
  FileSearchTool: { name: "file_search", access: "read", because: "hosted file search returns passages to the agent" },
  ImageGenerationTool: { name: "image_generation", access: "read", because: "hosted image generation returns an image to the agent" },
  CodeInterpreterTool: { name: "code_interpreter", access: "admin", because: "hosted code interpreter runs arbitrary code" },
  ComputerTool: { name: "computer_use", access: "admin", because: "computer use drives a whole computer" },
  LocalShellTool: { name: "shell", access: "admin", because: "a shell tool runs arbitrary commands" },
  ShellTool: { name: "shell", access: "admin", because: "a shell tool runs arbitrary commands" },
};

export function hostedTool(factory: string, file: string, line: number): FoundAction | null {
  const key = factory.charAt(0).toUpperCase() + factory.slice(1);
  const tool = HOSTED[key];
  if (!tool) return null;
  return {
    system: "openai",
    name: tool.name,
    access: tool.access,
    approval: "none",
    accessFrom: { file, line, path: factory, how: "stated", because: tool.because },
    approvalFrom: { file, line, path: factory, how: "stated", because: "the SDK asks nobody before a hosted tool call" },
  };
}

/** `gpt-4.1-2025-04-14` pinned, `gpt-4.1` floating; `litellm/anthropic/claude-…` names its provider. */
export function modelFromId(id: string, provenance: Provenance): AgentDraft["model"] {
  const parts = id.split("/");
  const [provider, name] = parts[0] === "litellm" && parts.length >= 3 ? [parts[1]!, parts.slice(2).join("/")] : ["openai", id];
  const value = modelOf(provider, name);
  return { value, provenance: value.version ? provenance : { ...provenance, because: "no dated snapshot: the model floats" } };
}

export function sdkDefaultModel(file: string, line: number): { model: AgentDraft["model"]; warning: string } {
  const fallback = platformDefaultModel("openai-agents");
  return {
    model: {
      value: fallback.model,
      provenance: { file, line, path: "model", how: "inferred", because: "no model named: the SDK's default model" },
    },
    warning: fallback.warning,
  };
}

/** A hosted MCP tool's settings as read from either language: strings, lists of tool names, or `{never|always: names}`. */
export type HostedMcpConfig = {
  label: unknown;
  url: unknown;
  allowed: unknown;
  requireApproval: unknown;
  /** The TypeScript SDK sends "never" when requireApproval is left out; Python passes tool_config as written, and the API then asks. */
  absentMeansNever: boolean;
};

export function hostedMcpToolset(config: HostedMcpConfig, file: string, line: number): ImportedToolset {
  const host = typeof config.url === "string" ? safeHost(config.url) : null;
  const system = normaliseName(typeof config.label === "string" ? config.label : (host ?? "")) || "mcp";
  const warnings: string[] = [];
  const names = Array.isArray(config.allowed) ? config.allowed.filter((n): n is string => typeof n === "string" && n !== "") : [];
  if (!names.length)
    warnings.push(`${file}:${line}: hosted MCP server "${system}" lists its tools at run time; import its tools/list to fill this toolset`);
  const policy = config.requireApproval;
  const approvalOf = (tool: string): { approval: FoundAction["approval"]; because: string } => {
    if (policy === "never") return { approval: "none", because: 'require_approval "never"' };
    if (policy === undefined)
      return config.absentMeansNever
        ? { approval: "none", because: 'no requireApproval: the SDK sends "never"' }
        : { approval: "required", because: "no require_approval: the Responses API asks before each call" };
    if (policy && typeof policy === "object" && !Array.isArray(policy)) {
      const lists = policy as Record<string, string[]>;
      if (lists.never?.includes(tool)) return { approval: "none", because: 'listed under require_approval "never"' };
      if (lists.always?.includes(tool)) return { approval: "required", because: 'listed under require_approval "always"' };
      return { approval: "required", because: "not listed under require_approval: the Responses API asks" };
    }
    return { approval: "required", because: `require_approval ${JSON.stringify(policy)}` };
  };
  const actions: ImportedToolset["actions"] = [];
  const provenance: ImportedToolset["provenance"] = {};
  for (const tool of names) {
    const name = normaliseName(tool);
    if (provenance[name]) continue;
    const access = inferAccess(name);
    const approval = approvalOf(tool);
    actions.push({ name, access: access.access, approval: approval.approval });
    provenance[name] = {
      access: { file, line, path: `${system}.allowed_tools.${tool}`, how: "inferred", because: access.because },
      approval: { file, line, path: `${system}.require_approval`, how: "stated", because: approval.because },
    };
  }
  return { system, actions, provenance, warnings };
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}
