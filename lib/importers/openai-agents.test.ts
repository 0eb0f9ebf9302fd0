import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { openAiAgentsImporter } from "./openai-agents";
import { ImportError, type ImportedAgent, type SourceFile } from "./types";

const fixture = (name: string, path = name): SourceFile => ({
  path,
  content: readFileSync(join(__dirname, "fixtures/openai-agents", name), "utf8"),
});
const python = fixture("support_agents.py");
// Kept as .txt so the project's compiler does not type-check another project's source.
const typescript = fixture("helpdesk.ts.txt", "helpdesk.ts");

const agentNamed = (agents: ImportedAgent[], name: string) => {
  const agent = agents.find((a) => a.name === name);
  if (!agent) throw new Error(`no agent ${name}`);
  return agent;
};
const actionsOf = (agent: ImportedAgent) =>
  agent.spec.tools.flatMap((t) => t.actions.map((a) => ({ key: `${t.system}:${a.name}`, access: a.access, approval: a.approval })));

describe("OpenAI Agents SDK, Python", () => {
  const result = openAiAgentsImporter.read([python]);

  it("imports every Agent(...) in the file, handoff targets included", () => {
    expect(result.platform).toBe("openai-agents");
    expect(result.agents.map((a) => a.name)).toEqual(["Refund agent", "Policy researcher", "Triage agent"]);
    for (const agent of result.agents) expect(validateSpec(agent.spec).ok).toBe(true);
  });

  it("maps function tools to the system they call, access by verb, approval by needs_approval", () => {
    const refund = agentNamed(result.agents, "Refund agent");
    expect(actionsOf(refund)).toEqual([
      { key: "api.acme-travel.example:lookup_booking", access: "read", approval: "none" },
      { key: "stripe:issue_refund", access: "write", approval: "required" },
      { key: "functions:issue_travel_credit", access: "write", approval: "none" },
    ]);
    const p = refund.provenance.actions;
    expect(p["api.acme-travel.example:lookup_booking"]!.access).toMatchObject({
      how: "inferred",
      line: 20,
      because: expect.stringContaining('verb "lookup"'),
    });
    expect(p["stripe:issue_refund"]!.approval).toMatchObject({
      how: "stated",
      line: 33,
      path: "@function_tool issue_refund needs_approval",
    });
    // A callable decides at run time: counted as no approval (the safe side for review), said so.
    expect(p["functions:issue_travel_credit"]!.approval).toMatchObject({
      how: "inferred",
      because: expect.stringContaining("over_credit_limit"),
    });
    expect(refund.warnings).toContain(
      "support_agents.py:44: tool issue_travel_credit: needs_approval=over_credit_limit decides at run time; counted as no approval",
    );
  });

  it("pins a dated model and keeps the handoff description and instructions with the SDK's prefix", () => {
    const refund = agentNamed(result.agents, "Refund agent");
    expect(refund.spec.model).toEqual({ provider: "openai", name: "gpt-4.1-2025-04-14", version: "2025-04-14" });
    expect(refund.provenance.model).toMatchObject({ file: "support_agents.py", line: 57, how: "stated" });
    expect(refund.description).toBe("Handles refunds and travel credit.");
    expect(refund.spec.instructions).toContain("{RECOMMENDED_PROMPT_PREFIX}\nYou issue refunds and travel credit");
    expect(refund.spec.instructions).toContain("never refund more than was charged.");
    expect(refund.spec.autonomy).toBe("autonomous");
    expect(refund.provenance.autonomy).toMatchObject({ how: "inferred", because: expect.stringContaining("taken to run unattended") });
  });

  it("reads hosted search tools as read-only with a floating model", () => {
    const policy = agentNamed(result.agents, "Policy researcher");
    expect(actionsOf(policy)).toEqual([
      { key: "openai:web_search", access: "read", approval: "none" },
      { key: "openai:file_search", access: "read", approval: "none" },
    ]);
    expect(policy.spec.model).toEqual({ provider: "openai", name: "gpt-4.1", version: "" });
    expect(policy.spec.autonomy).toBe("read_only");
    expect(policy.provenance.autonomy.because).toBe("every action reads");
  });

  it("gives an agent without a model the SDK default, floating, with a warning; code interpreter is admin", () => {
    const triage = agentNamed(result.agents, "Triage agent");
    expect(triage.spec.model).toEqual({ provider: "openai-agents", name: "platform-default", version: "" });
    expect(triage.provenance.model).toMatchObject({ how: "inferred", line: 69 });
    expect(triage.warnings.some((w) => w.startsWith('support_agents.py:69: agent "Triage agent": No model is named'))).toBe(true);
    expect(actionsOf(triage)).toEqual([
      { key: "api.acme-travel.example:lookup_booking", access: "read", approval: "none" },
      { key: "api.acme-travel.example:rebook_flight", access: "write", approval: "none" },
      { key: "openai:code_interpreter", access: "admin", approval: "none" },
    ]);
    // name_override renames the tool; the function's own name stays in provenance.
    expect(triage.provenance.actions["api.acme-travel.example:rebook_flight"]!.access.path).toBe("@function_tool change_flight");
    expect(triage.spec.instructions).toContain("first point of contact for Acme Travel customers. Work out what");
  });

  it("names handoffs, unmapped settings and the hosted MCP server in warnings", () => {
    const triage = agentNamed(result.agents, "Triage agent");
    expect(triage.warnings).toEqual(
      expect.arrayContaining([
        'support_agents.py:69: agent "Triage agent": model_settings= is not mapped to the spec',
        'support_agents.py:80: agent "Triage agent": hosted MCP server "loyalty" is imported as a toolset, not granted in the spec',
        'support_agents.py:90: agent "Triage agent" hands off to "Refund agent" (imported as its own agent); a handoff is not an action in the spec',
        'support_agents.py:90: agent "Triage agent" hands off to "Policy researcher" (imported as its own agent); a handoff is not an action in the spec',
      ]),
    );
  });

  it("turns HostedMCPTool into a toolset with per-tool approval from require_approval", () => {
    expect(result.toolsets).toHaveLength(1);
    const loyalty = result.toolsets[0]!;
    expect(loyalty.system).toBe("loyalty");
    expect(loyalty.actions).toEqual([
      { name: "get_points_balance", access: "read", approval: "none" },
      // Not under "never": the Responses API asks by default.
      { name: "transfer_points", access: "write", approval: "required" },
    ]);
    expect(loyalty.provenance.transfer_points!.access.how).toBe("inferred");
    expect(loyalty.provenance.get_points_balance!.approval).toMatchObject({
      how: "stated",
      because: 'listed under require_approval "never"',
    });
  });
});

