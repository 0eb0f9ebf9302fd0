import type { SourceFile } from "./types";
import { parseXml, XmlDoc, type XmlElement } from "./xml-document";

/**
 * Agentforce metadata as read from a source-format project: planners (GenAiPlannerBundle, or GenAiPlanner
 * before API 64), topics (GenAiPlugin), actions (GenAiFunction) and the Bot / BotVersion that surface them.
 * Only reading happens here; the mapping to a spec is in salesforce-agentforce.ts.
 */

export type Located = { text: string; line: number };

export type AgentforceAction = {
  name: string;
  label: string;
  description: string;
  targetType: Located | undefined;
  target: Located | undefined;
  confirmation: Located | undefined;
  file: string;
  line: number;
  /** The XML path of the action inside its file, for provenance. */
  path: string;
};

export type AgentforceTopic = {
  name: string;
  label: string;
  file: string;
  line: number;
  description: Located | undefined;
  scope: Located | undefined;
  instructions: (Located & { order: number })[];
  actionRefs: Located[];
  localActions: AgentforceAction[];
};

export type AgentforcePlanner = {
  kind: "GenAiPlannerBundle" | "GenAiPlanner";
  name: string;
  label: string;
  description: Located | undefined;
  file: string;
  line: number;
  topicRefs: Located[];
  actionRefs: Located[];
  localTopics: AgentforceTopic[];
  plannerActions: AgentforceAction[];
  surfaces: Located[];
};

export type AgentforceBot = {
  name: string;
  label: string;
  description: Located | undefined;
  type: Located | undefined;
  /** The user the agent runs as (`botUser`). */
  runAs: Located | undefined;
  file: string;
};
export type AgentforceBotVersion = { bot: string; planners: Located[]; file: string };

export type AgentforceMetadata =
  | { kind: "planner"; planner: AgentforcePlanner }
  | { kind: "topic"; topic: AgentforceTopic }
  | { kind: "action"; action: AgentforceAction }
  | { kind: "bot"; bot: AgentforceBot }
  | { kind: "botVersion"; version: AgentforceBotVersion }
  | { kind: "authoringBundle"; file: string };

/** Elements read (or deliberately left aside as not bearing on authority) per metadata type; others are warned about. */
const KNOWN = {
  planner: [
    "description",
    "masterLabel",
    "developerName",
    "fullName",
    "plannerType",
    "genAiPlugins",
    "genAiFunctions",
    "localTopics",
    "localTopicLinks",
    "localActionLinks",
    "plannerActions",
    "plannerSurfaces",
    "capabilities",
    "language",
    "attributeMappings",
    "ruleExpressions",
    "ruleExpressionAssignments",
    "botTemplate",
    "agentType",
  ],
  topic: [
    "description",
    "masterLabel",
    "developerName",
    "fullName",
    "localDeveloperName",
    "language",
    "pluginType",
    "scope",
    "canEscalate",
    "genAiFunctions",
    "genAiPluginInstructions",
    "localActions",
    "localActionLinks",
    "aiPluginUtterances",
    "source",
  ],
  action: [
    "description",
    "masterLabel",
    "developerName",
    "fullName",
    "localDeveloperName",
    "invocationTarget",
    "invocationTargetType",
    "isConfirmationRequired",
    "isIncludeInProgressIndicator",
    "progressIndicatorMessage",
    "source",
    "mappingAttributes",
  ],
} satisfies Record<string, string[]>;

/** The component name a metadata file stands for: `genAiFunctions/Issue_Credit/Issue_Credit.genAiFunction-meta.xml` → `Issue_Credit`. */
export function componentName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.split(".")[0] ?? base;
}

function folderOf(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts.at(-2) ?? "";
}

/** Reads one metadata file; `null` when it is XML of another kind, an error message when it is not XML at all. */
export function readAgentforceFile(file: SourceFile, warnings: string[]): AgentforceMetadata | null | { error: string } {
  const parsed = parseXml(file.content);
  if (!parsed.ok) return { error: parsed.reason };
  const doc = new XmlDoc(file.content, parsed.root);
  const root = parsed.root;
  const name = doc.value(root, "developerName")?.text || doc.value(root, "fullName")?.text || componentName(file.path);
  switch (root.name) {
    case "GenAiPlannerBundle":
    case "GenAiPlanner":
      warnUnknown(doc, root, KNOWN.planner, file.path, root.name, warnings);
      return { kind: "planner", planner: readPlanner(doc, root, file.path, name, warnings) };
    case "GenAiPlugin":
      warnUnknown(doc, root, KNOWN.topic, file.path, root.name, warnings);
      return { kind: "topic", topic: readTopic(doc, root, file.path, name, "GenAiPlugin", warnings) };
    case "GenAiFunction":
      warnUnknown(doc, root, KNOWN.action, file.path, root.name, warnings);
      return { kind: "action", action: readAction(doc, root, file.path, name, "GenAiFunction") };
    case "Bot":
      return {
        kind: "bot",
        bot: {
          name: componentName(file.path),
          label: doc.value(root, "label")?.text || doc.value(root, "masterLabel")?.text || componentName(file.path),
          description: doc.value(root, "description"),
          type: doc.value(root, "type"),
          runAs: doc.value(root, "botUser"),
          file: file.path,
        },
      };
    case "BotVersion":
      return {
        kind: "botVersion",
        version: {
          bot: folderOf(file.path),
          planners: doc.children(root, "conversationDefinitionPlanners").flatMap((p) => {
            const v = doc.value(p, "genAiPlannerName");
            return v ? [v] : [];
          }),
          file: file.path,
        },
      };
    case "AiAuthoringBundle":
      return { kind: "authoringBundle", file: file.path };
    default:
      return null;
  }
}

