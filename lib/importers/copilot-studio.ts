import type { AgentSpec } from "@/lib/domain/spec";
import { readAction, readKnowledge, readTopic, readTrigger } from "./copilot-studio-components";
import { at, isRecord, kindOf, parseYaml, text, type AgentBuild, type Path, type Yaml } from "./copilot-studio-yaml";
import { modelOf, platformDefaultModel } from "./rules";
import { assembleAgent } from "./assemble";
import { baseName, folderOf } from "./paths";
import { ImportError, type ImportedAgent, type ImportedToolset, type Importer, type Provenance, type SourceFile } from "./types";

/**
 * Copilot Studio agents as the VS Code extension clones them (IMPORTERS.md, "Copilot Studio"): `agent.mcs.yml`
 * (instructions, model hint, built-in capabilities), `settings.mcs.yml`, `actions/*.mcs.yml` (tools: TaskDialog)
 * `topics/*.mcs.yml` (AdaptiveDialog), `knowledge/*.mcs.yml` (read) and `trigger/*.mcs.yml` (unattended). Connector operations become actions on the connector; an MCP server
 * becomes a toolset, whose tools are only known from its own `tools/list`.
 */

/** `GPT4o`, `GPT41`, `Sonnet45`: the provider is read from the hint's family. */
function providerOfHint(hint: string): string {
  if (/gpt|^o\d/i.test(hint)) return "openai";
  if (/claude|sonnet|opus|haiku/i.test(hint)) return "anthropic";
  return "microsoft";
}

const AGENT_KINDS = new Set(["GptComponentMetadata"]);
const ACTION_KINDS = new Set(["TaskDialog"]);
const TOPIC_KINDS = new Set(["AdaptiveDialog"]);
const KNOWLEDGE_KINDS = new Set(["KnowledgeSourceConfiguration"]);
const TRIGGER_KINDS = new Set(["ExternalTriggerConfiguration"]);
type AgentFiles = { root: string; agent?: Yaml; settings?: Yaml; actions: Yaml[]; topics: Yaml[]; knowledge: Yaml[]; triggers: Yaml[] };

function groupByAgent(files: Yaml[], warnings: string[]): AgentFiles[] {
  const roots = files.filter((y) => ["agent.mcs.yml", "settings.mcs.yml"].includes(baseName(y.file))).map((y) => folderOf(y.file));
  const unique = [...new Set(roots)].sort((a, b) => b.length - a.length);
  const groups = new Map<string, AgentFiles>(unique.map((root) => [root, { root, actions: [], topics: [], knowledge: [], triggers: [] }]));
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
    else if (KNOWLEDGE_KINDS.has(kindOf(y))) group.knowledge.push(y);
    else if (TRIGGER_KINDS.has(kindOf(y))) group.triggers.push(y);
    else warnings.push(`${y.file}: component kind "${kindOf(y) || "none"}" is not mapped`);
  }
  return [...groups.values()].sort((a, b) => a.root.localeCompare(b.root));
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
  for (const y of group.knowledge) readKnowledge(y, build);
  // Triggers first, so an unattended agent's autonomy points at the trigger rather than a topic it starts.
  for (const y of group.triggers) readTrigger(y, build);
  for (const y of group.topics) readTopic(y, build);

  for (const toolset of build.toolsets) build.warnings.push(...toolset.warnings);
  const unattended = build.unattended
    ? { value: true, because: build.unattended.because, at: build.unattended }
    : { value: false, because: "topics start from a chat with a person" };
  const imported = assembleAgent({
    name,
    description,
    platform: "copilot-studio",
    file: main.file,
    model: { value: model, provenance: modelFrom },
    instructions: build.instructions,
    actions: build.found,
    unattended,
    warnings: build.warnings,
  });
  return { agent: imported, toolsets: build.toolsets };
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
