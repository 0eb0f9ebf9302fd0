import { TRACE_RETENTION_DAYS, TRACE_RETENTION_WARNING } from "./assemble";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { salesforceAgentforceImporter as importer } from "./salesforce-agentforce";
import { ImportError, type ImportedAgent, type SourceFile } from "./types";

const FIXTURES = join(__dirname, "fixtures", "salesforce-agentforce");

/** A fixture project as an upload would give it: every file, its path relative to the project root. */
function project(name: string): SourceFile[] {
  const root = join(FIXTURES, name);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? walk(join(dir, entry)) : [join(dir, entry)]));
  return walk(root).map((path) => ({ path: relative(root, path), content: readFileSync(path, "utf8") }));
}

function only(files: SourceFile[]): ImportedAgent {
  const result = importer.read(files);
  expect(result.platform).toBe("salesforce-agentforce");
  expect(result.agents).toHaveLength(1);
  const agent = result.agents[0]!;
  expect(validateSpec(agent.spec).ok).toBe(true);
  return agent;
}

const actionsOf = (agent: ImportedAgent) =>
  agent.spec.tools.flatMap((t) => t.actions.map((a) => `${t.system}:${a.name} ${a.access}/${a.approval}`)).sort();

const BASE = "force-app/main/default";

describe("Agentforce metadata (planner bundle, topics, actions, bot)", () => {
  const agent = only(project("resort"));

  it("names the agent after its Bot and keeps the Bot's description", () => {
    expect(agent.name).toBe("Resort Concierge");
    expect(agent.description).toBe("Helps resort guests with their reservations, credits and activities over web chat.");
    expect(agent.platform).toBe("salesforce-agentforce");
  });

  it("maps every action of every topic with its access and approval", () => {
    expect(actionsOf(agent)).toEqual([
      "WeatherService:Check_Weather_Forecast read/none", // externalService target: the service is the system
      "salesforce:Book_Activity write/none", // local action in the bundle, isConfirmationRequired false
      "salesforce:Cancel_Reservation write/none", // isConfirmationRequired absent: defaults to false
      "salesforce:EmployeeCopilot__AnswerQuestionsWithKnowledge read/none", // standard action, no file
      "salesforce:Get_Reservation_Details read/none",
      "salesforce:Issue_Resort_Credit write/required", // isConfirmationRequired true
    ]);
  });

  it("floats the model on the platform default and says so", () => {
    expect(agent.spec.model).toEqual({ provider: "salesforce", name: "platform-default", version: "" });
    expect(agent.provenance.model).toMatchObject({ how: "inferred", because: "no model named: platform default" });
    expect(agent.warnings.some((w) => w.includes("the model floats"))).toBe(true);
  });

  it("is bounded: a write without approval, but a person is in the chat (Bot type ExternalCopilot)", () => {
    expect(agent.spec.autonomy).toBe("bounded");
    expect(agent.provenance.autonomy).toMatchObject({
      file: `${BASE}/bots/Resort_Concierge/Resort_Concierge.bot-meta.xml`,
      line: 14,
      path: "Bot.type",
      how: "inferred",
    });
  });

  it("orders instructions: planner description, then each topic's scope and instructions by sortOrder", () => {
    const headings = agent.spec.instructions.split("\n").filter((l) => l.startsWith("## "));
    expect(headings).toEqual([
      "## Agent description",
      "## Topic Activity Booking: scope",
      "## Topic Activity Booking: instruction 1",
      "## Topic Reservation Management: scope",
      "## Topic Reservation Management: instruction 1",
      "## Topic Reservation Management: instruction 2",
    ]);
    expect(agent.spec.instructions).toContain("## Topic Reservation Management: instruction 1\nVerify the guest's reservation number");
    const plugin = `${BASE}/genAiPlugins/Reservation_Management/Reservation_Management.genAiPlugin-meta.xml`;
    expect(agent.provenance.instructions[3]).toEqual({ file: plugin, line: 35, path: "Reservation_Management.scope", how: "stated" });
    expect(agent.provenance.instructions[4]).toMatchObject({ file: plugin, line: 26, how: "stated" });
  });

  it("states approval from isConfirmationRequired and infers access from the action's label", () => {
    const credit = agent.provenance.actions["salesforce:Issue_Resort_Credit"]!;
    const file = `${BASE}/genAiFunctions/Issue_Resort_Credit/Issue_Resort_Credit.genAiFunction-meta.xml`;
    expect(credit.approval).toEqual({ file, line: 6, path: "GenAiFunction.isConfirmationRequired", how: "stated" });
    expect(credit.access).toMatchObject({ file, how: "inferred", because: 'verb "issue" in the name: in doubt, write' });
    expect(agent.provenance.actions["salesforce:Cancel_Reservation"]?.approval).toMatchObject({
      how: "inferred",
      because: "isConfirmationRequired not stated (defaults to false)",
    });
    expect(agent.provenance.actions["salesforce:Book_Activity"]?.approval).toMatchObject({
      line: 35,
      path: "localTopics[0].localActions[0].isConfirmationRequired",
      how: "stated",
    });
  });

  it("warns about the standard action it cannot see and the unset trace retention", () => {
    expect(agent.warnings).toContainEqual(
      expect.stringContaining('action "EmployeeCopilot__AnswerQuestionsWithKnowledge" (line 5) is not among the files'),
    );
    expect(agent.warnings).toContainEqual(expect.stringContaining(TRACE_RETENTION_WARNING));
    expect(agent.spec.traceRetentionDays).toBe(TRACE_RETENTION_DAYS);
  });

  it("warns that the Bot's run-as user is not mapped", () => {
    expect(agent.warnings).toContainEqual(
      expect.stringContaining("Bot.botUser resort.agent@example.com (line 8), the user the agent runs as, is not mapped"),
    );
  });

  it("detects the project", () => {
    expect(importer.detect(project("resort"))).toBe(true);
  });
});

