import { TRACE_RETENTION_WARNING } from "./assemble";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { bedrockAgentsImporter } from "./bedrock-agents";
import { ImportError, type ImportedAgent, type SourceFile } from "./types";

const dir = path.join(import.meta.dirname, "fixtures/bedrock-agents");
const fixture = (name: string): SourceFile => ({ path: name, content: readFileSync(path.join(dir, name), "utf8") });
const only = (files: SourceFile[]): ImportedAgent => {
  const result = bedrockAgentsImporter.read(files);
  expect(result.platform).toBe("bedrock-agents");
  expect(result.agents).toHaveLength(1);
  return result.agents[0]!;
};
/** `system:action` → `access/approval`, the way a reviewer reads the grants. */
const grants = (agent: ImportedAgent) =>
  Object.fromEntries(agent.spec.tools.flatMap((t) => t.actions.map((a) => [`${t.system}:${a.name}`, `${a.access}/${a.approval}`])));
const inline = (content: string): SourceFile[] => [{ path: "agent.yaml", content }];

describe("Bedrock Agents from a CloudFormation YAML template", () => {
  const agent = only([fixture("support-agent.yaml")]);

  it("maps every operation, function and knowledge base with its access and approval", () => {
    expect(grants(agent)).toEqual({
      "OrdersApi:getOrder": "read/none",
      "OrdersApi:cancelOrder": "write/none",
      "OrdersApi:searchOrders": "read/none",
      "OrdersApi:issueRefund": "write/required",
      "Loyalty_Functions:get_points_balance": "read/none",
      "Loyalty_Functions:redeem_points": "write/required",
      "Loyalty_Functions:update_member_settings": "admin/none",
      "knowledge_base:PolicyKnowledgeBase": "read/none",
    });
    expect(validateSpec(agent.spec).ok).toBe(true);
  });

  it("pins the dated model id and names where it is written", () => {
    expect(agent.name).toBe("guest-support");
    expect(agent.spec.model).toEqual({
      provider: "anthropic",
      name: "anthropic.claude-3-5-sonnet-20240620-v1:0",
      version: "20240620-v1:0",
    });
    expect(agent.provenance.model).toMatchObject({ file: "support-agent.yaml", line: 33, how: "stated" });
  });

  it("is bounded: a write needs no confirmation, but the AMAZON.UserInput group puts a person in the loop", () => {
    expect(agent.spec.autonomy).toBe("bounded");
    expect(agent.provenance.autonomy).toMatchObject({
      line: 42,
      path: "Resources.GuestSupportAgent.Properties.ActionGroups[0].ParentActionGroupSignature",
      how: "inferred",
    });
  });

  it("says which values are inferred and why", () => {
    const p = agent.provenance.actions;
    expect(p["OrdersApi:getOrder"]!.access).toMatchObject({ how: "stated", because: "operation getOrder: HTTP GET" });
    expect(p["OrdersApi:searchOrders"]!.access).toMatchObject({ how: "inferred" });
    expect(p["OrdersApi:searchOrders"]!.access.because).toContain("HTTP POST named for reading");
    expect(p["OrdersApi:issueRefund"]!.approval).toMatchObject({ how: "stated", because: "x-requireConfirmation: ENABLED" });
    expect(p["OrdersApi:cancelOrder"]!.approval).toMatchObject({
      how: "inferred",
      because: "x-requireConfirmation not set: Bedrock's default is DISABLED",
    });
    expect(p["Loyalty_Functions:redeem_points"]!.access).toMatchObject({ line: 94, how: "inferred" });
    expect(p["Loyalty_Functions:redeem_points"]!.approval).toMatchObject({
      line: 96,
      how: "stated",
      because: "RequireConfirmation: ENABLED",
    });
    expect(p["Loyalty_Functions:update_member_settings"]!.access.because).toContain("settings");
  });

  it("keeps description then instruction, each headed by where it came from", () => {
    expect(agent.spec.instructions).toMatch(
      /^## Description \(Resources\.GuestSupportAgent\.Properties\.Description\)\nAnswers guests'[\s\S]*## Instruction \(Resources\.GuestSupportAgent\.Properties\.Instruction\)\nYou are the guest-support agent for the \$\{Environment\} resort\./,
    );
    expect(agent.provenance.instructions.map((p) => p.line)).toEqual([34, 35]);
  });

  it("warns about everything it does not map", () => {
    expect(agent.warnings).toEqual([
      "support-agent.yaml:32: Resources.GuestSupportAgent.Properties.AgentResourceRoleArn is not mapped",
      "support-agent.yaml:38: Resources.GuestSupportAgent.Properties.AutoPrepare is not mapped",
      "support-agent.yaml:39: Resources.GuestSupportAgent.Properties.AgentCollaboration is not mapped: multi-agent collaboration; import each collaborator agent and review it on its own",
      "support-agent.yaml:35: Resources.GuestSupportAgent.Properties.Instruction: Fn::Sub substitutions are not resolved; the text is kept as written",
      "support-agent.yaml:46: Resources.GuestSupportAgent.Properties.ActionGroups[1].ActionGroupExecutor is not mapped",
      "support-agent.yaml:86: Resources.GuestSupportAgent.Properties.ActionGroups[2].ActionGroupExecutor is not mapped",
      "support-agent.yaml:102: Resources.GuestSupportAgent.Properties.ActionGroups[3].ApiSchema.S3: the OpenAPI schema of CatalogueApi is in S3, not in the files; its operations are not imported",
      "support-agent.yaml:105: Resources.GuestSupportAgent.Properties.ActionGroups[4]: action group LegacyBilling is DISABLED; its actions are not imported",
      `support-agent.yaml: ${TRACE_RETENTION_WARNING}`,
    ]);
  });

  it("is detected, and an OpenAPI file beside the template is named as not imported", () => {
    expect(bedrockAgentsImporter.detect([fixture("support-agent.yaml")])).toBe(true);
    const result = bedrockAgentsImporter.read([fixture("support-agent.yaml"), fixture("not-a-template.yaml")]);
    expect(result.warnings).toEqual(["not-a-template.yaml: not a Bedrock agent definition; not imported"]);
  });
});

