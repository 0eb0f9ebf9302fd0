import type { AgentSpec } from "@/lib/domain/spec";
import { assembleAgent, type FoundAction } from "./assemble";
import { mapTools } from "./bedrock-agents/actions";
import { isTemplate, readTemplate } from "./bedrock-agents/cloudformation";
import { named, type AgentDef } from "./bedrock-agents/definition";
import { isTerraform, readTerraform } from "./bedrock-agents/terraform";
import { modelOf, platformDefaultModel } from "./rules";
import { ImportError, type ImportedAgent, type Importer, type Provenance, type SourceFile } from "./types";

/**
 * Amazon Bedrock Agents, from CloudFormation templates (`AWS::Bedrock::Agent`, YAML or JSON) and Terraform
 * (`aws_bedrockagent_agent` with its action groups and knowledge base associations).
 */

/** Cross-region inference profiles prefix the model id with a geography (`us.anthropic.…`). */
const GEOGRAPHIES = ["us", "eu", "apac", "global", "us-gov", "ca", "jp", "au"];

function modelOfId(raw: string): AgentSpec["model"] {
  // An ARN (`arn:aws:bedrock:…:foundation-model/anthropic.claude-v2`) names the model after its last "/".
  const id = raw.startsWith("arn:") ? raw.slice(raw.lastIndexOf("/") + 1) : raw;
  const segments = id.split(".");
  const vendor = segments.length > 2 && GEOGRAPHIES.includes(segments[0]!) ? segments[1]! : segments[0]!;
  return modelOf(segments.length > 1 ? vendor : "amazon-bedrock", id);
}

function toAgent(def: AgentDef): ImportedAgent {
  const warnings = [...def.warnings];
  const at = (where: { file: string; line?: number; path: string }) => ({
    file: where.file,
    ...(where.line ? { line: where.line } : {}),
    path: where.path,
  });

  let model: AgentSpec["model"];
  let modelProvenance: Provenance;
  if (def.model) {
    model = modelOfId(def.model.value);
    modelProvenance = { ...at(def.model.at), how: "stated", because: model.version ? `model id pins ${model.version}` : undefined };
    if (!model.version) warnings.push(`${named(def.model.at)}: model ${def.model.value} names no snapshot, so it floats`);
  } else {
    const fallback = platformDefaultModel("bedrock-agents");
    model = fallback.model;
    modelProvenance = { ...at(def.at), how: "inferred", because: "no foundation model named: platform default" };
    warnings.push(`${named(def.at)}: ${fallback.warning}`);
  }

  const parts = [
    def.description && { from: `Description (${def.description.at.path})`, text: def.description.value, at: def.description.at },
    def.instruction && { from: `Instruction (${def.instruction.at.path})`, text: def.instruction.value, at: def.instruction.at },
  ]
    .filter((p): p is { from: string; text: string; at: AgentDef["at"] } => Boolean(p && p.text.trim()))
    .map((p) => ({ from: p.from, text: p.text, provenance: { ...at(p.at), how: "stated" as const } }));

  const mapped = mapTools(def);
  warnings.push(...mapped.warnings);
  const actions: FoundAction[] = mapped.tools.flatMap((tool) =>
    tool.actions.map((a) => {
      const from = mapped.provenance[`${tool.system}:${a.name}`]!;
      return { system: tool.system, ...a, accessFrom: from.access, approvalFrom: from.approval };
    }),
  );
  // Bedrock agents are invoked by an application's API call; only a user-input group shows a person is there.
  const unattended = mapped.asksUser
    ? { value: false, because: "AMAZON.UserInput: the agent talks with a person, so it is bounded", at: at(mapped.asksUser) }
    : { value: true, because: "nothing shows a person in the loop (no AMAZON.UserInput group)", at: at(def.at) };

  return assembleAgent({
    name: def.name,
    description: def.description?.value ?? "",
    platform: "bedrock-agents",
    file: def.at.file,
    line: def.at.line,
    model: { value: model, provenance: modelProvenance },
    instructions: parts,
    actions,
    // Operations that could not be read (an S3 schema, say) count as unconfirmed writes: in doubt, more authority.
    unattended: { ...unattended, extraWrites: mapped.unknownGroups.length },
    warnings,
  });
}

function hasTerraformAgent(file: SourceFile): boolean {
  try {
    return readTerraform([file]).agents.length > 0;
  } catch {
    return false;
  }
}

function hasTemplateAgent(file: SourceFile): boolean {
  try {
    return isTemplate(file) && readTemplate(file).length > 0;
  } catch {
    return false;
  }
}

export const bedrockAgentsImporter: Importer = {
  platform: "bedrock-agents",

  detect(files) {
    return files.some((f) => (isTerraform(f) ? hasTerraformAgent(f) : hasTemplateAgent(f)));
  },

  read(files) {
    if (files.length === 0) throw new ImportError("No files to import", null);
    const warnings: string[] = [];
    const defs: AgentDef[] = [];
    const foreign: SourceFile[] = [];
    const terraform = files.filter(isTerraform);
    if (terraform.length > 0) {
      const read = readTerraform(terraform);
      defs.push(...read.agents);
      warnings.push(...read.warnings);
    }
    for (const file of files.filter((f) => !isTerraform(f))) {
      if (!/\.(ya?ml|json|template)$/i.test(file.path)) {
        foreign.push(file);
        continue;
      }
      try {
        const agents = readTemplate(file);
        if (agents.length === 0) foreign.push(file);
        defs.push(...agents);
      } catch (error) {
        // A template that cannot be read is an error; a YAML or JSON file that is no template may be a schema beside one.
        if (error instanceof ImportError && error.message.includes("no Resources")) foreign.push(file);
        else throw error;
      }
    }
    if (defs.length === 0) {
      const first = foreign[0] ?? files[0]!;
      throw new ImportError(
        `${first.path}: not a Bedrock agent definition (no AWS::Bedrock::Agent resource, no aws_bedrockagent_agent)`,
        first.path,
      );
    }
    warnings.push(...foreign.map((f) => `${f.path}: not a Bedrock agent definition; not imported`));
    return { platform: "bedrock-agents", agents: defs.map(toAgent), toolsets: [], warnings };
  },
};