describe("a planner reached by no Bot or surface", () => {
  const agent = only(project("nightly"));

  it("is autonomous: its write needs no approval and nobody is known to be in the loop", () => {
    expect(actionsOf(agent)).toEqual(["salesforce:Close_Stale_Cases write/none"]);
    expect(agent.spec.autonomy).toBe("autonomous");
    expect(agent.provenance.autonomy).toMatchObject({ file: "genAiPlanners/Case_Cleanup.genAiPlanner-meta.xml", how: "inferred" });
    expect(agent.warnings).toContainEqual(expect.stringContaining('no Bot or planner surface names how "Case_Cleanup" is reached'));
  });
});

describe("Agent Script (.agent)", () => {
  const agent = only(project("script"));
  const file = `${BASE}/aiAuthoringBundles/Order_Support_Agent/Order_Support_Agent.agent`;

  it("maps config, system instructions, topics and their actions by target", () => {
    expect(agent.name).toBe("Order Support Agent");
    expect(actionsOf(agent)).toEqual([
      "salesforce:draft_apology read/none", // prompt:// target: text returned to the agent
      "salesforce:issue_refund write/none",
      "salesforce:lookup_order read/none",
    ]);
    expect(agent.spec.autonomy).toBe("bounded");
    expect(agent.provenance.autonomy).toMatchObject({ file, line: 12, path: "config.agent_type" });
    expect(agent.spec.instructions).toContain("## System instructions\nYou are a courteous order support agent");
    expect(agent.spec.instructions).toContain("## Topic order_support: instructions\nAsk for the order number");
  });

  it("marks every access and approval as inferred, with the line of the action", () => {
    expect(agent.provenance.actions["salesforce:issue_refund"]).toEqual({
      access: {
        file,
        line: 42,
        path: "topic order_support.actions.issue_refund",
        how: "inferred",
        because: 'verb "issue" in the name: in doubt, write',
      },
      approval: {
        file,
        line: 42,
        path: "topic order_support.actions.issue_refund",
        how: "inferred",
        because: "Agent Script states no confirmation for the action",
      },
    });
    expect(agent.provenance.actions["salesforce:draft_apology"]?.access).toMatchObject({
      line: 54,
      because: "a prompt template generates text returned to the agent",
    });
  });

  it("warns about the logic, escalation, run-as user and blocks it does not map", () => {
    expect(agent.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining("config.default_agent_user (line 13) is not mapped"),
        expect.stringContaining('block "variables" (line 15) is not mapped'),
        expect.stringContaining("1 logic line(s)"),
        expect.stringContaining("escalation to a person is not mapped"),
        expect.stringContaining("the model floats"),
      ]),
    );
  });
});

describe("files that are not Agentforce definitions", () => {
  it("names a malformed metadata file", () => {
    const files = project("malformed");
    expect(() => importer.read(files)).toThrow(ImportError);
    try {
      importer.read(files);
    } catch (error) {
      expect((error as ImportError).file).toBe("genAiFunctions/Broken_Action/Broken_Action.genAiFunction-meta.xml");
      expect((error as ImportError).message).toContain("not well-formed XML");
    }
  });

  it("names a foreign file and does not detect it", () => {
    const files = project("foreign");
    expect(importer.detect(files)).toBe(false);
    expect(() => importer.read(files)).toThrow(/AccountService\.cls-meta\.xml: no Agentforce planner/);
  });

  it("names an .agent file that is not Agent Script", () => {
    const files = [{ path: "aiAuthoringBundles/X/X.agent", content: "just some notes\nnothing: here" }];
    expect(() => importer.read(files)).toThrow(ImportError);
  });

  it("refuses topics and actions without a planner", () => {
    const files = project("resort").filter((f) => !f.path.includes("genAiPlannerBundles"));
    expect(() => importer.read(files)).toThrow(ImportError);
  });

  it("warns about a topic file no planner uses", () => {
    const extra = {
      path: "genAiPlugins/Spare/Spare.genAiPlugin-meta.xml",
      content: `<?xml version="1.0" encoding="UTF-8"?>
<GenAiPlugin xmlns="http://soap.sforce.com/2006/04/metadata">
    <developerName>Spare</developerName>
    <masterLabel>Spare</masterLabel>
    <pluginType>Topic</pluginType>
    <scope>Unused.</scope>
</GenAiPlugin>`,
    };
    const result = importer.read([...project("resort"), extra]);
    expect(result.warnings).toContainEqual(expect.stringContaining('topic "Spare" is used by no planner among the files: not imported'));
    expect(result.warnings.some((w) => w.includes("used by no topic or planner"))).toBe(false);
  });

  it("refuses an empty upload", () => {
    expect(() => importer.read([])).toThrow(ImportError);
  });
});
