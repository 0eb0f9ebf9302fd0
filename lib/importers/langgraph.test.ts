import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { langGraphImporter } from "./langgraph";
import { ImportError, type ImportedAgent, type SourceFile } from "./types";

const fixture = (path: string): SourceFile => ({ path, content: readFileSync(join(__dirname, "fixtures/langgraph", path), "utf8") });
const files = ["langgraph.json", "src/orders/agent.py", "src/research/supervisor.py", "src/triage/graph.py", "src/inbox/agent.py"].map(
  fixture,
);

const agentNamed = (agents: ImportedAgent[], name: string) => {
  const agent = agents.find((a) => a.name === name);
  if (!agent) throw new Error(`no agent ${name}`);
  return agent;
};
const actionsOf = (agent: ImportedAgent) =>
  agent.spec.tools.flatMap((t) => t.actions.map((a) => ({ key: `${t.system}:${a.name}`, access: a.access, approval: a.approval })));

describe("LangGraph", () => {
  const result = langGraphImporter.read(files);

  it("reads every Python graph langgraph.json names, and says which it could not", () => {
    expect(result.platform).toBe("langgraph");
    expect(result.agents.map((a) => a.name)).toEqual([
      "order_assistant",
      "research_team",
      "research_expert",
      "math_expert",
      "ticket_triage",
      "inbox",
    ]);
    for (const agent of result.agents) {
      expect(agent.platform).toBe("langgraph");
      expect(validateSpec(agent.spec).ok).toBe(true);
    }
    expect(result.warnings).toEqual([
      "langgraph.json: graphs.storefront: ./web/src/storefront.ts is not a Python module; only Python graphs are read",
      "langgraph.json: graphs.billing: module ./src/billing/agent.py is not among the files, not read",
    ]);
  });

  it("counts interrupt(...) as approval only when it comes before the tool acts", () => {
    const orders = agentNamed(result.agents, "order_assistant");
    expect(actionsOf(orders)).toEqual([
      { key: "shop.northwind.example:search_orders", access: "read", approval: "none" },
      { key: "shop.northwind.example:cancel_order", access: "write", approval: "required" },
      // @tool("issue_store_credit") renames it; its interrupt only notifies after the credit is issued.
      { key: "shop.northwind.example:issue_store_credit", access: "write", approval: "none" },
    ]);
    const p = orders.provenance.actions;
    expect(p["shop.northwind.example:cancel_order"]!.approval).toMatchObject({
      how: "stated",
      line: 23,
      because: "interrupt(...) before the tool acts",
    });
    expect(p["shop.northwind.example:search_orders"]!.access).toMatchObject({
      how: "inferred",
      line: 14,
      because: expect.stringContaining('verb "search"'),
    });
    expect(p["shop.northwind.example:issue_store_credit"]!.access.path).toBe("@tool store_credit");
    expect(orders.warnings).toEqual(
      expect.arrayContaining([
        "src/orders/agent.py:34: tool issue_store_credit: interrupt(...) comes after the tool has acted; not counted as approval",
        'src/orders/agent.py:38: agent "order_assistant": version= is not mapped to the spec',
      ]),
    );
    expect(orders.spec.autonomy).toBe("autonomous");
    expect(orders.provenance.autonomy).toMatchObject({ how: "inferred", because: expect.stringContaining("taken to run unattended") });
  });

  it("reads init_chat_model('provider:model') with its dated pin, and the prompt", () => {
    const orders = agentNamed(result.agents, "order_assistant");
    expect(orders.spec.model).toEqual({ provider: "anthropic", name: "claude-3-5-sonnet-20240620", version: "20240620" });
    expect(orders.provenance.model).toMatchObject({ file: "src/orders/agent.py", line: 11, how: "stated" });
    expect(orders.spec.instructions).toBe(
      '## Agent "order_assistant" prompt\nYou are Northwind\'s order assistant. Answer questions about orders, and cancel an order only when the customer asks for it.\n',
    );
  });

  it("imports a supervisor and each agent it manages, handoffs in warnings", () => {
    const supervisor = agentNamed(result.agents, "research_team");
    expect(supervisor.spec.model).toEqual({ provider: "openai", name: "gpt-4o-2024-08-06", version: "2024-08-06" });
    expect(supervisor.spec.tools).toEqual([]);
    expect(supervisor.spec.autonomy).toBe("read_only");
    expect(supervisor.warnings).toEqual(
      expect.arrayContaining([
        'src/research/supervisor.py:31: agent "research_team" hands off to "research_expert" (imported as its own agent); a handoff is not an action in the spec',
        'src/research/supervisor.py:31: agent "research_team" hands off to "math_expert" (imported as its own agent); a handoff is not an action in the spec',
      ]),
    );
    const research = agentNamed(result.agents, "research_expert");
    expect(actionsOf(research)).toEqual([{ key: "tavily:search", access: "read", approval: "none" }]);
    expect(research.spec.autonomy).toBe("read_only");
    const math = agentNamed(result.agents, "math_expert");
    // "openai:gpt-4o" names no snapshot: floating.
    expect(math.spec.model).toEqual({ provider: "openai", name: "gpt-4o", version: "" });
    expect(math.provenance.model.because).toBe("no dated snapshot: the model floats");
    expect(actionsOf(math)).toEqual([
      { key: "functions:calculate_compound_interest", access: "read", approval: "none" },
      { key: "functions:convert_currency", access: "write", approval: "none" },
    ]);
    expect(math.provenance.actions["functions:convert_currency"]!.access).toMatchObject({
      how: "inferred",
      because: 'verb "convert" in the name: in doubt, write',
    });
  });

  it("reads a hand-built StateGraph's tools and model; interrupt_before tools asks before every tool", () => {
    const triage = agentNamed(result.agents, "ticket_triage");
    expect(triage.description).toBe("Routes support tickets to the right group");
    expect(triage.spec.model).toEqual({ provider: "openai", name: "gpt-4o-mini", version: "" });
    expect(actionsOf(triage)).toEqual([
      { key: "zenpy:get_ticket", access: "read", approval: "required" },
      { key: "zenpy:assign_ticket", access: "write", approval: "required" },
    ]);
    expect(triage.provenance.actions["zenpy:assign_ticket"]!.approval).toMatchObject({ how: "stated", line: 48, path: "interrupt_before" });
    expect(triage.spec.autonomy).toBe("bounded");
    expect(triage.provenance.autonomy.because).toBe("every write needs approval");
    expect(triage.spec.instructions).toContain("You triage support tickets");
    expect(triage.warnings[0]).toBe(
      'src/triage/graph.py:48: agent "ticket_triage": a hand-built StateGraph; its nodes and edges are code, only its tools, model and system message are read',
    );
  });

  it("reads HumanInTheLoopMiddleware's interrupt_on per tool, and guesses the provider of a bare model id", () => {
    const inbox = agentNamed(result.agents, "inbox");
    expect(actionsOf(inbox)).toEqual([
      { key: "support_mail:read_inbox", access: "read", approval: "none" },
      { key: "support_mail:send_email", access: "write", approval: "required" },
      { key: "support_mail:archive_email", access: "write", approval: "none" },
    ]);
    expect(inbox.provenance.actions["support_mail:send_email"]!.approval).toMatchObject({ how: "stated", path: "interrupt_on.send_email" });
    expect(inbox.provenance.actions["support_mail:archive_email"]!.approval).toMatchObject({
      how: "stated",
      path: "interrupt_on.archive_email",
    });
    expect(inbox.spec.model).toEqual({ provider: "openai", name: "gpt-4.1", version: "" });
    expect(inbox.provenance.model).toMatchObject({ how: "inferred", because: 'no provider named: guessed from the model id "gpt-4.1"' });
    expect(inbox.spec.autonomy).toBe("autonomous");
  });
});

