import {
  readAgentforceFile,
  type AgentforceAction,
  type AgentforceBot,
  type AgentforceBotVersion,
  type AgentforcePlanner,
  type AgentforceTopic,
  type Located,
} from "./agentforce-metadata";
import { mapAction, mapScriptAction, resolveAction } from "./agentforce-actions";
import { readAgentScript, type ScriptAgent } from "./agentforce-script";
import { assembleAgent, type AgentDraft, type FoundAction } from "./assemble";
import { platformDefaultModel } from "./rules";
import { ImportError, type ImportedAgent, type Importer, type SourceFile } from "./types";

/**
 * Salesforce Agentforce: metadata from a source-format project (planner bundle or planner, topics, actions,
 * bots) and Agent Script `.agent` files, mapped per ../shared/IMPORTERS.md. Agentforce names no model (the
 * org's default serves it), actions run in the org unless they call an external service, and approval is
 * the action's `isConfirmationRequired`.
 */

const XML_SUFFIXES = [".xml", ".genAiPlannerBundle", ".genAiPlanner", ".genAiPlugin", ".genAiFunction", ".bot", ".botVersion"];
const AGENTFORCE_FOLDERS = ["genAiPlannerBundles", "genAiPlanners", "genAiPlugins", "genAiFunctions", "bots", "aiAuthoringBundles"];

const isXml = (path: string) => XML_SUFFIXES.some((s) => path.endsWith(s));
const inAgentforceFolder = (path: string) => path.split(/[\\/]/).some((part) => AGENTFORCE_FOLDERS.includes(part));

type Collected = {
  planners: AgentforcePlanner[];
  topics: Map<string, AgentforceTopic>;
  actions: Map<string, AgentforceAction>;
  bots: AgentforceBot[];
  versions: AgentforceBotVersion[];
  scripts: { file: string; agent: ScriptAgent; warnings: string[] }[];
  warnings: string[];
};

function collect(files: SourceFile[]): Collected {
  const c: Collected = { planners: [], topics: new Map(), actions: new Map(), bots: [], versions: [], scripts: [], warnings: [] };
  for (const file of files) {
    if (file.path.endsWith(".agent")) {
      const warnings: string[] = [];
      try {
        c.scripts.push({ file: file.path, agent: readAgentScript(file.path, file.content, warnings), warnings });
      } catch (error) {
        throw new ImportError(`${file.path}: ${(error as Error).message}`, file.path);
      }
    } else if (file.path.endsWith(".json") && inAgentforceFolder(file.path)) {
      try {
        JSON.parse(file.content);
      } catch {
        c.warnings.push(`${file.path}: action schema is not valid JSON: not read`);
      }
    } else if (isXml(file.path)) {
      const read = readAgentforceFile(file, c.warnings);
      if (read && "error" in read) {
        if (inAgentforceFolder(file.path)) throw new ImportError(`${file.path}: ${read.error}`, file.path);
        c.warnings.push(`${file.path}: ${read.error}: skipped`);
      } else if (!read) c.warnings.push(`${file.path}: not Agentforce metadata: skipped`);
      else if (read.kind === "planner") c.planners.push(read.planner);
      else if (read.kind === "topic") c.topics.set(read.topic.name, read.topic);
      else if (read.kind === "action") c.actions.set(read.action.name, read.action);
      else if (read.kind === "bot") c.bots.push(read.bot);
      else if (read.kind === "botVersion") c.versions.push(read.version);
    } else c.warnings.push(`${file.path}: not an Agentforce metadata or Agent Script file: skipped`);
  }
  return c;
}

