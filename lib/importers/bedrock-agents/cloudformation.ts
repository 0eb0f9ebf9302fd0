import { ImportError, type SourceFile } from "../types";
import { parseTemplate, type Template } from "./cloudformation-yaml";
import { named, type ActionGroupDef, type AgentDef, type FunctionDef, type KnowledgeBaseDef, type Located, type Where } from "./definition";

/** `AWS::Bedrock::Agent` resources of a CloudFormation template, read into the shared agent definition. */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const AGENT_MAPPED = ["AgentName", "FoundationModel", "Instruction", "Description", "ActionGroups", "KnowledgeBases"];
const GROUP_MAPPED = ["ActionGroupName", "Description", "ApiSchema", "FunctionSchema", "ParentActionGroupSignature", "ActionGroupState"];
const FUNCTION_MAPPED = ["Name", "Description", "RequireConfirmation", "Parameters"];
const KB_MAPPED = ["KnowledgeBaseId", "Description", "KnowledgeBaseState"];

/** Whether the text is a CloudFormation template at all (it may still hold no agent). */
export function isTemplate(file: SourceFile): boolean {
  if (!/\.(ya?ml|json|template)$/i.test(file.path)) return false;
  try {
    const { value } = parseTemplate(file.path, file.content);
    return isObj(value) && isObj(value.Resources) && (typeof value.AWSTemplateFormatVersion === "string" || hasBedrockAgent(value));
  } catch {
    return false;
  }
}

function hasBedrockAgent(template: Obj): boolean {
  return Object.values(template.Resources as Obj).some((r) => isObj(r) && r.Type === "AWS::Bedrock::Agent");
}

export function readTemplate(file: SourceFile): AgentDef[] {
  const template = parseTemplate(file.path, file.content);
  const root = template.value;
  if (!isObj(root) || !isObj(root.Resources))
    throw new ImportError(`${file.path}: not a CloudFormation template (no Resources section)`, file.path);
  const reader = new TemplateReader(file.path, template, isObj(root.Parameters) ? root.Parameters : {}, root.Resources);
  return Object.entries(root.Resources)
    .filter(([, r]) => isObj(r) && r.Type === "AWS::Bedrock::Agent")
    .map(([logicalId, r]) => reader.agent(logicalId, r as Obj));
}

class TemplateReader {
  private warnings: string[] = [];

  constructor(
    private file: string,
    private template: Template,
    private parameters: Obj,
    private resources: Obj,
  ) {}

  private where(path: string): Where {
    return { file: this.file, line: this.template.lineOf(path), path };
  }

  private unmapped(props: Obj, mapped: string[], path: string) {
    for (const key of Object.keys(props).filter((k) => !mapped.includes(k))) {
      const why = key.startsWith("AgentCollaborat")
        ? "not mapped: multi-agent collaboration; import each collaborator agent and review it on its own"
        : "not mapped";
      this.warnings.push(`${named(this.where(`${path}.${key}`))} is ${why}`);
    }
  }

  /** A string property, resolving `Ref` to a parameter's default and leaving `Fn::Sub` text as written, each with a warning. */
  private text(value: unknown, path: string): Located<string> | undefined {
    const at = this.where(path);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string" || typeof value === "number") return { value: String(value), at };
    if (isObj(value) && typeof value.Ref === "string") {
      const param = this.parameters[value.Ref];
      if (isObj(param) && typeof param.Default === "string") {
        this.warnings.push(
          `${named(at)} is the default of parameter ${value.Ref} ("${param.Default}"); a deployment may pass another value`,
        );
        return { value: param.Default, at };
      }
      if (value.Ref in this.resources) return { value: value.Ref, at };
    }
    if (isObj(value) && value["Fn::GetAtt"] !== undefined) {
      const [resource] = value["Fn::GetAtt"] as unknown[];
      if (typeof resource === "string" && resource in this.resources) return { value: resource, at };
    }
    const sub = isObj(value) ? value["Fn::Sub"] : undefined;
    const subText = typeof sub === "string" ? sub : Array.isArray(sub) && typeof sub[0] === "string" ? sub[0] : undefined;
    if (subText !== undefined) {
      if (subText.includes("${")) this.warnings.push(`${named(at)}: Fn::Sub substitutions are not resolved; the text is kept as written`);
      return { value: subText, at };
    }
    const fn = isObj(value) ? Object.keys(value)[0] : typeof value;
    this.warnings.push(`${named(at)}: ${fn} cannot be resolved from the template; the value is not mapped`);
    return undefined;
  }