describe("LangGraph, tools in a sibling module", () => {
  it("finds a @tool imported from another module among the files", () => {
    const config = { path: "langgraph.json", content: JSON.stringify({ graphs: { helper: "./app/graph.py:graph" } }) };
    const graph = {
      path: "app/graph.py",
      content: [
        "from langgraph.prebuilt import create_react_agent",
        "from app.tools import delete_project",
        "",
        'graph = create_react_agent("openai:gpt-4.1-2025-04-14", [delete_project], prompt="You tidy up projects.")',
        "",
      ].join("\n"),
    };
    const tools = {
      path: "app/tools.py",
      content: [
        "from langchain_core.tools import tool",
        "from langgraph.types import interrupt",
        "",
        "",
        "@tool",
        "def delete_project(project_id: str) -> str:",
        '    """Delete a whole project."""',
        '    interrupt({"confirm": project_id})',
        '    return "deleted"',
        "",
      ].join("\n"),
    };
    const [agent] = langGraphImporter.read([config, graph, tools]).agents;
    expect(agent!.spec.tools).toEqual([
      { system: "functions", actions: [{ name: "delete_project", access: "admin", approval: "required" }] },
    ]);
    expect(agent!.provenance.actions["functions:delete_project"]!.approval).toMatchObject({ file: "app/tools.py", line: 8, how: "stated" });
    expect(agent!.spec.model).toEqual({ provider: "openai", name: "gpt-4.1-2025-04-14", version: "2025-04-14" });
    expect(agent!.spec.autonomy).toBe("bounded");
  });
});

describe("LangGraph, files that are not definitions", () => {
  it("detects a langgraph.json with graphs, nothing else", () => {
    expect(langGraphImporter.detect(files)).toBe(true);
    expect(langGraphImporter.detect([fixture("src/orders/agent.py")])).toBe(false);
    expect(langGraphImporter.detect([{ path: "langgraph.json", content: '{"name": "x"}' }])).toBe(false);
  });

  it("refuses files without a langgraph.json, a foreign or malformed one, naming it", () => {
    expect(() => langGraphImporter.read([fixture("src/orders/agent.py")])).toThrow(/src\/orders\/agent\.py: no langgraph\.json/);
    expect(() => langGraphImporter.read([{ path: "app/langgraph.json", content: '{"dependencies": ["."]}' }])).toThrow(
      'app/langgraph.json: not a LangGraph configuration (no "graphs" object)',
    );
    expect(() => langGraphImporter.read([{ path: "langgraph.json", content: '{"graphs": {' }])).toThrow(ImportError);
    expect(() => langGraphImporter.read([{ path: "langgraph.json", content: '{"graphs": {' }])).toThrow(/^langgraph\.json: not valid JSON/);
  });

  it("refuses a graph module with a syntax error, naming the module", () => {
    const broken = {
      path: "src/orders/agent.py",
      content: "from langgraph.prebuilt import create_react_agent\ngraph = create_react_agent(\n",
    };
    let error: unknown;
    try {
      langGraphImporter.read([fixture("langgraph.json"), broken]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).file).toBe("src/orders/agent.py");
  });

  it("refuses a configuration none of whose graphs can be read", () => {
    const config = { path: "langgraph.json", content: JSON.stringify({ graphs: { agent: "./agent.py:graph" } }) };
    const graphModule = { path: "agent.py", content: "def graph():\n    return None\n" };
    expect(() => langGraphImporter.read([config, graphModule])).toThrow(/langgraph\.json: no graph could be read/);
  });
});