describe("Bedrock Agents from a CloudFormation JSON template", () => {
  const agent = only([fixture("research-agent.json")]);

  it("is read-only when every action reads, and resolves the model parameter's default with a warning", () => {
    expect(grants(agent)).toEqual({
      "papers:search_papers": "read/none",
      "papers:summarize_paper": "read/none",
      "knowledge_base:KB12345678": "read/none",
    });
    expect(agent.spec.autonomy).toBe("read_only");
    expect(agent.provenance.autonomy).toMatchObject({ how: "inferred", because: "every action reads" });
    expect(agent.spec.model).toEqual({ provider: "amazon", name: "amazon.nova-pro-v1:0", version: "v1:0" });
    expect(agent.provenance.model).toMatchObject({ file: "research-agent.json", line: 11, how: "stated" });
    expect(agent.warnings).toContain(
      'research-agent.json:11: Resources.ResearchAgent.Properties.FoundationModel is the default of parameter ModelId ("amazon.nova-pro-v1:0"); a deployment may pass another value',
    );
  });
});

describe("Bedrock Agents from Terraform", () => {
  const files = [fixture("terraform/main.tf"), fixture("terraform/variables.tf")];
  const agent = only(files);

  it("joins action groups and knowledge bases to their agent and maps each action", () => {
    expect(agent.name).toBe("ops-agent");
    expect(grants(agent)).toEqual({
      "bedrock:code_interpreter": "admin/none",
      "operations:restart_service": "write/none",
      "operations:rotate_api_key": "admin/required",
      "tickets:listTickets": "read/none",
      "tickets:createTicket": "write/required",
      "tickets:updateTicket": "write/none",
      "knowledge_base:runbooks": "read/none",
    });
    expect(validateSpec(agent.spec).ok).toBe(true);
  });

  it("takes the model from the variable's default, pinned, with a warning", () => {
    expect(agent.spec.model).toEqual({ provider: "anthropic", name: "anthropic.claude-3-haiku-20240307-v1:0", version: "20240307-v1:0" });
    expect(agent.provenance.model).toMatchObject({
      file: "terraform/main.tf",
      path: "aws_bedrockagent_agent.ops.foundation_model",
      how: "stated",
    });
    expect(agent.warnings).toContain(
      'terraform/main.tf: aws_bedrockagent_agent.ops.foundation_model is the default of variable model_id ("anthropic.claude-3-haiku-20240307-v1:0"); a deployment may pass another value',
    );
  });

  it("is autonomous: restart_service writes without confirmation and nothing puts a person in the loop", () => {
    expect(agent.spec.autonomy).toBe("autonomous");
    expect(agent.provenance.autonomy).toMatchObject({ path: "aws_bedrockagent_agent.ops", how: "inferred" });
  });

  it("gives provenance for inferred access and stated approval", () => {
    const p = agent.provenance.actions;
    expect(p["operations:restart_service"]!.access).toMatchObject({ how: "inferred" });
    expect(p["operations:restart_service"]!.approval).toMatchObject({
      path: "aws_bedrockagent_agent_action_group.operations.function_schema.member_functions.functions[0].require_confirmation",
      how: "stated",
      because: "require_confirmation: DISABLED",
    });
    expect(p["bedrock:code_interpreter"]!.access).toMatchObject({
      how: "inferred",
      because: "AMAZON.CodeInterpreter runs code or drives a computer: admin",
    });
    expect(p["tickets:createTicket"]!.approval).toMatchObject({ how: "stated", because: "x-requireConfirmation: ENABLED" });
  });

  it("names every reference it cannot resolve and everything it does not map", () => {
    expect(agent.warnings).toEqual([
      "terraform/main.tf: aws_bedrockagent_agent.ops.agent_resource_role_arn is not mapped",
      "terraform/main.tf: aws_bedrockagent_agent.ops.idle_session_ttl_in_seconds is not mapped",
      'terraform/main.tf: aws_bedrockagent_agent.ops.foundation_model is the default of variable model_id ("anthropic.claude-3-haiku-20240307-v1:0"); a deployment may pass another value',
      'terraform/main.tf: aws_bedrockagent_agent.ops.description: the Terraform expression in "Handles operations tickets for ${var.environment}." is not resolved; the text is kept as written',
      'terraform/main.tf: aws_bedrockagent_agent_action_group.inventory.api_schema.payload: the Terraform expression in "${file(\\"${path.module}/schemas/inventory.yaml\\")}" is not resolved',
      "terraform/main.tf: aws_bedrockagent_agent_action_group.inventory: the OpenAPI schema of inventory is not in these files; its operations are not imported",
      "terraform/main.tf: aws_bedrockagent_agent_action_group.operations.action_group_executor is not mapped",
      "terraform/main.tf: aws_bedrockagent_agent_action_group.tickets.action_group_executor is not mapped",
      "terraform/main.tf: aws_bedrockagent_agent_collaborator.billing: collaborator agents are not mapped; import each collaborator and review it on its own",
      `terraform/main.tf: ${TRACE_RETENTION_WARNING}`,
    ]);
  });

  it("does not attach an action group to a guess when several agents could own it", () => {
    const tf = `
resource "aws_bedrockagent_agent" "a" {
  agent_name       = "a"
  foundation_model = "anthropic.claude-3-haiku-20240307-v1:0"
  instruction      = "Answer questions about orders."
}
resource "aws_bedrockagent_agent" "b" {
  agent_name       = "b"
  foundation_model = "anthropic.claude-3-haiku-20240307-v1:0"
  instruction      = "Answer questions about invoices."
}
resource "aws_bedrockagent_agent_action_group" "g" {
  action_group_name = "g"
  agent_id          = var.agent_id
  function_schema {
    member_functions {
      functions { name = "delete_invoice" }
    }
  }
}`;
    const result = bedrockAgentsImporter.read([{ path: "agents.tf", content: tf }]);
    expect(result.agents.map((a) => [a.name, a.spec.tools.length])).toEqual([
      ["a", 0],
      ["b", 0],
    ]);
    expect(result.warnings).toEqual([
      "agents.tf: aws_bedrockagent_agent_action_group.g.agent_id: agent_id ${var.agent_id} names no agent in these files; not imported",
    ]);
  });
});

