import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { copilotStudioImporter } from "./copilot-studio";
import { fixtureFiles } from "./fixture-files";
import { ImportError, type ImportResult } from "./types";

const travelDesk = () => copilotStudioImporter.read(fixtureFiles("copilot-studio/travel-desk"));
const firstAgent = (result: ImportResult) => {
  const [agent] = result.agents;
  if (!agent) throw new Error("no agent imported");
  return agent;
};
const actionsOf = (result: ImportResult) => {
  const { actions } = firstAgent(result).provenance;
  return (key: string) => actions[key] ?? expect.unreachable(`no provenance for ${key}`);
};
const TD = "copilot-studio/travel-desk";

describe("Copilot Studio importer", () => {
  it("detects .mcs.yml components and nothing else", () => {
    expect(copilotStudioImporter.detect(fixtureFiles("copilot-studio/travel-desk"))).toBe(true);
    expect(copilotStudioImporter.detect([{ path: "agent.yaml", content: "kind: GptComponentMetadata\n" }])).toBe(false);
    expect(copilotStudioImporter.detect([{ path: "x.mcs.yml", content: "kind: Other\n" }])).toBe(false);
  });

  it("maps each connector, HTTP and built-in action with its access and approval", () => {
    const agent = firstAgent(travelDesk());
    expect(agent.name).toBe("Contoso Travel Desk");
    expect(agent.platform).toBe("copilot-studio");
    expect(agent.spec.tools).toEqual([
      { system: "web", actions: [{ name: "web_search", access: "read", approval: "none" }] },
      {
        system: "office365",
        actions: [
          { name: "GetEventsCalendarViewV3", access: "read", approval: "none" },
          { name: "SendEmailV2", access: "write", approval: "required" },
        ],
      },
      {
        system: "service-now",
        actions: [
          { name: "UpdateRecord", access: "write", approval: "none" },
          { name: "CreateRecord", access: "write", approval: "none" },
        ],
      },
      { system: "sharepoint", actions: [{ name: "search_TravelPolicy", access: "read", approval: "none" }] },
      { system: "fares.contoso.example", actions: [{ name: "lookupFare", access: "read", approval: "none" }] },
    ]);
    expect(validateSpec(agent.spec).ok).toBe(true);
  });

  it("says where each access and approval came from, and why when inferred", () => {
    const actions = actionsOf(travelDesk());
    expect(actions("office365:SendEmailV2")).toEqual({
      access: {
        file: `${TD}/actions/SendBookingEmail.mcs.yml`,
        line: 24,
        path: "action.operationId",
        how: "inferred",
        because: 'verb "send" in the name: in doubt, write',
      },
      approval: {
        file: `${TD}/actions/SendBookingEmail.mcs.yml`,
        line: 15,
        path: "confirmation",
        how: "stated",
        because: "the action asks the user to confirm before it runs",
      },
    });
    expect(actions("office365:GetEventsCalendarViewV3").access).toMatchObject({ how: "inferred", because: 'verb "get" in the name reads' });
    expect(actions("office365:GetEventsCalendarViewV3").approval).toMatchObject({ path: "confirmation", how: "inferred" });
    expect(actions("service-now:UpdateRecord").approval).toMatchObject({ line: 5, path: "confirmation.mode", how: "stated" });
    expect(actions("fares.contoso.example:lookupFare").access).toMatchObject({
      file: `${TD}/topics/FareLookup.mcs.yml`,
      line: 18,
      path: "beginDialog.actions[1].method",
      how: "stated",
      because: "HTTP GET",
    });
    expect(actions("service-now:CreateRecord").access).toMatchObject({
      line: 34,
      path: "beginDialog.actions[2].elseActions[0].operationId",
      how: "inferred",
    });
    expect(actions("web:web_search").access).toMatchObject({ line: 17, how: "inferred" });
    expect(actions("sharepoint:search_TravelPolicy").access).toEqual({
      file: `${TD}/knowledge/TravelPolicy.mcs.yml`,
      line: 6,
      path: "source.kind",
      how: "inferred",
      because: "knowledge source SharePointSearchSource is searched, not written",
    });
  });

  it("takes the model from modelNameHint, floating, and says so", () => {
    const agent = firstAgent(travelDesk());
    expect(agent.spec.model).toEqual({ provider: "openai", name: "GPT41", version: "" });
    expect(agent.provenance.model).toMatchObject({ file: `${TD}/agent.mcs.yml`, line: 15, how: "stated" });
    expect(agent.warnings).toContain(`${TD}/agent.mcs.yml: model "GPT41" names no snapshot: Copilot Studio may move it (floating)`);
  });

  it("joins description, instructions, tool and topic descriptions, in that order, each headed by its source", () => {
    const agent = firstAgent(travelDesk());
    const headings = agent.spec.instructions.split("\n").filter((l) => l.startsWith("## "));
    expect(headings).toEqual([
      `## ${TD}/agent.mcs.yml description`,
      `## ${TD}/agent.mcs.yml instructions`,
      `## ${TD}/actions/CalendarEvents.mcs.yml (Get calendar events)`,
      `## ${TD}/actions/SendBookingEmail.mcs.yml (Send booking confirmation)`,
      `## ${TD}/actions/UpdateTicket.mcs.yml (Update travel request)`,
      `## ${TD}/topics/FareLookup.mcs.yml (topic FareLookup)`,
    ]);
    expect(agent.spec.instructions).toContain("Never book a flight without the traveller's explicit agreement.");
    expect(agent.provenance.instructions.map((p) => p.line)).toEqual([3, 6, 3, 13, 3, 2]);
  });

  it("is bounded when it writes from a chat, and warns about everything it does not map", () => {
    const agent = firstAgent(travelDesk());
    expect(agent.spec.autonomy).toBe("bounded");
    expect(agent.provenance.autonomy).toMatchObject({
      how: "inferred",
      because: "service-now:UpdateRecord writes without approval; topics start from a chat with a person",
    });
    expect(agent.warnings).toEqual(
      expect.arrayContaining([
        `${TD}/agent.mcs.yml: not mapped: conversationStarters`,
        `${TD}/actions/UpdateTicket.mcs.yml: "Update travel request" runs on the maker's connection (connectionProperties.mode Maker): every user acts with the maker's access`,
        `${TD}/settings.mcs.yml: settings not mapped: accessControlPolicy, authenticationMode, authenticationTrigger, configuration`,
        `${TD}/topics/FareLookup.mcs.yml: step beginDialog.actions[2].elseActions[1] of kind "BeginDialog" is not mapped`,
        `${TD}/knowledge/TravelPolicy.mcs.yml: knowledge is narrowed to https://contoso.sharepoint.com/sites/Travel/Shared%20Documents/Policy; the spec grants search_TravelPolicy on sharepoint as a whole`,
      ]),
    );
  });

  it("imports an MCP server action as a toolset to be filled from its tools/list", () => {
    const result = travelDesk();
    expect(result.toolsets).toHaveLength(1);
    expect(result.toolsets[0]).toMatchObject({ system: "microsoftlearndocsmcp", actions: [] });
    expect(result.toolsets[0]?.warnings[0]).toMatch(/import its tools\/list response/);
    expect(firstAgent(result).spec.tools.map((t) => t.system)).not.toContain("microsoftlearndocsmcp");
  });

  it("makes an agent started by an external trigger autonomous, with the platform's default model", () => {
    const agent = firstAgent(copilotStudioImporter.read(fixtureFiles("copilot-studio/expense-watcher")));
    expect(agent.name).toBe("Expense Watcher");
    expect(agent.spec.model).toEqual({ provider: "copilot-studio", name: "platform-default", version: "" });
    expect(agent.provenance.model).toMatchObject({ how: "inferred" });
    expect(agent.warnings.some((w) => w.includes("the model floats"))).toBe(true);
    expect(agent.spec.tools).toEqual([{ system: "sharepointonline", actions: [{ name: "PatchItem", access: "write", approval: "none" }] }]);
    expect(agent.spec.autonomy).toBe("autonomous");
    expect(agent.provenance.autonomy).toMatchObject({
      file: "copilot-studio/expense-watcher/trigger/NewExpenseItem.mcs.yml",
      path: "externalTriggerSource",
      how: "inferred",
      because: "sharepointonline:PatchItem writes without approval and an external trigger (SharePoint) starts it without anyone chatting",
    });
    expect(agent.warnings).toContain(
      "copilot-studio/expense-watcher/trigger/NewExpenseItem.mcs.yml: trigger flow 5c0b7e1a-2d3f-4e8a-9b61-0f3c2a7d9e44: what the flow itself touches is not in this file",
    );
  });

  it("reads two agents in one upload as two agents", () => {
    const result = copilotStudioImporter.read([
      ...fixtureFiles("copilot-studio/travel-desk"),
      ...fixtureFiles("copilot-studio/expense-watcher"),
    ]);
    expect(result.agents.map((a) => a.name)).toEqual(["Expense Watcher", "Contoso Travel Desk"]);
  });

  it("refuses foreign and malformed files with an ImportError naming the file", () => {
    expect(() => copilotStudioImporter.read([{ path: "README.md", content: "# hi" }])).toThrow(ImportError);
    expect(() => copilotStudioImporter.read([{ path: "bot/agent.mcs.yml", content: "kind: [unclosed" }])).toThrow(
      /bot\/agent.mcs.yml: not readable YAML/,
    );
    expect(() => copilotStudioImporter.read([{ path: "bot/agent.mcs.yml", content: "kind: AdaptiveDialog\n" }])).toThrow(
      /must be kind GptComponentMetadata/,
    );
    expect(() => copilotStudioImporter.read([{ path: "bot/agent.mcs.yml", content: "- just\n- a list\n" }])).toThrow(ImportError);
    try {
      copilotStudioImporter.read([{ path: "bot/actions/x.mcs.yml", content: "kind: TaskDialog\n" }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ImportError);
    }
  });
});

describe("Copilot Studio importer on hostile input", () => {
  it("refuses an alias bomb by name instead of expanding it", () => {
    const bomb = ["kind: GptComponentMetadata", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(",")}]`,
      );
    expect(() => copilotStudioImporter.read([{ path: "bomb/agent.mcs.yml", content: bomb.join("\n") }])).toThrow(
      /bomb\/agent.mcs.yml: not readable YAML/,
    );
  });

  it("reports topic steps nested too deep instead of overflowing", () => {
    let steps = "[]";
    for (let i = 0; i < 60; i++) steps = `[{kind: ConditionGroup, conditions: [{actions: ${steps}}]}]`;
    const topic = `kind: AdaptiveDialog\nbeginDialog:\n  kind: OnRecognizedIntent\n  actions: ${steps}\n`;
    const result = copilotStudioImporter.read([
      { path: "deep/settings.mcs.yml", content: "displayName: Deep\n" },
      { path: "deep/topics/Deep.mcs.yml", content: topic },
    ]);
    expect(firstAgent(result).warnings.some((w) => w.includes("nested too deep to read"))).toBe(true);
  });
});
