import { parseToObject } from "hcl2-parser";
import { ImportError, type SourceFile } from "../types";
import { named, type ActionGroupDef, type AgentDef, type FunctionDef, type KnowledgeBaseDef, type Located, type Where } from "./definition";

/**
 * Terraform's `aws_bedrockagent_*` resources read into the shared agent definition. The files are parsed by
 * HashiCorp's own HCL parser (hcl2-parser), which gives blocks as lists and every expression that is not a
 * literal as its `${…}` source text: variables with a default are resolved (with a warning), the rest is named.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const blocks = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);

const AGENT = "aws_bedrockagent_agent";
const GROUP = "aws_bedrockagent_agent_action_group";
const KB = "aws_bedrockagent_agent_knowledge_base_association";
const COLLABORATOR = "aws_bedrockagent_agent_collaborator";

/** Terraform's own mechanics, not the agent's behaviour. */
const META = ["depends_on", "lifecycle", "provider", "timeouts", "agent_version", "prepare_agent", "skip_resource_in_use_check"];
const AGENT_MAPPED = [...META, "agent_name", "foundation_model", "instruction", "description"];
const GROUP_MAPPED = [
  ...META,
  "action_group_name",
  "agent_id",
  "description",
  "action_group_state",
  "parent_action_group_signature",
  "api_schema",
  "function_schema",
];
const FUNCTION_MAPPED = ["name", "description", "require_confirmation", "parameters"];
const KB_MAPPED = [...META, "agent_id", "knowledge_base_id", "description", "knowledge_base_state"];

type Config = { file: string; resource: Obj; variable: Obj };

export function isTerraform(file: SourceFile): boolean {
  return /\.tf$/i.test(file.path);
}

function parse(file: SourceFile): Config {
  let parsed: [unknown, unknown];
  try {
    parsed = parseToObject(file.content) as [unknown, unknown];
  } catch {
    throw new ImportError(`${file.path}: not valid Terraform (HCL)`, file.path);
  }
  const [value, error] = parsed;
  if (error || !isObj(value)) throw new ImportError(`${file.path}: not valid Terraform (HCL)`, file.path);
  return { file: file.path, resource: isObj(value.resource) ? value.resource : {}, variable: isObj(value.variable) ? value.variable : {} };
}

/** `${a.b.c}` as `["a", "b", "c"]` when the whole expression is one reference, else null. */
function traversalOf(expression: string): string[] | null {
  if (!expression.startsWith("${") || !expression.endsWith("}")) return null;
  const parts = expression.slice(2, -1).split(".");
  return parts.length >= 2 && parts.every((p) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p)) ? parts : null;
}