export const salesforceAgentforceImporter: Importer = {
  platform: "salesforce-agentforce",
  detect(files) {
    return files.some((f) => {
      if (f.path.endsWith(".agent")) return true;
      if (!isXml(f.path)) return false;
      const read = readAgentforceFile(f, []);
      return read !== null && !("error" in read) && read.kind !== "authoringBundle";
    });
  },
  read(files) {
    if (files.length === 0) throw new ImportError("No files to import", null);
    const c = collect(files);
    if (c.planners.length === 0 && c.scripts.length === 0) {
      const first = files.find((f) => inAgentforceFolder(f.path)) ?? files[0]!;
      throw new ImportError(
        `${first.path}: no Agentforce planner (GenAiPlannerBundle, GenAiPlanner) or Agent Script (.agent) among the files`,
        first.path,
      );
    }
    for (const s of c.scripts)
      if (c.planners.some((p) => p.name === s.agent.name))
        c.warnings.push(
          `${s.file}: agent "${s.agent.name}" is also a planner among the files (a published Agent Script?): imported twice, once from each`,
        );
    warnUnused(c);
    const agents: ImportedAgent[] = [
      ...c.planners.map((p) => assembleAgent(plannerDraft(p, c))),
      ...c.scripts.map((s) => assembleAgent(scriptDraft(s.file, s.agent, s.warnings))),
    ];
    return { platform: "salesforce-agentforce", agents, toolsets: [], warnings: c.warnings };
  },
};

/** A topic or action file no planner uses belongs to no imported agent: say so rather than drop it quietly. */
function warnUnused(c: Collected) {
  const topicRefs = new Set(c.planners.flatMap((p) => p.topicRefs.map((r) => r.text)));
  for (const topic of c.topics.values())
    if (!topicRefs.has(topic.name))
      c.warnings.push(`${topic.file}: topic "${topic.name}" is used by no planner among the files: not imported`);
  const actionRefs = new Set([
    ...c.planners.flatMap((p) => [...p.actionRefs, ...p.localTopics.flatMap((t) => t.actionRefs)].map((r) => r.text)),
    ...[...c.topics.values()].filter((t) => topicRefs.has(t.name)).flatMap((t) => t.actionRefs.map((r) => r.text)),
  ]);
  for (const action of c.actions.values())
    if (!actionRefs.has(action.name))
      c.warnings.push(`${action.file}: action "${action.name}" is used by no topic or planner among the files: not imported`);
}

function floatingModel(file: string, line?: number): Pick<AgentDraft, "model"> & { warning: string } {
  const { model, warning } = platformDefaultModel("salesforce");
  return {
    model: { value: model, provenance: { file, line, how: "inferred", because: "no model named: platform default" } },
    warning: `${file}: ${warning}`,
  };
}

function plannerDraft(planner: AgentforcePlanner, c: Collected): AgentDraft {
  const warnings: string[] = [];
  const version = c.versions.find((v) => v.planners.some((p) => p.text === planner.name));
  const bot = version && c.bots.find((b) => b.name === version.bot);
  const { model, warning } = floatingModel(planner.file, planner.line);
  warnings.push(warning);
  if (bot?.runAs?.text)
    warnings.push(`${bot.file}: Bot.botUser ${bot.runAs.text} (line ${bot.runAs.line}), the user the agent runs as, is not mapped`);

  const instructions: AgentDraft["instructions"] = [];
  // The planner's description is what the reasoning engine is given; the Bot's is what people read in Setup.
  if (planner.description?.text) instructions.push(part("Agent description", planner.file, planner.description, "description"));
  const description = bot?.description?.text || planner.description?.text || "";

  const actions: FoundAction[] = [];
  const topics: AgentforceTopic[] = [...planner.localTopics];
  for (const ref of planner.topicRefs) {
    const topic = topics.find((t) => t.name === ref.text) ?? c.topics.get(ref.text);
    if (!topic)
      warnings.push(
        `${planner.file}: topic "${ref.text}" (line ${ref.line}) is not among the files (a standard topic?): its instructions and actions are not mapped`,
      );
    else if (!topics.includes(topic)) topics.push(topic);
  }
  for (const topic of topics) {
    const where = `Topic ${topic.label}`;
    if (topic.scope?.text) instructions.push(part(`${where}: scope`, topic.file, topic.scope, `${topic.name}.scope`));
    topic.instructions.forEach((ins, i) =>
      instructions.push(part(`${where}: instruction ${i + 1}`, topic.file, ins, `${topic.name}.genAiPluginInstructions`)),
    );
    for (const ref of topic.actionRefs) actions.push(resolveAction(ref, topic.localActions, c.actions, topic.file, warnings));
    for (const local of topic.localActions)
      if (!topic.actionRefs.some((r) => r.text === local.name)) actions.push(mapAction(local, warnings));
  }
  for (const ref of planner.actionRefs) actions.push(resolveAction(ref, planner.plannerActions, c.actions, planner.file, warnings));
  for (const local of planner.plannerActions)
    if (!planner.actionRefs.some((r) => r.text === local.name)) actions.push(mapAction(local, warnings));

  return {
    name: bot?.label ?? planner.label,
    description,
    platform: "salesforce-agentforce",
    model,
    instructions,
    actions,
    unattended: plannerAttendance(planner, bot, warnings),
    file: planner.file,
    warnings,
  };
}

