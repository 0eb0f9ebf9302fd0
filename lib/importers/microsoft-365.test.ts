import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { fixtureFiles } from "./fixture-files";
import { microsoft365Importer } from "./microsoft-365";
import { ImportError, type ImportResult, type SourceFile } from "./types";

const DIR = "microsoft-365/repairs-agent/appPackage";
const files = () => fixtureFiles("microsoft-365/repairs-agent");
const firstAgent = (result: ImportResult) => {
  const [agent] = result.agents;
  if (!agent) throw new Error("no agent imported");
  return agent;
};
const repairs = () => firstAgent(microsoft365Importer.read(files()));
const provenanceOf = (key: string) => repairs().provenance.actions[key] ?? expect.unreachable(`no provenance for ${key}`);
const without = (name: string, list: SourceFile[]) => list.filter((f) => !f.path.endsWith(name));

describe("Microsoft 365 declarative agent importer", () => {
  it("detects a declarative agent manifest", () => {
    expect(microsoft365Importer.detect(files())).toBe(true);
    expect(microsoft365Importer.detect([{ path: "package.json", content: '{"name":"x","version":"1.0.0"}' }])).toBe(false);
  });

  it("maps capabilities to read actions (the code interpreter to admin) and plugin functions by HTTP method and confirmation", () => {
    const agent = repairs();
    expect(agent.platform).toBe("copilot-studio");
    expect(agent.name).toBe("Repairs Assistant");
    expect(agent.spec.tools).toEqual([
      { system: "web", actions: [{ name: "WebSearch", access: "read", approval: "none" }] },
      { system: "sharepoint", actions: [{ name: "OneDriveAndSharePoint", access: "read", approval: "none" }] },
      { system: "graph-connectors", actions: [{ name: "GraphConnectors", access: "read", approval: "none" }] },
      { system: "microsoft-365", actions: [{ name: "CodeInterpreter", access: "admin", approval: "none" }] },
      {
        system: "repairs.contoso.example",
        actions: [
          { name: "listRepairs", access: "read", approval: "none" },
          { name: "searchRepairs", access: "read", approval: "none" },
          { name: "createRepair", access: "write", approval: "required" },
          { name: "closeRepair", access: "write", approval: "required" },
          { name: "deleteRepair", access: "write", approval: "none" },
        ],
      },
    ]);
    expect(agent.spec.autonomy).toBe("bounded");
    expect(validateSpec(agent.spec).ok).toBe(true);
  });

  it("says where each access and approval came from", () => {
    expect(provenanceOf("repairs.contoso.example:listRepairs").access).toEqual({
      file: `${DIR}/apiSpecificationFile/repairs.yml`,
      path: "paths./repairs.get",
      how: "stated",
      because: "HTTP GET",
    });
    expect(provenanceOf("repairs.contoso.example:searchRepairs").access).toMatchObject({
      how: "inferred",
      because: 'HTTP POST named for reading (verb "search" in the name reads)',
    });
    expect(provenanceOf("repairs.contoso.example:createRepair").approval).toEqual({
      file: `${DIR}/ai-plugin.json`,
      path: "functions[2].capabilities.confirmation",
      how: "stated",
      because: "the function asks the user to confirm",
    });
    expect(provenanceOf("repairs.contoso.example:closeRepair").approval).toMatchObject({
      path: "paths./repairs/{id}.patch.x-openai-isConsequential",
      how: "stated",
    });
    expect(provenanceOf("repairs.contoso.example:deleteRepair").approval).toMatchObject({
      how: "inferred",
      because: "no confirmation: runs without asking",
    });
    expect(provenanceOf("microsoft-365:CodeInterpreter").access).toMatchObject({ path: "capabilities[3].name", how: "inferred" });
    expect(provenanceOf("web:WebSearch").access).toMatchObject({ how: "inferred", because: "web search retrieves public pages" });
  });

  it("gives the platform's default model, floating, with a warning", () => {
    const agent = repairs();
    expect(agent.spec.model).toEqual({ provider: "microsoft-365", name: "platform-default", version: "" });
    expect(agent.provenance.model).toMatchObject({ how: "inferred", because: "no model named: platform default" });
    expect(agent.warnings[0]).toMatch(/No model is named: microsoft-365 chooses it/);
    expect(agent.provenance.autonomy).toMatchObject({ how: "inferred", because: expect.stringContaining("a person chatting") });
  });

  it("reads the instructions from the file the manifest names, after the description and before the plugin's", () => {
    const agent = repairs();
    const headings = agent.spec.instructions.split("\n").filter((l) => l.startsWith("## "));
    expect(headings).toEqual([
      `## ${DIR}/declarativeAgent.json description`,
      `## ${DIR}/instruction.txt`,
      `## ${DIR}/ai-plugin.json description_for_model`,
    ]);
    expect(agent.spec.instructions).toContain("Only create or close a repair when the user asks you to.");
    expect(agent.provenance.instructions[1]).toMatchObject({ file: `${DIR}/instruction.txt`, line: 1, how: "stated" });
  });

  it("warns about scopes, starters and display settings it does not map", () => {
    expect(repairs().warnings).toEqual(
      expect.arrayContaining([
        `${DIR}/declarativeAgent.json: capabilities[0] WebSearch is narrowed by sites; the spec grants the whole capability`,
        `${DIR}/declarativeAgent.json: capabilities[2] GraphConnectors is narrowed by connections; the spec grants the whole capability`,
        `${DIR}/declarativeAgent.json: not mapped: conversation_starters`,
        `${DIR}/ai-plugin.json: functions[3].capabilities response_semantics not mapped`,
        `${DIR}/ai-plugin.json: not mapped: capabilities`,
      ]),
    );
  });

  it("infers access from the function name, and warns, when the OpenAPI document is missing", () => {
    const agent = firstAgent(microsoft365Importer.read(without("repairs.yml", files())));
    const tool = agent.spec.tools.find((t) => t.system === "repairs");
    expect(tool?.actions.map((a) => `${a.name}:${a.access}:${a.approval}`)).toEqual([
      "listRepairs:read:none",
      "searchRepairs:read:none",
      "createRepair:write:required",
      "closeRepair:write:none",
      "deleteRepair:write:none",
    ]);
    expect(agent.provenance.actions["repairs:closeRepair"]?.access).toMatchObject({
      how: "inferred",
      because: 'verb "close" in the name: in doubt, write',
    });
    expect(agent.warnings).toContain(
      `${DIR}/ai-plugin.json: runtimes[0] names OpenAPI document ${DIR}/apiSpecificationFile/repairs.yml, which is not among the files`,
    );
  });

  it("is read_only with knowledge capabilities alone", () => {
    const manifest = {
      path: "da/declarativeAgent.json",
      content: JSON.stringify({
        version: "v1.5",
        name: "Policy Q&A",
        instructions: "Answer from the handbook.",
        capabilities: [{ name: "OneDriveAndSharePoint" }],
      }),
    };
    const agent = firstAgent(microsoft365Importer.read([manifest]));
    expect(agent.spec.autonomy).toBe("read_only");
    expect(agent.provenance.autonomy.because).toBe("every action reads");
  });

  it("refuses foreign and malformed files with an ImportError naming the file", () => {
    expect(() => microsoft365Importer.read([{ path: "notes.txt", content: "hello" }])).toThrow(ImportError);
    expect(() => microsoft365Importer.read([{ path: "app/declarativeAgent.json", content: "{ nope" }])).toThrow(
      /app\/declarativeAgent.json: not readable JSON/,
    );
    expect(() => microsoft365Importer.read([{ path: "app/declarativeAgent.json", content: "{}" }])).toThrow(
      /not a declarative agent manifest/,
    );
    const broken = files().map((f) => (f.path.endsWith("repairs.yml") ? { ...f, content: "title: not an api\n" } : f));
    expect(() => microsoft365Importer.read(broken)).toThrow(/repairs.yml: not an OpenAPI document/);
    const badPlugin = files().map((f) => (f.path.endsWith("ai-plugin.json") ? { ...f, content: '{"name":"x"}' } : f));
    expect(() => microsoft365Importer.read(badPlugin)).toThrow(/ai-plugin.json: not an API plugin manifest/);
  });
});

describe("Microsoft 365 importer paths", () => {
  it("follows the manifest's relative paths whether the upload's paths are relative, ./-prefixed or absolute", () => {
    for (const prefix of ["./", "/srv/repo/"]) {
      const moved = files().map((f) => ({ ...f, path: `${prefix}${f.path}` }));
      const agent = firstAgent(microsoft365Importer.read(moved));
      expect(agent.spec.tools.find((t) => t.system === "repairs.contoso.example")?.actions).toHaveLength(5);
      expect(agent.spec.instructions).toContain("Only create or close a repair");
    }
  });
});