export function readTerraform(files: SourceFile[]): { agents: AgentDef[]; warnings: string[] } {
  const configs = files.map(parse);
  const variables: Obj = Object.assign({}, ...configs.map((c) => c.variable));
  const warnings: string[] = [];
  const resources = (type: string) =>
    configs.flatMap((c) =>
      Object.entries(isObj(c.resource[type]) ? (c.resource[type] as Obj) : {}).flatMap(([name, body]) =>
        blocks(body).map((block) => ({ file: c.file, name, block, at: { file: c.file, path: `${type}.${name}` } as Where })),
      ),
    );

  function text(value: unknown, at: Where, into: string[], keepUnresolved: boolean): Located<string> | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return { value: String(value), at };
    if (!value.includes("${")) return { value, at };
    const ref = traversalOf(value);
    const variable = ref?.[0] === "var" && ref.length === 2 ? blocks(variables[ref[1]!])[0] : undefined;
    if (variable && typeof variable.default === "string") {
      into.push(`${named(at)} is the default of variable ${ref![1]} ("${variable.default}"); a deployment may pass another value`);
      return { value: variable.default, at };
    }
    into.push(
      `${named(at)}: the Terraform expression in ${JSON.stringify(value)} is not resolved${keepUnresolved ? "; the text is kept as written" : ""}`,
    );
    return keepUnresolved ? { value, at } : undefined;
  }

  function unmapped(block: Obj, mapped: string[], at: Where, into: string[]) {
    for (const key of Object.keys(block).filter((k) => !mapped.includes(k))) {
      const why =
        key === "count" || key === "for_each"
          ? "not mapped: the resource may create several; imported once"
          : key === "agent_collaboration"
            ? "not mapped: multi-agent collaboration; import each collaborator agent and review it on its own"
            : "not mapped";
      into.push(`${named({ ...at, path: `${at.path}.${key}` })} is ${why}`);
    }
  }

  const agents = new Map<string, AgentDef>();
  for (const r of resources(AGENT)) {
    const own: string[] = [];
    unmapped(r.block, AGENT_MAPPED, r.at, own);
    const field = (key: string) => ({ ...r.at, path: `${r.at.path}.${key}` });
    agents.set(r.name, {
      name: text(r.block.agent_name, field("agent_name"), own, false)?.value ?? r.name,
      at: r.at,
      model: text(r.block.foundation_model, field("foundation_model"), own, false),
      description: text(r.block.description, field("description"), own, true),
      instruction: text(r.block.instruction, field("instruction"), own, true),
      actionGroups: [],
      knowledgeBases: [],
      warnings: own,
    });
  }

  /** The agent a group or association belongs to: by its `agent_id` reference, or the only agent there is. */
  function owner(block: Obj, at: Where): AgentDef | undefined {
    const id = typeof block.agent_id === "string" ? block.agent_id : "";
    const ref = traversalOf(id);
    const byRef = ref?.[0] === AGENT ? agents.get(ref[1]!) : undefined;
    if (byRef) return byRef;
    if (agents.size === 1) {
      const only = [...agents.values()][0]!;
      only.warnings.push(
        `${named({ ...at, path: `${at.path}.agent_id` })}: agent_id ${id || "(none)"} is not an agent in these files; attached to ${only.name}, the only one`,
      );
      return only;
    }
    warnings.push(
      `${named({ ...at, path: `${at.path}.agent_id` })}: agent_id ${id || "(none)"} names no agent in these files; not imported`,
    );
    return undefined;
  }

  for (const r of resources(GROUP)) {
    const agent = owner(r.block, r.at);
    if (!agent) continue;
    unmapped(r.block, GROUP_MAPPED, r.at, agent.warnings);
    const name =
      text(r.block.action_group_name, { ...r.at, path: `${r.at.path}.action_group_name` }, agent.warnings, false)?.value ?? r.name;
    if (r.block.action_group_state === "DISABLED") {
      agent.warnings.push(`${named(r.at)}: action group ${name} is DISABLED; its actions are not imported`);
      continue;
    }
    const group: ActionGroupDef = {
      name,
      description: typeof r.block.description === "string" ? r.block.description : "",
      at: r.at,
      parentSignature: text(
        r.block.parent_action_group_signature,
        { ...r.at, path: `${r.at.path}.parent_action_group_signature` },
        agent.warnings,
        false,
      ),
    };
    const api = blocks(r.block.api_schema)[0];
    if (api?.payload !== undefined) {
      group.apiPayload = text(api.payload, { ...r.at, path: `${r.at.path}.api_schema.payload` }, agent.warnings, false);
      if (!group.apiPayload) {
        group.operationsUnknown = true;
        agent.warnings.push(`${named(r.at)}: the OpenAPI schema of ${name} is not in these files; its operations are not imported`);
      }
    } else if (api?.s3 !== undefined) {
      group.operationsUnknown = true;
      agent.warnings.push(
        `${r.at.file}: ${r.at.path}.api_schema.s3: the OpenAPI schema of ${name} is in S3, not in the files; its operations are not imported`,
      );
    }
    const fnBlocks = blocks(r.block.function_schema)
      .flatMap((s) => blocks(s.member_functions))
      .flatMap((m) => blocks(m.functions));
    if (fnBlocks.length > 0)
      group.functions = fnBlocks.flatMap((f, i) =>
        fn(f, { ...r.at, path: `${r.at.path}.function_schema.member_functions.functions[${i}]` }, agent.warnings),
      );
    agent.actionGroups.push(group);
  }

  function fn(block: Obj, at: Where, into: string[]): FunctionDef[] {
    unmapped(block, FUNCTION_MAPPED, at, into);
    const name = text(block.name, { ...at, path: `${at.path}.name` }, into, false);
    if (!name) return [];
    const confirmation = text(block.require_confirmation, { ...at, path: `${at.path}.require_confirmation` }, into, false);
    return [
      {
        name: name.value,
        description: typeof block.description === "string" ? block.description : "",
        requireConfirmation: confirmation,
        at,
      },
    ];
  }

  for (const r of resources(KB)) {
    const agent = owner(r.block, r.at);
    if (!agent) continue;
    unmapped(r.block, KB_MAPPED, r.at, agent.warnings);
    if (r.block.knowledge_base_state === "DISABLED") {
      agent.warnings.push(`${named(r.at)}: knowledge base association is DISABLED; not imported`);
      continue;
    }
    const raw = typeof r.block.knowledge_base_id === "string" ? r.block.knowledge_base_id : "";
    const ref = traversalOf(raw);
    // A reference to a knowledge base resource names it by its Terraform name; a literal id is kept as written.
    const id = ref && ref[0] === "aws_bedrockagent_knowledge_base" ? ref[1]! : raw.includes("${") ? r.name : raw || r.name;
    if (raw.includes("${") && !(ref && ref[0] === "aws_bedrockagent_knowledge_base"))
      agent.warnings.push(
        `${named({ ...r.at, path: `${r.at.path}.knowledge_base_id` })}: the Terraform expression ${raw} is not resolved; named ${id}`,
      );
    const kb: KnowledgeBaseDef = { id, description: typeof r.block.description === "string" ? r.block.description : "", at: r.at };
    agent.knowledgeBases.push(kb);
  }

  for (const r of resources(COLLABORATOR)) {
    const agent = owner(r.block, r.at);
    agent?.warnings.push(`${named(r.at)}: collaborator agents are not mapped; import each collaborator and review it on its own`);
  }

  return { agents: [...agents.values()], warnings };
}