  agent(logicalId: string, resource: Obj): AgentDef {
    this.warnings = [];
    const path = `Resources.${logicalId}.Properties`;
    const props = isObj(resource.Properties) ? resource.Properties : {};
    this.unmapped(props, AGENT_MAPPED, path);
    const groups = Array.isArray(props.ActionGroups) ? props.ActionGroups : [];
    const kbs = Array.isArray(props.KnowledgeBases) ? props.KnowledgeBases : [];
    return {
      name: this.text(props.AgentName, `${path}.AgentName`)?.value ?? logicalId,
      at: this.where(`Resources.${logicalId}`),
      model: this.text(props.FoundationModel, `${path}.FoundationModel`),
      description: this.text(props.Description, `${path}.Description`),
      instruction: this.text(props.Instruction, `${path}.Instruction`),
      actionGroups: groups.flatMap((g, i) => this.actionGroup(g, `${path}.ActionGroups[${i}]`)),
      knowledgeBases: kbs.flatMap((kb, i) => this.knowledgeBase(kb, `${path}.KnowledgeBases[${i}]`, i)),
      warnings: this.warnings,
    };
  }

  private actionGroup(group: unknown, path: string): ActionGroupDef[] {
    if (!isObj(group)) return [];
    this.unmapped(group, GROUP_MAPPED, path);
    const name = this.text(group.ActionGroupName, `${path}.ActionGroupName`)?.value ?? path;
    if (group.ActionGroupState === "DISABLED") {
      this.warnings.push(`${named(this.where(path))}: action group ${name} is DISABLED; its actions are not imported`);
      return [];
    }
    const def: ActionGroupDef = {
      name,
      description: this.text(group.Description, `${path}.Description`)?.value ?? "",
      at: this.where(path),
      parentSignature: this.text(group.ParentActionGroupSignature, `${path}.ParentActionGroupSignature`),
    };
    const api = group.ApiSchema;
    if (isObj(api)) {
      if (api.Payload !== undefined) {
        def.apiPayload = this.text(api.Payload, `${path}.ApiSchema.Payload`);
        if (!def.apiPayload) {
          def.operationsUnknown = true;
          this.warnings.push(`${named(this.where(path))}: the OpenAPI schema of ${name} is not resolved; its operations are not imported`);
        }
      } else if (api.S3 !== undefined) {
        def.operationsUnknown = true;
        this.warnings.push(
          `${named(this.where(`${path}.ApiSchema.S3`))}: the OpenAPI schema of ${name} is in S3, not in the files; its operations are not imported`,
        );
      }
    }
    const functions = isObj(group.FunctionSchema) ? group.FunctionSchema.Functions : undefined;
    if (Array.isArray(functions)) def.functions = functions.flatMap((f, i) => this.function(f, `${path}.FunctionSchema.Functions[${i}]`));
    return [def];
  }

  private function(fn: unknown, path: string): FunctionDef[] {
    if (!isObj(fn)) return [];
    this.unmapped(fn, FUNCTION_MAPPED, path);
    const name = this.text(fn.Name, `${path}.Name`);
    if (!name) return [];
    return [
      {
        name: name.value,
        description: this.text(fn.Description, `${path}.Description`)?.value ?? "",
        requireConfirmation: this.text(fn.RequireConfirmation, `${path}.RequireConfirmation`),
        at: this.where(path),
      },
    ];
  }

  private knowledgeBase(kb: unknown, path: string, index: number): KnowledgeBaseDef[] {
    if (!isObj(kb)) return [];
    this.unmapped(kb, KB_MAPPED, path);
    const id = this.text(kb.KnowledgeBaseId, `${path}.KnowledgeBaseId`);
    if (kb.KnowledgeBaseState === "DISABLED") {
      this.warnings.push(`${named(this.where(path))}: knowledge base ${id?.value ?? ""} is DISABLED; not imported`);
      return [];
    }
    return [
      {
        id: id?.value ?? `knowledge_base_${index + 1}`,
        description: this.text(kb.Description, `${path}.Description`)?.value ?? "",
        at: this.where(path),
      },
    ];
  }
}