describe("Bedrock model ids", () => {
  const withModel = (model: string) =>
    only(
      inline(
        `Resources:\n  A:\n    Type: AWS::Bedrock::Agent\n    Properties:\n      Instruction: Look up orders.\n      FoundationModel: ${model}\n`,
      ),
    );

  it("reads inference profiles and ARNs, and warns when the id floats", () => {
    expect(withModel("us.anthropic.claude-3-5-sonnet-20241022-v2:0").spec.model).toEqual({
      provider: "anthropic",
      name: "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      version: "20241022-v2:0",
    });
    expect(withModel("arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-70b-instruct-v1:0").spec.model).toEqual({
      provider: "meta",
      name: "meta.llama3-70b-instruct-v1:0",
      version: "v1:0",
    });
    const floating = withModel("anthropic.claude-v2");
    expect(floating.spec.model.version).toBe("");
    expect(floating.warnings).toContain(
      "agent.yaml:6: Resources.A.Properties.FoundationModel: model anthropic.claude-v2 names no snapshot, so it floats",
    );
  });

  it("falls back to the platform default, inferred and warned, when no model is named", () => {
    const agent = only(inline("Resources:\n  A:\n    Type: AWS::Bedrock::Agent\n    Properties:\n      Instruction: Look up orders.\n"));
    expect(agent.spec.model).toEqual({ provider: "bedrock-agents", name: "platform-default", version: "" });
    expect(agent.provenance.model).toMatchObject({ how: "inferred", path: "Resources.A", line: 2 });
    expect(agent.warnings.some((w) => w.includes("the model floats"))).toBe(true);
  });
});