function part(from: string, file: string, at: Located, path: string): AgentDraft["instructions"][number] {
  return { from, text: at.text, provenance: { file, line: at.line, path, how: "stated" } };
}

/** An Agentforce agent converses with a person when a Bot or a planner surface (messaging, web chat) carries it. */
function plannerAttendance(planner: AgentforcePlanner, bot: AgentforceBot | undefined, warnings: string[]): AgentDraft["unattended"] {
  if (bot) {
    const type = bot.type?.text || "agent";
    return {
      value: false,
      because: `Bot ${bot.name} (${type}) converses with a person`,
      at: { file: bot.file, line: bot.type?.line, path: "Bot.type" },
    };
  }
  if (planner.surfaces.length) {
    const s = planner.surfaces[0]!;
    return {
      value: false,
      because: `surface ${s.text} converses with a person`,
      at: { file: planner.file, line: s.line, path: "plannerSurfaces" },
    };
  }
  warnings.push(
    `${planner.file}: no Bot or planner surface names how "${planner.name}" is reached: treated as running with nobody in the loop`,
  );
  return {
    value: true,
    because: "no Bot or surface among the files: nobody is known to be in the loop",
    at: {
      file: planner.file,
      line: planner.line,
    },
  };
}

function scriptDraft(file: string, agent: ScriptAgent, scriptWarnings: string[]): AgentDraft {
  const warnings = [...scriptWarnings];
  const { model, warning } = floatingModel(file);
  warnings.push(warning);
  const instructions: AgentDraft["instructions"] = [];
  if (agent.description?.text) instructions.push(part("Agent description", file, agent.description, "config.description"));
  if (agent.instructions?.text) instructions.push(part("System instructions", file, agent.instructions, "system.instructions"));
  const actions: FoundAction[] = [];
  for (const topic of agent.topics) {
    if (topic.description?.text)
      instructions.push(part(`Topic ${topic.name}: description`, file, topic.description, `${topic.name}.description`));
    topic.instructions.forEach((ins) =>
      instructions.push(part(`Topic ${topic.name}: instructions`, file, ins, `${topic.name}.reasoning.instructions`)),
    );
    for (const action of topic.actions) actions.push(mapScriptAction(file, action, warnings));
  }
  const unattended: AgentDraft["unattended"] = agent.agentType?.text
    ? {
        value: false,
        because: `${agent.agentType.text} converses with a person`,
        at: { file, line: agent.agentType.line, path: "config.agent_type" },
      }
    : {
        value: true,
        because: "no agent_type states a conversation: nobody is known to be in the loop",
        at: { file },
      };
  if (!agent.agentType?.text) warnings.push(`${file}: config.agent_type is not stated: treated as running with nobody in the loop`);
  return {
    name: agent.label,
    description: agent.description?.text ?? "",
    platform: "salesforce-agentforce",
    model,
    instructions,
    actions,
    unattended,
    file,
    warnings,
  };
}
