import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { servicenowImporter as importer } from "./servicenow";
import { ImportError, type ImportedAgent, type SourceFile } from "./types";

const FIXTURES = join(__dirname, "fixtures", "servicenow");

/** Fixture sources end in `.fixture` so the project's type check and lint leave them alone; the upload has the real names. */
function project(name: string): SourceFile[] {
  const root = join(FIXTURES, name);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? walk(join(dir, entry)) : [join(dir, entry)]));
  return walk(root).map((path) => ({ path: relative(root, path).replace(/\.fixture$/, ""), content: readFileSync(path, "utf8") }));
}

const actionsOf = (agent: ImportedAgent) =>
  agent.spec.tools.flatMap((t) => t.actions.map((a) => `${t.system}:${a.name} ${a.access}/${a.approval}`)).sort();

const TRIAGE = "src/fluent/ai-agents/incident-triage.now.ts";
const KNOWLEDGE = "src/fluent/ai-agents/knowledge.now.ts";

describe("ServiceNow Fluent AiAgent", () => {
  const result = importer.read(project("triage"));
  const byName = (name: string) => {
    const agent = result.agents.find((a) => a.name === name);
    if (!agent) throw new Error(`no agent ${name}`);
    return agent;
  };

  it("imports every AiAgent of every .now.ts file, each a valid spec", () => {
    expect(result.platform).toBe("servicenow");
    expect(result.agents.map((a) => a.name).sort()).toEqual(["Change Drafter", "Incident Triage Agent", "Knowledge Finder"]);
    for (const agent of result.agents) {
      expect(validateSpec(agent.spec).ok).toBe(true);
      expect(agent.platform).toBe("servicenow");
      expect(agent.spec.model).toEqual({ provider: "servicenow", name: "platform-default", version: "" });
      expect(agent.provenance.model).toMatchObject({ how: "inferred", because: "no model named: platform default" });
      expect(agent.warnings.some((w) => w.includes("the model floats"))).toBe(true);
    }
  });

  describe("Incident Triage Agent", () => {
    const agent = byName("Incident Triage Agent");

    it("maps each tool: CRUD operation states access, copilot asks a person, autopilot does not", () => {
      expect(actionsOf(agent)).toEqual([
        "mcp:Vendor_Status_MCP write/required", // MCP: the server's tools are unknown, so write
        "servicenow:Add_Work_Note write/none", // script, autopilot; access from the verb
        "servicenow:Grant_Assignment_Group_Role admin/required", // create on sys_user_has_role
        "servicenow:Look_Up_Incident read/none", // CRUD lookup
        "servicenow:Reset_Password admin/required", // subflow managing identities
        "servicenow:Update_Incident_Priority write/required", // CRUD update, copilot
        "web:AIA_Web_Search read/none", // OOB web search, no executionMode
      ]);
    });

    it("is autonomous: an autopilot write runs with nobody in the loop", () => {
      expect(agent.spec.autonomy).toBe("autonomous");
      expect(agent.provenance.autonomy).toMatchObject({ file: TRIAGE, line: 72, path: "tools[2].executionMode", how: "inferred" });
    });

    it("states CRUD access and execution modes, and infers the rest with reasons", () => {
      const actions = agent.provenance.actions;
      expect(actions["servicenow:Look_Up_Incident"]?.access).toEqual({
        file: TRIAGE,
        line: 45,
        path: "tools[0].inputs.operationName",
        how: "stated",
        because: "CRUD lookup on table incident",
      });
      expect(actions["servicenow:Update_Incident_Priority"]?.approval).toEqual({
        file: TRIAGE,
        line: 56,
        path: "tools[1].executionMode",
        how: "stated",
        because: "executionMode copilot: a person approves",
      });
      expect(actions["servicenow:Grant_Assignment_Group_Role"]?.access).toMatchObject({
        line: 95,
        path: "tools[3].inputs.table",
        how: "inferred",
      });
      expect(actions["servicenow:Add_Work_Note"]?.access).toMatchObject({
        line: 69,
        how: "inferred",
        because: 'verb "add" in the name: in doubt, write',
      });
      expect(actions["web:AIA_Web_Search"]?.approval).toMatchObject({
        how: "inferred",
        because: "executionMode not stated: in doubt, autopilot",
      });
    });

    it("takes the published version's instructions after description and role", () => {
      const headings = agent.spec.instructions.split("\n").filter((l) => l.startsWith("## "));
      expect(headings).toEqual(["## Agent description", "## Agent role", "## Instructions (version V2)"]);
      expect(agent.spec.instructions).toContain('Step 1: Use "Look Up Incident"');
      expect(agent.provenance.instructions[2]).toEqual({ file: TRIAGE, line: 31, path: "versionDetails[1].instructions", how: "stated" });
    });

    it("warns about what it does not map", () => {
      expect(agent.warnings).toEqual(
        expect.arrayContaining([
          expect.stringContaining("AiAgent.runAsUser (line 14) is not mapped"),
          expect.stringContaining("versionDetails[0] (V1, withdrawn) is not imported"),
          expect.stringContaining('"Add Work Note" runs a script'),
          expect.stringContaining('"Vendor Status MCP" is an MCP tool'),
          expect.stringContaining('"AIA Web Search" states no executionMode'),
          expect.stringContaining('"Close Incident" is inactive: not imported'),
        ]),
      );
    });
  });

  it("Knowledge Finder is read only; a constant's text is followed and a template is kept as written", () => {
    const agent = byName("Knowledge Finder");
    expect(actionsOf(agent)).toEqual(["servicenow:Knowledge_Search read/none", "servicenow:Search_Articles read/none"]);
    expect(agent.spec.autonomy).toBe("read_only");
    expect(agent.spec.instructions).toContain("Quote the article number with every answer.");
    expect(agent.provenance.instructions[2]).toMatchObject({ file: KNOWLEDGE, line: 4, path: "versionDetails[0].instructions" });
    expect(agent.warnings).toContainEqual(expect.stringContaining("description (line 12) has run-time substitutions"));
  });

  it("Change Drafter is bounded: a trigger starts it, but its only write needs approval", () => {
    const agent = byName("Change Drafter");
    expect(actionsOf(agent)).toEqual(["servicenow:Create_Change_Request write/required"]);
    expect(agent.spec.autonomy).toBe("bounded");
    expect(agent.provenance.autonomy).toMatchObject({ file: KNOWLEDGE, line: 53, path: "triggerConfig" });
    expect(agent.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining("no version is published"),
        expect.stringContaining("started by 1 trigger(s) (record_update)"),
      ]),
    );
  });

  it("detects Fluent agents and not other Fluent metadata", () => {
    expect(importer.detect(project("triage"))).toBe(true);
    expect(importer.detect(project("foreign"))).toBe(false);
  });
});