function readPlanner(doc: XmlDoc, root: XmlElement, file: string, name: string, warnings: string[]): AgentforcePlanner {
  const refs = (tag: string, child: string) =>
    doc.children(root, tag).flatMap((el) => {
      const v = doc.value(el, child) ?? doc.value(el, "functionName");
      return v?.text ? [v] : [];
    });
  return {
    kind: root.name as AgentforcePlanner["kind"],
    name,
    label: doc.value(root, "masterLabel")?.text || name,
    description: doc.value(root, "description"),
    file,
    line: root.line,
    topicRefs: [...refs("genAiPlugins", "genAiPluginName"), ...refs("localTopicLinks", "genAiPluginName")],
    actionRefs: [...refs("genAiFunctions", "genAiFunctionName"), ...refs("localActionLinks", "genAiFunctionName")],
    localTopics: doc.children(root, "localTopics").map((el, i) => {
      const topicName = doc.value(el, "developerName")?.text || doc.value(el, "fullName")?.text || `localTopics[${i}]`;
      return readTopic(doc, el, file, topicName, `localTopics[${i}]`, warnings);
    }),
    plannerActions: doc.children(root, "plannerActions").map((el, i) => {
      const actionName = doc.value(el, "developerName")?.text || doc.value(el, "fullName")?.text || `plannerActions[${i}]`;
      return readAction(doc, el, file, actionName, `plannerActions[${i}]`);
    }),
    surfaces: doc.children(root, "plannerSurfaces").flatMap((el) => {
      const v = doc.value(el, "surfaceType") ?? doc.value(el, "surface");
      return v ? [v] : [];
    }),
  };
}

function readTopic(doc: XmlDoc, el: XmlElement, file: string, name: string, path: string, warnings: string[]): AgentforceTopic {
  return {
    name,
    label: doc.value(el, "masterLabel")?.text || name,
    file,
    line: el.line,
    description: doc.value(el, "description"),
    scope: doc.value(el, "scope"),
    instructions: doc
      .children(el, "genAiPluginInstructions")
      .flatMap((ins, i) => {
        const text = doc.value(ins, "description");
        if (!text?.text) {
          warnings.push(`${file}: ${path}.genAiPluginInstructions[${i}] has no description (instruction text): not mapped`);
          return [];
        }
        const order = Number(doc.value(ins, "sortOrder")?.text ?? i);
        return [{ ...text, order: Number.isFinite(order) ? order : i }];
      })
      .sort((a, b) => a.order - b.order),
    actionRefs: [...doc.children(el, "genAiFunctions"), ...doc.children(el, "localActionLinks")].flatMap((ref) => {
      const v = doc.value(ref, "functionName") ?? doc.value(ref, "genAiFunctionName");
      return v?.text ? [v] : [];
    }),
    localActions: doc.children(el, "localActions").map((a, i) => {
      const actionName = doc.value(a, "developerName")?.text || doc.value(a, "fullName")?.text || `localActions[${i}]`;
      return readAction(doc, a, file, actionName, `${path}.localActions[${i}]`);
    }),
  };
}

function readAction(doc: XmlDoc, el: XmlElement, file: string, name: string, path: string): AgentforceAction {
  return {
    name,
    label: doc.value(el, "masterLabel")?.text || name,
    description: doc.value(el, "description")?.text ?? "",
    targetType: doc.value(el, "invocationTargetType"),
    target: doc.value(el, "invocationTarget"),
    confirmation: doc.value(el, "isConfirmationRequired"),
    file,
    line: el.line,
    path,
  };
}

function warnUnknown(doc: XmlDoc, el: XmlElement, known: string[], file: string, type: string, warnings: string[]) {
  for (const tag of doc.tags(el)) {
    if (!known.includes(tag)) warnings.push(`${file}: ${type} element <${tag}> is not mapped`);
  }
}