describe("OpenAI Agents SDK, TypeScript", () => {
  const result = openAiAgentsImporter.read([typescript]);

  it("imports new Agent({...}) definitions with tool({...}) actions", () => {
    expect(result.agents.map((a) => a.name)).toEqual(["Escalation", "IT helpdesk"]);
    const helpdesk = agentNamed(result.agents, "IT helpdesk");
    expect(validateSpec(helpdesk.spec).ok).toBe(true);
    expect(actionsOf(helpdesk)).toEqual([
      { key: "helpdesk.example.com:get_ticket", access: "read", approval: "none" },
      { key: "idp.example.com:reset_password", access: "admin", approval: "required" },
      { key: "slack:post_to_channel", access: "write", approval: "none" },
      { key: "openai:web_search", access: "read", approval: "none" },
      { key: "openai:computer_use", access: "admin", approval: "none" },
    ]);
    expect(helpdesk.spec.model).toEqual({ provider: "openai", name: "gpt-4.1-mini", version: "" });
    expect(helpdesk.spec.autonomy).toBe("autonomous");
    const p = helpdesk.provenance.actions;
    expect(p["idp.example.com:reset_password"]!.approval).toMatchObject({ how: "stated", line: 21 });
    expect(p["idp.example.com:reset_password"]!.access).toMatchObject({
      how: "inferred",
      because: expect.stringContaining("manages identities"),
    });
    expect(p["slack:post_to_channel"]!.approval).toMatchObject({ how: "inferred", because: expect.stringContaining("run time") });
    expect(helpdesk.warnings).toEqual(
      expect.arrayContaining([
        'helpdesk.ts:46: agent "IT helpdesk": outputType is not mapped to the spec',
        'helpdesk.ts:63: agent "IT helpdesk" hands off to "Escalation" (imported as its own agent); a handoff is not an action in the spec',
      ]),
    );
  });

  it("gives the handoff target the SDK default model with a warning", () => {
    const escalation = agentNamed(result.agents, "Escalation");
    expect(escalation.spec.model).toEqual({ provider: "openai-agents", name: "platform-default", version: "" });
    expect(escalation.spec.autonomy).toBe("read_only");
    expect(escalation.description).toBe("Takes over tickets the helpdesk cannot solve.");
    expect(escalation.warnings.some((w) => w.includes("No model is named"))).toBe(true);
  });

  it("reads hostedMcpTool approval lists into a toolset", () => {
    expect(result.toolsets).toEqual([
      expect.objectContaining({
        system: "github",
        actions: [
          { name: "list_issues", access: "read", approval: "none" },
          { name: "create_issue", access: "write", approval: "required" },
        ],
      }),
    ]);
  });
});