describe("operations that are not in the files", () => {
  it("count as unconfirmed writes, so an agent whose schema is in S3 is not read-only", () => {
    const agent = only(
      inline(`Resources:
  A:
    Type: AWS::Bedrock::Agent
    Properties:
      FoundationModel: anthropic.claude-3-haiku-20240307-v1:0
      Instruction: Look up the catalogue.
      ActionGroups:
        - ActionGroupName: catalogue
          ApiSchema:
            S3: { S3BucketName: schemas, S3ObjectKey: catalogue.yaml }
          FunctionSchema:
            Functions:
              - Name: list_products
`),
    );
    expect(grants(agent)).toEqual({ "catalogue:list_products": "read/none" });
    expect(agent.spec.autonomy).toBe("autonomous");
    expect(agent.provenance.autonomy.because).toContain(
      "1 action group(s) whose operations are not in the files count as unconfirmed writes",
    );
    expect(agent.warnings).toContain(
      "agent.yaml:10: Resources.A.Properties.ActionGroups[0].ApiSchema.S3: the OpenAPI schema of catalogue is in S3, not in the files; its operations are not imported",
    );
  });

  it("an inline schema that is not OpenAPI is named, and counts the same way", () => {
    const agent = only(
      inline(`Resources:
  A:
    Type: AWS::Bedrock::Agent
    Properties:
      Instruction: Look up the catalogue.
      ActionGroups:
        - ActionGroupName: UserInput
          ParentActionGroupSignature: AMAZON.UserInput
        - ActionGroupName: catalogue
          ApiSchema:
            Payload: "{ not: [json"
`),
    );
    expect(agent.spec.tools).toEqual([]);
    expect(agent.spec.autonomy).toBe("bounded");
    expect(agent.warnings).toContain(
      "agent.yaml:11: Resources.A.Properties.ActionGroups[1].ApiSchema.Payload: the OpenAPI schema of catalogue cannot be read (neither JSON nor YAML); its operations are not imported",
    );
  });
});

describe("files that are not Bedrock agent definitions", () => {
  const importError = (files: SourceFile[]) => {
    try {
      bedrockAgentsImporter.read(files);
    } catch (error) {
      return error;
    }
    return null;
  };

  it.each([
    ["broken.yaml", /broken\.yaml: not readable as a CloudFormation template/],
    ["broken.tf", /broken\.tf: not valid Terraform/],
    ["bucket-only.yaml", /bucket-only\.yaml: not a Bedrock agent definition/],
    ["not-a-template.yaml", /not-a-template\.yaml: not a Bedrock agent definition/],
  ])("%s gives an ImportError naming the file", (name, message) => {
    const error = importError([fixture(name)]);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).file).toBe(name);
    expect((error as ImportError).message).toMatch(message);
    expect(bedrockAgentsImporter.detect([fixture(name)])).toBe(false);
  });

  it("a file of another kind is named too", () => {
    const error = importError([{ path: "package.json", content: '{"name": "x"}' }]);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).file).toBe("package.json");
    expect(importError([{ path: "notes.md", content: "# hi" }])).toBeInstanceOf(ImportError);
  });
});
