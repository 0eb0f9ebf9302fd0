import type { Located } from "./agentforce-metadata";

/**
 * Agent Script (`aiAuthoringBundles/<Agent>/<Agent>.agent`): an indentation-structured language of blocks
 * (`config`, `system`, `start_agent <name>`, `topic <name>` / `subagent <name>`) with `key: value` properties,
 * `|` prompt text and `->` logic. Read line by line into an indentation tree; only the parts whose meaning is
 * unambiguous are mapped (agent identity, system instructions, topic description and prompt text, action
 * definitions with their targets). Logic (conditions, deterministic runs, transitions) is reported, not guessed.
 */

export type ScriptAction = {
  name: string;
  description: string;
  target: Located | undefined;
  confirmation: Located | undefined;
  line: number;
  path: string;
};
export type ScriptTopic = {
  name: string;
  line: number;
  description: Located | undefined;
  instructions: Located[];
  actions: ScriptAction[];
};
export type ScriptAgent = {
  name: string;
  label: string;
  description: Located | undefined;
  agentType: Located | undefined;
  instructions: Located | undefined;
  topics: ScriptTopic[];
};

type Node = { text: string; line: number; indent: number; children: Node[] };

const TOPIC_KEYWORDS = ["start_agent", "topic", "subagent"];
const ACTION_KEYS = [
  "description",
  "target",
  "label",
  "inputs",
  "outputs",
  "include_in_progress_indicator",
  "available when",
  "require_user_confirmation",
];

/** Builds the indentation tree; comments and blank lines are dropped, tabs count as four spaces. */
function treeOf(text: string): Node[] {
  const root: Node = { text: "", line: 0, indent: -1, children: [] };
  const stack: Node[] = [root];
  text.split(/\r?\n/).forEach((raw, i) => {
    const expanded = raw.replace(/\t/g, "    ");
    const trimmed = expanded.trim();
    if (!trimmed || trimmed.startsWith("#")) return;
    const node: Node = { text: trimmed, line: i + 1, indent: expanded.length - expanded.trimStart().length, children: [] };
    while (stack.length > 1 && (stack.at(-1) ?? root).indent >= node.indent) stack.pop();
    (stack.at(-1) ?? root).children.push(node);
    stack.push(node);
  });
  return root.children;
}