it("warns when anyone may invoke the agent", () => {
  const source = `import { AiAgent } from '@servicenow/sdk/core'
AiAgent({
  name: 'Open Helper',
  description: 'Answers questions',
  agentRole: 'Helper',
  securityAcl: { type: 'Public' },
  tools: [{ name: 'Get Status', type: 'script', executionMode: 'autopilot', script: 'x' }],
})`;
  const [agent] = importer.read([{ path: "open.now.ts", content: source }]).agents;
  expect(agent?.warnings).toContainEqual(expect.stringContaining("securityAcl (line 6) is Public"));
  expect(agent?.spec.autonomy).toBe("read_only");
  expect(agent?.spec.instructions).toContain("## Agent role\nHelper");
});

it("counts creating users or group members as admin, and reading them as read", () => {
  const crud = (name: string, operationName: string, table: string) =>
    `{ name: '${name}', type: 'crud', executionMode: 'copilot', inputs: { operationName: '${operationName}', table: '${table}', inputFields: [] } }`;
  const source = `AiAgent({ name: 'Onboarder', description: 'Onboards staff', agentRole: 'HR', tools: [
    ${crud("Create User", "create", "sys_user")},
    ${crud("Add To Group", "create", "sys_user_grmember")},
    ${crud("Find User", "lookup", "sys_user")},
    ${crud("Update Incident", "update", "incident")},
  ] })`;
  const [agent] = importer.read([{ path: "onboard.now.ts", content: source }]).agents;
  expect(agent && actionsOf(agent)).toEqual([
    "servicenow:Add_To_Group admin/required",
    "servicenow:Create_User admin/required",
    "servicenow:Find_User read/required",
    "servicenow:Update_Incident write/required",
  ]);
  expect(agent?.spec.autonomy).toBe("bounded");
});

describe("files that are not ServiceNow agent definitions", () => {
  it("names a .now.ts file that does not parse", () => {
    expect(() => importer.read(project("malformed"))).toThrow(ImportError);
    expect(() => importer.read(project("malformed"))).toThrow(/broken-agent\.now\.ts: not valid TypeScript/);
  });

  it("names a Fluent file without an AiAgent", () => {
    expect(() => importer.read(project("foreign"))).toThrow(/tables\.now\.ts: no ServiceNow AiAgent definition/);
  });

  it("names a file of another kind", () => {
    const files = [{ path: "agent.mcs.yml", content: "kind: GptComponentMetadata\n" }];
    try {
      importer.read(files);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImportError);
      expect((error as ImportError).file).toBe("agent.mcs.yml");
    }
  });
});