describe("OpenAI Agents SDK, files that are not definitions", () => {
  it("detects the SDK by its import, in either language", () => {
    expect(openAiAgentsImporter.detect([python])).toBe(true);
    expect(openAiAgentsImporter.detect([typescript])).toBe(true);
    expect(openAiAgentsImporter.detect([fixture("not_an_agent.py")])).toBe(false);
    expect(openAiAgentsImporter.detect([{ path: "notes.md", content: "from agents import Agent" }])).toBe(false);
  });

  it("refuses a file that defines no agent, naming it", () => {
    expect(() => openAiAgentsImporter.read([fixture("not_an_agent.py")])).toThrow(ImportError);
    expect(() => openAiAgentsImporter.read([fixture("not_an_agent.py")])).toThrow(/not_an_agent\.py: no OpenAI Agents SDK agent/);
  });

  it("refuses malformed source with the file and line, never a crash", () => {
    const error = (() => {
      try {
        openAiAgentsImporter.read([fixture("broken_agent.py")]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).file).toBe("broken_agent.py");
    expect((error as ImportError).message).toMatch(/broken_agent\.py: not valid Python \(syntax error at line \d+\)/);
    expect(() =>
      openAiAgentsImporter.read([{ path: "agent.ts", content: 'import { Agent } from "@openai/agents";\nnew Agent({ name: ' }]),
    ).toThrow(/agent\.ts: not valid TypeScript/);
  });

  it("skips a foreign file beside a definition with a warning", () => {
    const result = openAiAgentsImporter.read([python, fixture("not_an_agent.py")]);
    expect(result.warnings).toEqual([
      'support_agents.py:93: triage_agent.clone(...) makes another agent from "Triage agent"; the clone is not imported',
      "not_an_agent.py: not an OpenAI Agents SDK source file (no import of the SDK), skipped",
    ]);
  });
});

describe("OpenAI Agents SDK, tools in a sibling module", () => {
  const files = ["split/weather_bot/agent.py", "split/weather_bot/tools.py"].map((f) => fixture(f, f.replace("split/", "")));
  const result = openAiAgentsImporter.read(files);

  it("finds tools imported from another file, provenance pointing at where each is defined or made a tool", () => {
    const [agent] = result.agents;
    expect(result.agents).toHaveLength(1);
    expect(actionsOf(agent!)).toEqual([
      { key: "api.open-meteo.example:get_forecast", access: "read", approval: "none" },
      { key: "alerts.example.org:broadcast_storm_alert", access: "write", approval: "required" },
    ]);
    expect(agent!.provenance.actions["api.open-meteo.example:get_forecast"]!.access).toMatchObject({
      file: "weather_bot/tools.py",
      line: 7,
      how: "inferred",
    });
    expect(agent!.provenance.actions["alerts.example.org:broadcast_storm_alert"]!.approval).toMatchObject({
      file: "weather_bot/agent.py",
      line: 12,
      how: "stated",
    });
    expect(result.warnings).toEqual([
      "weather_bot/tools.py: imports the SDK but defines no Agent (read only for the tools agents import from it)",
    ]);
  });

  it("reads a LiteLLM model's provider and dated pin", () => {
    expect(result.agents[0]!.spec.model).toEqual({ provider: "anthropic", name: "claude-sonnet-4-5-20250929", version: "20250929" });
  });
});

describe("OpenAI Agents SDK, names the spec cannot hold", () => {
  it("leaves out a tool whose name normalises to nothing, with a warning, and keeps the rest", () => {
    const source = [
      'import { Agent, tool } from "@openai/agents";',
      'const lookup = tool({ name: "查询订单", description: "Look up an order.", execute: async () => "ok" });',
      'export const agent = new Agent({ name: "Orders", instructions: "Help with orders.", model: "gpt-4.1", tools: [lookup] });',
    ].join("\n");
    const [agent] = openAiAgentsImporter.read([{ path: "orders.ts", content: source }]).agents;
    expect(agent!.spec.tools).toEqual([]);
    expect(agent!.warnings).toContain("orders.ts:2: tool 查询订单 has no name the spec can hold; not mapped");
  });
});