/** `key: value` when the text before the first colon is a plain key (words, spaces, `_`); otherwise no key. */
function property(node: Node): { key: string; value: string } | undefined {
  const colon = node.text.indexOf(":");
  if (colon <= 0) return undefined;
  const key = node.text.slice(0, colon).trim();
  const plain = [...key].every((c) => /[A-Za-z0-9_ ]/.test(c));
  return plain ? { key, value: node.text.slice(colon + 1).trim() } : undefined;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function child(node: Node, key: string): Node | undefined {
  return node.children.find((c) => property(c)?.key === key);
}

/** A property's text: inline (quoted or not), a `|` block, or the prompt lines of a `->` block. */
function textOf(node: Node, where: string, warnings: string[]): Located | undefined {
  const value = property(node)?.value ?? "";
  if (value === "|" || value === "") {
    const lines = flatten(node.children).map((n) => n.text);
    return lines.length ? { text: lines.join("\n"), line: node.line } : undefined;
  }
  if (value === "->") {
    const prompt: string[] = [];
    let logic = 0;
    for (const n of flatten(node.children)) {
      if (n.text.startsWith("|")) prompt.push(n.text.slice(1).trim());
      else logic++;
    }
    if (logic)
      warnings.push(
        `${where} (line ${node.line}): ${logic} logic line(s) (conditions, runs, transitions) are not mapped; prompt text is kept`,
      );
    return prompt.length ? { text: prompt.join("\n"), line: node.line } : undefined;
  }
  if (value.startsWith("|")) return { text: value.slice(1).trim(), line: node.line };
  return { text: unquote(value), line: node.line };
}

function flatten(nodes: Node[]): Node[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

function located(node: Node | undefined): Located | undefined {
  if (!node) return undefined;
  return { text: unquote(property(node)?.value ?? ""), line: node.line };
}

/** Reads an `.agent` file; throws a message when it has none of the blocks an Agent Script agent needs. */
export function readAgentScript(file: string, content: string, warnings: string[]): ScriptAgent {
  const blocks = treeOf(content);
  const config = blocks.find((b) => property(b)?.key === "config");
  const topics = blocks.filter((b) => TOPIC_KEYWORDS.includes(b.text.split(/\s+/)[0] ?? ""));
  if (!config || topics.length === 0) throw new Error("no config block and topic blocks: not an Agent Script agent");
  const name =
    (located(child(config, "developer_name"))?.text ||
      located(child(config, "agent_name"))?.text ||
      (file.split(/[\\/]/).pop() ?? file).split(".")[0]) ??
    file;
  for (const c of config.children) {
    const key = property(c)?.key ?? c.text;
    if (!["developer_name", "agent_name", "agent_label", "description", "agent_type"].includes(key))
      warnings.push(`${file}: config.${key} (line ${c.line}) is not mapped`);
  }
  const system = blocks.find((b) => property(b)?.key === "system");
  const systemInstructions = system && child(system, "instructions");
  for (const b of blocks) {
    const key = property(b)?.key ?? b.text;
    if (b !== config && b !== system && !topics.includes(b)) warnings.push(`${file}: block "${key}" (line ${b.line}) is not mapped`);
  }
  return {
    name,
    label: located(child(config, "agent_label"))?.text || name,
    description: located(child(config, "description")),
    agentType: located(child(config, "agent_type")),
    instructions: systemInstructions ? textOf(systemInstructions, `${file}: system.instructions`, warnings) : undefined,
    topics: topics.map((t) => readTopic(file, t, warnings)),
  };
}

function readTopic(file: string, block: Node, warnings: string[]): ScriptTopic {
  const name = (property(block)?.key ?? block.text).split(/\s+/).slice(1).join("_") || block.text;
  const where = `${file}: ${block.text.replace(/:$/, "")}`;
  const reasoning = child(block, "reasoning");
  const instructions: Located[] = [];
  const override = child(block, "system");
  const overrideText = override && child(override, "instructions");
  if (overrideText) {
    const t = textOf(overrideText, `${where} system.instructions`, warnings);
    if (t) instructions.push(t);
  }
  const reasoningText = reasoning && child(reasoning, "instructions");
  if (reasoningText) {
    const t = textOf(reasoningText, `${where} reasoning.instructions`, warnings);
    if (t) instructions.push(t);
  }
  for (const hook of ["before_reasoning", "after_reasoning"]) {
    const h = child(block, hook);
    if (h) warnings.push(`${where} ${hook} (line ${h.line}): deterministic logic is not mapped`);
  }
  const defined = child(block, "actions")?.children ?? [];
  const actions = defined.map((a) => readAction(where, a, warnings));
  for (const tool of reasoning ? (child(reasoning, "actions")?.children ?? []) : []) {
    const value = property(tool)?.value ?? "";
    if (value.startsWith("@utils.escalate"))
      warnings.push(`${where} reasoning.actions.${property(tool)?.key} (line ${tool.line}): escalation to a person is not mapped`);
    if (value.startsWith("@actions.") && !actions.some((a) => a.name === value.slice("@actions.".length).split(/\s/)[0]))
      warnings.push(`${where} reasoning.actions.${property(tool)?.key} (line ${tool.line}) refers to an action not defined in the topic`);
  }
  return { name, line: block.line, description: located(child(block, "description")), instructions, actions };
}

function readAction(where: string, node: Node, warnings: string[]): ScriptAction {
  const name = property(node)?.key ?? node.text;
  for (const c of node.children) {
    const key = property(c)?.key ?? c.text;
    if (!ACTION_KEYS.includes(key)) warnings.push(`${where} actions.${name}.${key} (line ${c.line}) is not mapped`);
  }
  const target = located(child(node, "target"));
  return {
    name,
    description: located(child(node, "description"))?.text ?? "",
    target: target?.text ? target : undefined,
    confirmation: located(child(node, "require_user_confirmation")),
    line: node.line,
    path: `${where.split(": ").slice(1).join(": ")}.actions.${name}`,
  };
}
