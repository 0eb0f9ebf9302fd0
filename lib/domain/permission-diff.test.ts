import { describe, expect, it } from "vitest";
import {
  attestedFieldsDiff,
  EMPTY_SPEC,
  instructionsDiff,
  permissionDiff,
  sortDiff,
  touchedDomains,
  type AttestedSnapshot,
  type DiffItem,
} from "./permission-diff";
import { validateSpec, type AgentSpec, type ToolAction } from "./spec";

/**
 * A refund assistant close to DESIGN.md's example, with a second system (zendesk, one read action
 * that needs approval) and corrections not yet captured, so every row of the permission-diff table
 * can be reached by one edit. A fresh copy each call so tests can mutate it.
 */
function refundAssistant(): AgentSpec {
  return {
    model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
    instructions: "You help support staff issue refunds.\nAsk before refunding more than 50 USD.\n",
    autonomy: "bounded",
    tools: [
      {
        system: "stripe",
        actions: [
          { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
          { name: "charges.read", access: "read", approval: "none" },
        ],
      },
      { system: "zendesk", actions: [{ name: "tickets.read", access: "read", approval: "required" }] },
    ],
    forbidden: ["stripe:customers.delete"],
    humanInTheLoop: {
      reviewer: "Tier-2 support lead",
      surface: "Zendesk sidebar",
      canOverride: true,
      captureCorrections: false,
      stopAskingRule: "after 200 decisions with < 1% corrections",
    },
    traceRetentionDays: 90,
  };
}

/** The named action of a spec, to edit in place. */
function actionOf(spec: AgentSpec, system: string, name: string): ToolAction {
  const found = spec.tools.find((t) => t.system === system)?.actions.find((a) => a.name === name);
  if (!found) throw new Error(`no action ${system}:${name} in the spec`);
  return found;
}

/** The spec after one edit of the refund assistant. */
function edited(edit: (spec: AgentSpec) => void): AgentSpec {
  const spec = refundAssistant();
  edit(spec);
  return spec;
}

/** The diff of one edit against the unedited refund assistant. */
function diffOf(edit: (spec: AgentSpec) => void): DiffItem[] {
  return permissionDiff(refundAssistant(), edited(edit));
}

const REFUNDS_CREATE = "tools[stripe].actions[refunds.create]";

describe("permissionDiff: nothing changed", () => {
  it("gives no items for identical specs", () => {
    expect(permissionDiff(refundAssistant(), refundAssistant())).toEqual([]);
  });

  it("gives no items for a spec diffed against itself", () => {
    const spec = refundAssistant();
    expect(permissionDiff(spec, spec)).toEqual([]);
  });

  it("gives no items when only the order of tools, actions or forbidden entries changes", () => {
    const next = edited((s) => {
      s.tools.reverse();
      s.tools[1]!.actions.reverse();
      s.forbidden = ["stripe:refunds.delete", "stripe:customers.delete"];
    });
    const base = edited((s) => {
      s.forbidden = ["stripe:customers.delete", "stripe:refunds.delete"];
    });
    expect(permissionDiff(base, next)).toEqual([]);
  });
});

describe("permissionDiff: systems (authority)", () => {
  it("a system added is an escalation, with an action_added escalation for each of its actions", () => {
    const diff = diffOf((s) => {
      s.tools.push({
        system: "salesforce",
        actions: [
          { name: "cases.read", access: "read", approval: "none" },
          { name: "cases.update", access: "write", approval: "required" },
        ],
      });
    });
    expect(diff).toEqual([
      {
        kind: "system_added",
        domain: "authority",
        direction: "escalation",
        summary: "system salesforce added",
        path: "tools[salesforce]",
        before: null,
        after: "salesforce",
      },
      {
        kind: "action_added",
        domain: "authority",
        direction: "escalation",
        summary: "action salesforce:cases.read added (read, approval none)",
        path: "tools[salesforce].actions[cases.read]",
        before: null,
        after: { name: "cases.read", access: "read", approval: "none" },
      },
      {
        kind: "action_added",
        domain: "authority",
        direction: "escalation",
        summary: "action salesforce:cases.update added (write, approval required)",
        path: "tools[salesforce].actions[cases.update]",
        before: null,
        after: { name: "cases.update", access: "write", approval: "required" },
      },
    ]);
  });

  it("a system removed is a reduction, with an action_removed reduction for each of its actions", () => {
    const diff = diffOf((s) => {
      s.tools = s.tools.filter((t) => t.system !== "zendesk");
    });
    expect(diff).toEqual([
      {
        kind: "system_removed",
        domain: "authority",
        direction: "reduction",
        summary: "system zendesk removed",
        path: "tools[zendesk]",
        before: "zendesk",
        after: null,
      },
      {
        kind: "action_removed",
        domain: "authority",
        direction: "reduction",
        summary: "action zendesk:tickets.read removed (was read, approval required)",
        path: "tools[zendesk].actions[tickets.read]",
        before: { name: "tickets.read", access: "read", approval: "required" },
        after: null,
      },
    ]);
  });
});

describe("permissionDiff: actions (authority)", () => {
  it("an action added is an escalation and its summary names its access, approval and limit", () => {
    const diff = diffOf((s) => {
      s.tools[0]!.actions.push({ name: "payouts.create", access: "admin", approval: "required", limit: { amount: 1000, unit: "USD" } });
    });
    expect(diff).toEqual([
      {
        kind: "action_added",
        domain: "authority",
        direction: "escalation",
        summary: "action stripe:payouts.create added (admin, approval required, limit 1000 USD)",
        path: "tools[stripe].actions[payouts.create]",
        before: null,
        after: { name: "payouts.create", access: "admin", approval: "required", limit: { amount: 1000, unit: "USD" } },
      },
    ]);
  });

  it("an action removed is a reduction and its summary names what it was", () => {
    const diff = diffOf((s) => {
      s.tools[0]!.actions = s.tools[0]!.actions.filter((a) => a.name !== "refunds.create");
    });
    expect(diff).toEqual([
      {
        kind: "action_removed",
        domain: "authority",
        direction: "reduction",
        summary: "action stripe:refunds.create removed (was write, approval required, limit 50 USD)",
        path: REFUNDS_CREATE,
        before: { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
        after: null,
      },
    ]);
  });

  it("an action moved between two existing systems is removed from one and added to the other", () => {
    const withAdyen = (s: AgentSpec) => {
      s.tools.push({ system: "adyen", actions: [{ name: "payments.read", access: "read", approval: "none" }] });
    };
    const base = edited(withAdyen);
    const next = edited((s) => {
      withAdyen(s);
      const moved = s.tools[0]!.actions.shift()!;
      s.tools[2]!.actions.push(moved);
    });
    expect(permissionDiff(base, next)).toEqual([
      {
        kind: "action_added",
        domain: "authority",
        direction: "escalation",
        summary: "action adyen:refunds.create added (write, approval required, limit 50 USD)",
        path: "tools[adyen].actions[refunds.create]",
        before: null,
        after: { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
      },
      {
        kind: "action_removed",
        domain: "authority",
        direction: "reduction",
        summary: "action stripe:refunds.create removed (was write, approval required, limit 50 USD)",
        path: REFUNDS_CREATE,
        before: { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
        after: null,
      },
    ]);
  });

  it("an action moved from a system it was alone on to a new system also adds one system and removes the other", () => {
    const diff = diffOf((s) => {
      s.tools[1]!.system = "freshdesk";
    });
    expect(diff).toEqual([
      {
        kind: "system_added",
        domain: "authority",
        direction: "escalation",
        summary: "system freshdesk added",
        path: "tools[freshdesk]",
        before: null,
        after: "freshdesk",
      },
      {
        kind: "action_added",
        domain: "authority",
        direction: "escalation",
        summary: "action freshdesk:tickets.read added (read, approval required)",
        path: "tools[freshdesk].actions[tickets.read]",
        before: null,
        after: { name: "tickets.read", access: "read", approval: "required" },
      },
      {
        kind: "system_removed",
        domain: "authority",
        direction: "reduction",
        summary: "system zendesk removed",
        path: "tools[zendesk]",
        before: "zendesk",
        after: null,
      },
      {
        kind: "action_removed",
        domain: "authority",
        direction: "reduction",
        summary: "action zendesk:tickets.read removed (was read, approval required)",
        path: "tools[zendesk].actions[tickets.read]",
        before: { name: "tickets.read", access: "read", approval: "required" },
        after: null,
      },
    ]);
  });
});

describe("permissionDiff: access levels (authority, read < write < admin)", () => {
  it("access raised read → write is an escalation", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "charges.read").access = "write"))).toEqual([
      {
        kind: "access_raised",
        domain: "authority",
        direction: "escalation",
        summary: "charges.read access raised read → write",
        path: "tools[stripe].actions[charges.read].access",
        before: "read",
        after: "write",
      },
    ]);
  });

  it("access raised write → admin is an escalation", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "refunds.create").access = "admin"))).toEqual([
      {
        kind: "access_raised",
        domain: "authority",
        direction: "escalation",
        summary: "refunds.create access raised write → admin",
        path: `${REFUNDS_CREATE}.access`,
        before: "write",
        after: "admin",
      },
    ]);
  });

  it("access lowered write → read is a reduction", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "refunds.create").access = "read"))).toEqual([
      {
        kind: "access_lowered",
        domain: "authority",
        direction: "reduction",
        summary: "refunds.create access lowered write → read",
        path: `${REFUNDS_CREATE}.access`,
        before: "write",
        after: "read",
      },
    ]);
  });
});

describe("permissionDiff: approvals (authority)", () => {
  it("approval removed on a write action is an escalation whose summary names the write access", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "refunds.create").approval = "none"))).toEqual([
      {
        kind: "approval_removed",
        domain: "authority",
        direction: "escalation",
        summary: "approval removed on refunds.create (write)",
        path: `${REFUNDS_CREATE}.approval`,
        before: "required",
        after: "none",
      },
    ]);
  });

  it("approval removed on a read action is an escalation too, and its summary says read", () => {
    expect(diffOf((s) => void (actionOf(s, "zendesk", "tickets.read").approval = "none"))).toEqual([
      {
        kind: "approval_removed",
        domain: "authority",
        direction: "escalation",
        summary: "approval removed on tickets.read (read)",
        path: "tools[zendesk].actions[tickets.read].approval",
        before: "required",
        after: "none",
      },
    ]);
  });

  it("approval added is a reduction", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "charges.read").approval = "required"))).toEqual([
      {
        kind: "approval_added",
        domain: "authority",
        direction: "reduction",
        summary: "approval required on charges.read (read)",
        path: "tools[stripe].actions[charges.read].approval",
        before: "none",
        after: "required",
      },
    ]);
  });

  it("an action raised to write with its approval dropped gives both items, access first, and the approval names the new access", () => {
    const diff = diffOf((s) => {
      const a = actionOf(s, "zendesk", "tickets.read");
      a.access = "write";
      a.approval = "none";
    });
    expect(diff).toEqual([
      {
        kind: "access_raised",
        domain: "authority",
        direction: "escalation",
        summary: "tickets.read access raised read → write",
        path: "tools[zendesk].actions[tickets.read].access",
        before: "read",
        after: "write",
      },
      {
        kind: "approval_removed",
        domain: "authority",
        direction: "escalation",
        summary: "approval removed on tickets.read (write)",
        path: "tools[zendesk].actions[tickets.read].approval",
        before: "required",
        after: "none",
      },
    ]);
  });
});

describe("permissionDiff: limits (authority; no limit = unlimited)", () => {
  const limitItem = (kind: string, direction: "escalation" | "reduction", summary: string, before: unknown, after: unknown): DiffItem => ({
    kind,
    domain: "authority",
    direction,
    summary,
    path: `${REFUNDS_CREATE}.limit`,
    before,
    after,
  });

  it("a limit raised is an escalation", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "refunds.create").limit = { amount: 500, unit: "USD" }))).toEqual([
      limitItem(
        "limit_raised",
        "escalation",
        "refunds.create limit raised 50 → 500 USD",
        { amount: 50, unit: "USD" },
        { amount: 500, unit: "USD" },
      ),
    ]);
  });

  it("a limit lowered is a reduction", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "refunds.create").limit = { amount: 20, unit: "USD" }))).toEqual([
      limitItem(
        "limit_lowered",
        "reduction",
        "refunds.create limit lowered 50 → 20 USD",
        { amount: 50, unit: "USD" },
        { amount: 20, unit: "USD" },
      ),
    ]);
  });

  it("a limit removed means unlimited: an escalation", () => {
    expect(diffOf((s) => void delete actionOf(s, "stripe", "refunds.create").limit)).toEqual([
      limitItem(
        "limit_removed",
        "escalation",
        "refunds.create limit removed (was 50 USD; now unlimited)",
        { amount: 50, unit: "USD" },
        null,
      ),
    ]);
  });

  it("a limit added where there was none is a reduction", () => {
    const base = edited((s) => void delete actionOf(s, "stripe", "refunds.create").limit);
    expect(permissionDiff(base, refundAssistant())).toEqual([
      limitItem("limit_added", "reduction", "refunds.create limit set to 50 USD (was unlimited)", null, { amount: 50, unit: "USD" }),
    ]);
  });

  it("a limit's unit changed cannot be compared, so it is an escalation, even when the amount is lower", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "refunds.create").limit = { amount: 40, unit: "EUR" }))).toEqual([
      limitItem(
        "limit_unit_changed",
        "escalation",
        "refunds.create limit unit changed USD → EUR (50 USD → 40 EUR): check the new limit is no higher",
        { amount: 50, unit: "USD" },
        { amount: 40, unit: "EUR" },
      ),
    ]);
  });

  it("the same limit written again gives no item", () => {
    expect(diffOf((s) => void (actionOf(s, "stripe", "refunds.create").limit = { amount: 50, unit: "USD" }))).toEqual([]);
  });
});

describe("permissionDiff: forbidden entries (authority)", () => {
  it("a forbidden entry added is a reduction", () => {
    expect(diffOf((s) => void s.forbidden.push("stripe:refunds.delete"))).toEqual([
      {
        kind: "forbidden_added",
        domain: "authority",
        direction: "reduction",
        summary: "stripe:refunds.delete forbidden",
        path: "forbidden[stripe:refunds.delete]",
        before: null,
        after: "stripe:refunds.delete",
      },
    ]);
  });

  it("a forbidden entry removed is an escalation", () => {
    expect(diffOf((s) => void (s.forbidden = []))).toEqual([
      {
        kind: "forbidden_removed",
        domain: "authority",
        direction: "escalation",
        summary: "stripe:customers.delete no longer forbidden",
        path: "forbidden[stripe:customers.delete]",
        before: "stripe:customers.delete",
        after: null,
      },
    ]);
  });

  it("a forbidden action that is also granted is rejected by validateSpec, so no diff can show both", () => {
    const both = edited((s) => void s.tools[0]!.actions.push({ name: "customers.delete", access: "admin", approval: "required" }));
    expect(validateSpec(both)).toEqual({
      ok: false,
      issues: [{ path: "forbidden.0", message: "stripe:customers.delete is both forbidden and granted in tools" }],
    });
  });

  it("granting a formerly forbidden action, done properly, is two escalations: the action added and the entry removed", () => {
    const next = edited((s) => {
      s.tools[0]!.actions.push({ name: "customers.delete", access: "admin", approval: "required" });
      s.forbidden = [];
    });
    expect(validateSpec(next).ok).toBe(true);
    expect(permissionDiff(refundAssistant(), next)).toEqual([
      {
        kind: "action_added",
        domain: "authority",
        direction: "escalation",
        summary: "action stripe:customers.delete added (admin, approval required)",
        path: "tools[stripe].actions[customers.delete]",
        before: null,
        after: { name: "customers.delete", access: "admin", approval: "required" },
      },
      {
        kind: "forbidden_removed",
        domain: "authority",
        direction: "escalation",
        summary: "stripe:customers.delete no longer forbidden",
        path: "forbidden[stripe:customers.delete]",
        before: "stripe:customers.delete",
        after: null,
      },
    ]);
  });
});

describe("permissionDiff: autonomy (authority, read_only < bounded < autonomous)", () => {
  it("autonomy raised is an escalation", () => {
    expect(diffOf((s) => void (s.autonomy = "autonomous"))).toEqual([
      {
        kind: "autonomy_raised",
        domain: "authority",
        direction: "escalation",
        summary: "autonomy raised bounded → autonomous",
        path: "autonomy",
        before: "bounded",
        after: "autonomous",
      },
    ]);
  });

  it("autonomy raised two rungs at once is one item", () => {
    const base = edited((s) => void (s.autonomy = "read_only"));
    expect(
      permissionDiff(
        base,
        edited((s) => void (s.autonomy = "autonomous")),
      ),
    ).toEqual([
      {
        kind: "autonomy_raised",
        domain: "authority",
        direction: "escalation",
        summary: "autonomy raised read_only → autonomous",
        path: "autonomy",
        before: "read_only",
        after: "autonomous",
      },
    ]);
  });

  it("autonomy lowered is a reduction", () => {
    expect(diffOf((s) => void (s.autonomy = "read_only"))).toEqual([
      {
        kind: "autonomy_lowered",
        domain: "authority",
        direction: "reduction",
        summary: "autonomy lowered bounded → read_only",
        path: "autonomy",
        before: "bounded",
        after: "read_only",
      },
    ]);
  });
});

describe("permissionDiff: model (runtime)", () => {
  it("a model name change is neutral, with the whole model before and after", () => {
    expect(diffOf((s) => void (s.model.name = "gpt-4.1-mini"))).toEqual([
      {
        kind: "model_changed",
        domain: "runtime",
        direction: "neutral",
        summary: "model changed openai/gpt-4.1 → openai/gpt-4.1-mini",
        path: "model",
        before: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
        after: { provider: "openai", name: "gpt-4.1-mini", version: "2025-04-14" },
      },
    ]);
  });

  it("a provider and name change with a new pinned version is two neutral items", () => {
    const diff = diffOf((s) => void (s.model = { provider: "anthropic", name: "claude-sonnet-4", version: "20250514" }));
    expect(diff).toEqual([
      {
        kind: "model_changed",
        domain: "runtime",
        direction: "neutral",
        summary: "model changed openai/gpt-4.1 → anthropic/claude-sonnet-4",
        path: "model",
        before: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
        after: { provider: "anthropic", name: "claude-sonnet-4", version: "20250514" },
      },
      {
        kind: "model_version_changed",
        domain: "runtime",
        direction: "neutral",
        summary: "model version changed 2025-04-14 → 20250514",
        path: "model.version",
        before: "2025-04-14",
        after: "20250514",
      },
    ]);
  });

  it("a provider change alone (same name and version) is a model change", () => {
    expect(diffOf((s) => void (s.model.provider = "azure-openai"))).toEqual([
      {
        kind: "model_changed",
        domain: "runtime",
        direction: "neutral",
        summary: "model changed openai/gpt-4.1 → azure-openai/gpt-4.1",
        path: "model",
        before: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
        after: { provider: "azure-openai", name: "gpt-4.1", version: "2025-04-14" },
      },
    ]);
  });

  it("a version change between two pinned versions is neutral", () => {
    expect(diffOf((s) => void (s.model.version = "2025-06-01"))).toEqual([
      {
        kind: "model_version_changed",
        domain: "runtime",
        direction: "neutral",
        summary: "model version changed 2025-04-14 → 2025-06-01",
        path: "model.version",
        before: "2025-04-14",
        after: "2025-06-01",
      },
    ]);
  });

  it("an unpinned version (now floating) is an escalation", () => {
    expect(diffOf((s) => void (s.model.version = ""))).toEqual([
      {
        kind: "model_unpinned",
        domain: "runtime",
        direction: "escalation",
        summary: "model version unpinned (was 2025-04-14; now floating)",
        path: "model.version",
        before: "2025-04-14",
        after: "",
      },
    ]);
  });

  it("pinning a floating version is neutral", () => {
    const base = edited((s) => void (s.model.version = ""));
    expect(permissionDiff(base, refundAssistant())).toEqual([
      {
        kind: "model_pinned",
        domain: "runtime",
        direction: "neutral",
        summary: "model version pinned to 2025-04-14",
        path: "model.version",
        before: "",
        after: "2025-04-14",
      },
    ]);
  });

  it("a new model left floating lists the unpinning (an escalation) before the model change", () => {
    const diff = diffOf((s) => void (s.model = { provider: "openai", name: "gpt-5", version: "" }));
    expect(diff.map((i) => [i.kind, i.direction])).toEqual([
      ["model_unpinned", "escalation"],
      ["model_changed", "neutral"],
    ]);
  });
});

describe("permissionDiff: instructions (semantics)", () => {
  it("changed instructions are one neutral item counting added and removed lines, with both texts", () => {
    const after = "You help support staff issue refunds.\nAsk before refunding more than 100 USD.\nNever refund gift cards.\n";
    expect(diffOf((s) => void (s.instructions = after))).toEqual([
      {
        kind: "instructions_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "instructions changed (+2 −1 lines)",
        path: "instructions",
        before: "You help support staff issue refunds.\nAsk before refunding more than 50 USD.\n",
        after,
      },
    ]);
  });

  // Questionable: the text did change (so did the spec hash), but the line diff shows nothing,
  // and the reviewer reads "+0 −0 lines". Pinned here so a change to it is deliberate.
  it("only the final newline dropped: still an instructions_changed item, counting +0 −0 lines", () => {
    expect(diffOf((s) => void (s.instructions = "You help support staff issue refunds.\nAsk before refunding more than 50 USD."))).toEqual([
      {
        kind: "instructions_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "instructions changed (+0 −0 lines)",
        path: "instructions",
        before: "You help support staff issue refunds.\nAsk before refunding more than 50 USD.\n",
        after: "You help support staff issue refunds.\nAsk before refunding more than 50 USD.",
      },
    ]);
  });
});

describe("permissionDiff: human in the loop (semantics; an escalation when oversight weakens)", () => {
  const hitl = () => refundAssistant().humanInTheLoop!;

  it("human-in-the-loop removed is an escalation", () => {
    expect(diffOf((s) => void delete s.humanInTheLoop)).toEqual([
      {
        kind: "hitl_removed",
        domain: "semantics",
        direction: "escalation",
        summary: "human-in-the-loop review removed",
        path: "humanInTheLoop",
        before: hitl(),
        after: null,
      },
    ]);
  });

  it("human-in-the-loop added is a reduction, naming the reviewer and the surface", () => {
    const base = edited((s) => void delete s.humanInTheLoop);
    expect(permissionDiff(base, refundAssistant())).toEqual([
      {
        kind: "hitl_added",
        domain: "semantics",
        direction: "reduction",
        summary: "human-in-the-loop review added (Tier-2 support lead in Zendesk sidebar)",
        path: "humanInTheLoop",
        before: null,
        after: hitl(),
      },
    ]);
  });

  it("override switched off is an escalation", () => {
    expect(diffOf((s) => void (s.humanInTheLoop!.canOverride = false))).toEqual([
      {
        kind: "hitl_canOverride_changed",
        domain: "semantics",
        direction: "escalation",
        summary: "reviewer can override the agent: yes → no",
        path: "humanInTheLoop.canOverride",
        before: true,
        after: false,
      },
    ]);
  });

  it("override switched back on is a reduction", () => {
    const base = edited((s) => void (s.humanInTheLoop!.canOverride = false));
    expect(permissionDiff(base, refundAssistant())).toEqual([
      {
        kind: "hitl_canOverride_changed",
        domain: "semantics",
        direction: "reduction",
        summary: "reviewer can override the agent: no → yes",
        path: "humanInTheLoop.canOverride",
        before: false,
        after: true,
      },
    ]);
  });

  it("correction capture switched on is a reduction", () => {
    expect(diffOf((s) => void (s.humanInTheLoop!.captureCorrections = true))).toEqual([
      {
        kind: "hitl_captureCorrections_changed",
        domain: "semantics",
        direction: "reduction",
        summary: "corrections are captured: no → yes",
        path: "humanInTheLoop.captureCorrections",
        before: false,
        after: true,
      },
    ]);
  });

  it("correction capture switched off is an escalation", () => {
    const base = edited((s) => void (s.humanInTheLoop!.captureCorrections = true));
    expect(permissionDiff(base, refundAssistant())).toEqual([
      {
        kind: "hitl_captureCorrections_changed",
        domain: "semantics",
        direction: "escalation",
        summary: "corrections are captured: yes → no",
        path: "humanInTheLoop.captureCorrections",
        before: true,
        after: false,
      },
    ]);
  });

  it("a reviewer changed is neutral", () => {
    expect(diffOf((s) => void (s.humanInTheLoop!.reviewer = "Refunds team lead"))).toEqual([
      {
        kind: "hitl_reviewer_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "reviewer changed Tier-2 support lead → Refunds team lead",
        path: "humanInTheLoop.reviewer",
        before: "Tier-2 support lead",
        after: "Refunds team lead",
      },
    ]);
  });

  it("a review surface changed is neutral", () => {
    expect(diffOf((s) => void (s.humanInTheLoop!.surface = "Slack #refunds"))).toEqual([
      {
        kind: "hitl_surface_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "review surface changed Zendesk sidebar → Slack #refunds",
        path: "humanInTheLoop.surface",
        before: "Zendesk sidebar",
        after: "Slack #refunds",
      },
    ]);
  });

  it("a stop-asking rule added where the reviewer was always asked is an escalation", () => {
    const base = edited((s) => void delete s.humanInTheLoop!.stopAskingRule);
    expect(permissionDiff(base, refundAssistant())).toEqual([
      {
        kind: "hitl_stop_rule_changed",
        domain: "semantics",
        direction: "escalation",
        summary: 'stop-asking rule added: "after 200 decisions with < 1% corrections"',
        path: "humanInTheLoop.stopAskingRule",
        before: null,
        after: "after 200 decisions with < 1% corrections",
      },
    ]);
  });

  it("a stop-asking rule changed is neutral", () => {
    expect(diffOf((s) => void (s.humanInTheLoop!.stopAskingRule = "after 50 decisions"))).toEqual([
      {
        kind: "hitl_stop_rule_changed",
        domain: "semantics",
        direction: "neutral",
        summary: 'stop-asking rule changed: "after 50 decisions"',
        path: "humanInTheLoop.stopAskingRule",
        before: "after 200 decisions with < 1% corrections",
        after: "after 50 decisions",
      },
    ]);
  });

  it("a stop-asking rule removed is a reduction: the reviewer is always asked", () => {
    expect(diffOf((s) => void delete s.humanInTheLoop!.stopAskingRule)).toEqual([
      {
        kind: "hitl_stop_rule_changed",
        domain: "semantics",
        direction: "reduction",
        summary: "stop-asking rule removed (the reviewer is always asked)",
        path: "humanInTheLoop.stopAskingRule",
        before: "after 200 decisions with < 1% corrections",
        after: null,
      },
    ]);
  });

  it("an empty stop-asking rule is the same as none", () => {
    const base = edited((s) => void delete s.humanInTheLoop!.stopAskingRule);
    expect(
      permissionDiff(
        base,
        edited((s) => void (s.humanInTheLoop!.stopAskingRule = "")),
      ),
    ).toEqual([]);
  });
});

describe("permissionDiff: trace retention (incident path)", () => {
  it("shortened is a reduction", () => {
    expect(diffOf((s) => void (s.traceRetentionDays = 30))).toEqual([
      {
        kind: "trace_retention_changed",
        domain: "incident_path",
        direction: "reduction",
        summary: "trace retention shortened 90 → 30 days",
        path: "traceRetentionDays",
        before: 90,
        after: 30,
      },
    ]);
  });

  it("lengthened is neutral", () => {
    expect(diffOf((s) => void (s.traceRetentionDays = 365))).toEqual([
      {
        kind: "trace_retention_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "trace retention lengthened 90 → 365 days",
        path: "traceRetentionDays",
        before: 90,
        after: 365,
      },
    ]);
  });
});

describe("permissionDiff: a new agent (no base)", () => {
  const AGENT_CREATED: DiffItem = {
    kind: "agent_created",
    domain: "semantics",
    direction: "neutral",
    summary: "new agent: everything it is granted is new",
    path: "",
    before: null,
    after: null,
  };

  /** Every item of the new refund assistant except agent_created, in the order permissionDiff sorts them. */
  const GRANTED: DiffItem[] = [
    // escalations: authority
    {
      kind: "system_added",
      domain: "authority",
      direction: "escalation",
      summary: "system stripe added",
      path: "tools[stripe]",
      before: null,
      after: "stripe",
    },
    {
      kind: "system_added",
      domain: "authority",
      direction: "escalation",
      summary: "system zendesk added",
      path: "tools[zendesk]",
      before: null,
      after: "zendesk",
    },
    {
      kind: "action_added",
      domain: "authority",
      direction: "escalation",
      summary: "action stripe:refunds.create added (write, approval required, limit 50 USD)",
      path: REFUNDS_CREATE,
      before: null,
      after: { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
    },
    {
      kind: "action_added",
      domain: "authority",
      direction: "escalation",
      summary: "action stripe:charges.read added (read, approval none)",
      path: "tools[stripe].actions[charges.read]",
      before: null,
      after: { name: "charges.read", access: "read", approval: "none" },
    },
    {
      kind: "action_added",
      domain: "authority",
      direction: "escalation",
      summary: "action zendesk:tickets.read added (read, approval required)",
      path: "tools[zendesk].actions[tickets.read]",
      before: null,
      after: { name: "tickets.read", access: "read", approval: "required" },
    },
    {
      kind: "autonomy_raised",
      domain: "authority",
      direction: "escalation",
      summary: "autonomy raised read_only → bounded",
      path: "autonomy",
      before: "read_only",
      after: "bounded",
    },
    // reductions: semantics, then authority
    {
      kind: "hitl_added",
      domain: "semantics",
      direction: "reduction",
      summary: "human-in-the-loop review added (Tier-2 support lead in Zendesk sidebar)",
      path: "humanInTheLoop",
      before: null,
      after: refundAssistant().humanInTheLoop,
    },
    {
      kind: "forbidden_added",
      domain: "authority",
      direction: "reduction",
      summary: "stripe:customers.delete forbidden",
      path: "forbidden[stripe:customers.delete]",
      before: null,
      after: "stripe:customers.delete",
    },
    // neutral: semantics, runtime, incident path
    {
      kind: "instructions_changed",
      domain: "semantics",
      direction: "neutral",
      summary: "instructions changed (+2 −0 lines)",
      path: "instructions",
      before: "",
      after: "You help support staff issue refunds.\nAsk before refunding more than 50 USD.\n",
    },
    {
      kind: "model_changed",
      domain: "runtime",
      direction: "neutral",
      // Diffed against EMPTY_SPEC's blank model, hence the bare "/".
      summary: "model changed / → openai/gpt-4.1",
      path: "model",
      before: { provider: "", name: "", version: "" },
      after: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
    },
    {
      kind: "model_pinned",
      domain: "runtime",
      direction: "neutral",
      summary: "model version pinned to 2025-04-14",
      path: "model.version",
      before: "",
      after: "2025-04-14",
    },
    {
      kind: "trace_retention_changed",
      domain: "incident_path",
      direction: "neutral",
      summary: "trace retention lengthened 0 → 90 days",
      path: "traceRetentionDays",
      before: 0,
      after: 90,
    },
  ];

  it("lists everything the agent is granted, sorted, plus exactly one agent_created item", () => {
    const diff = permissionDiff(null, refundAssistant());
    expect(diff.filter((i) => i.kind === "agent_created")).toEqual([AGENT_CREATED]);
    expect(diff.filter((i) => i.kind !== "agent_created")).toEqual(GRANTED);
  });

  it("lists agent_created first", () => {
    const diff = permissionDiff(null, refundAssistant());
    expect(diff[0]).toEqual(AGENT_CREATED);
    expect(diff).toEqual([AGENT_CREATED, ...GRANTED]);
  });

  it("lists every action as an action_added escalation", () => {
    const actions = permissionDiff(null, refundAssistant()).filter((i) => i.path.includes(".actions["));
    expect(actions.map((i) => [i.kind, i.direction, i.path])).toEqual([
      ["action_added", "escalation", REFUNDS_CREATE],
      ["action_added", "escalation", "tools[stripe].actions[charges.read]"],
      ["action_added", "escalation", "tools[zendesk].actions[tickets.read]"],
    ]);
  });

  it("is the diff against EMPTY_SPEC plus the agent_created item", () => {
    const diff = permissionDiff(null, refundAssistant());
    expect(diff.filter((i) => i.kind !== "agent_created")).toEqual(permissionDiff(EMPTY_SPEC, refundAssistant()));
  });

  // Questionable: a new agent on a floating model has no model_unpinned item (it was never pinned);
  // the risk rules flag the floating version separately (modelFloating).
  it("a new read-only agent on a floating model: no autonomy item and no unpinning item", () => {
    const next: AgentSpec = {
      model: { provider: "openai", name: "gpt-4.1-mini", version: "" },
      instructions: "Summarise the notes.",
      autonomy: "read_only",
      tools: [{ system: "salesforce", actions: [{ name: "notes.read", access: "read", approval: "none" }] }],
      forbidden: [],
      traceRetentionDays: 30,
    };
    expect(permissionDiff(null, next).map((i) => i.kind)).toEqual([
      "agent_created",
      "system_added",
      "action_added",
      "instructions_changed",
      "model_changed",
      "trace_retention_changed",
    ]);
  });
});

describe("permissionDiff: ordering", () => {
  it("lists escalations, then reductions, then neutral items; within each, semantics, authority, runtime, incident path", () => {
    const diff = diffOf((s) => {
      s.model = { provider: "openai", name: "gpt-5", version: "" }; // runtime: neutral change + escalating unpin
      s.instructions += "Be brief.\n"; // semantics neutral
      s.humanInTheLoop!.reviewer = "Refunds team lead"; // semantics neutral
      s.humanInTheLoop!.canOverride = false; // semantics escalation
      s.humanInTheLoop!.captureCorrections = true; // semantics reduction
      actionOf(s, "stripe", "refunds.create").limit = { amount: 500, unit: "USD" }; // authority escalation
      s.forbidden.push("stripe:refunds.delete"); // authority reduction
      s.traceRetentionDays = 30; // incident path reduction
    });
    expect(diff.map((i) => `${i.direction} ${i.domain} ${i.kind}`)).toEqual([
      "escalation semantics hitl_canOverride_changed",
      "escalation authority limit_raised",
      "escalation runtime model_unpinned",
      "reduction semantics hitl_captureCorrections_changed",
      "reduction authority forbidden_added",
      "reduction incident_path trace_retention_changed",
      "neutral semantics instructions_changed",
      "neutral semantics hitl_reviewer_changed",
      "neutral runtime model_changed",
    ]);
  });
});

describe("sortDiff", () => {
  const fakeItem = (kind: string, domain: DiffItem["domain"], direction: DiffItem["direction"]): DiffItem => ({
    kind,
    domain,
    direction,
    summary: kind,
    path: kind,
    before: null,
    after: null,
  });

  it("sorts by direction, then review domain, keeping the given order among equals", () => {
    const items = [
      fakeItem("n-incident", "incident_path", "neutral"),
      fakeItem("r-runtime", "runtime", "reduction"),
      fakeItem("e-incident", "incident_path", "escalation"),
      fakeItem("e-authority-1", "authority", "escalation"),
      fakeItem("n-semantics", "semantics", "neutral"),
      fakeItem("r-semantics", "semantics", "reduction"),
      fakeItem("e-authority-2", "authority", "escalation"),
      fakeItem("e-semantics", "semantics", "escalation"),
      fakeItem("e-runtime", "runtime", "escalation"),
      fakeItem("r-authority", "authority", "reduction"),
    ];
    expect(sortDiff(items).map((i) => i.kind)).toEqual([
      "e-semantics",
      "e-authority-1",
      "e-authority-2",
      "e-runtime",
      "e-incident",
      "r-semantics",
      "r-authority",
      "r-runtime",
      "n-semantics",
      "n-incident",
    ]);
  });

  it("returns a new array and leaves its input as it was", () => {
    const items = [fakeItem("b", "runtime", "neutral"), fakeItem("a", "authority", "escalation")];
    const sorted = sortDiff(items);
    expect(sorted.map((i) => i.kind)).toEqual(["a", "b"]);
    expect(items.map((i) => i.kind)).toEqual(["b", "a"]);
    expect(sorted[0]).toBe(items[1]);
  });

  it("sorts an empty list to an empty list", () => {
    expect(sortDiff([])).toEqual([]);
  });
});

describe("touchedDomains", () => {
  it("is empty for an empty diff", () => {
    expect(touchedDomains([])).toEqual([]);
  });

  it("names each touched domain once, in review order, whatever the items' order", () => {
    const diff = diffOf((s) => {
      s.traceRetentionDays = 30;
      actionOf(s, "stripe", "refunds.create").limit = { amount: 500, unit: "USD" };
      s.forbidden = [];
    });
    expect(diff.map((i) => i.domain)).toEqual(["authority", "authority", "incident_path"]);
    expect(touchedDomains([...diff].reverse())).toEqual(["authority", "incident_path"]);
  });

  it("a model version bump touches runtime only", () => {
    expect(touchedDomains(diffOf((s) => void (s.model.version = "2025-06-01")))).toEqual(["runtime"]);
  });

  it("a new agent touches all four domains", () => {
    expect(touchedDomains(permissionDiff(null, refundAssistant()))).toEqual(["semantics", "authority", "runtime", "incident_path"]);
  });

  it("includes the attested fields' domains when their items are added", () => {
    const attested = attestedFieldsDiff(snapshot(), { ...snapshot(), monitoring: "Datadog dashboard refunds-v2" });
    expect(touchedDomains([...diffOf((s) => void (s.model.version = "2025-06-01")), ...attested])).toEqual(["runtime", "incident_path"]);
  });
});

function snapshot(): AttestedSnapshot {
  return {
    roleImpacts: [{ role: "Tier-2 support", change: "reviews fewer refunds" }],
    harmMetrics: [{ name: "refund reversal rate", comparator: ">", threshold: 2, windowDays: 7 }],
    rollbackPlan: "Redeploy v3 from the agent page.",
    rollbackOwner: "ops-lead@example.com",
    monitoring: "Datadog dashboard refunds",
  };
}

describe("attestedFieldsDiff", () => {
  it("gives no items when nothing changed", () => {
    expect(attestedFieldsDiff(snapshot(), snapshot())).toEqual([]);
  });

  it("gives no items for an empty record with no previous one", () => {
    expect(attestedFieldsDiff(null, { roleImpacts: [], harmMetrics: [], rollbackPlan: "", rollbackOwner: null, monitoring: "" })).toEqual(
      [],
    );
  });

  it("role impacts and harm metrics changed are neutral semantics items", () => {
    const after = {
      ...snapshot(),
      roleImpacts: [],
      harmMetrics: [{ name: "refund reversal rate", comparator: ">", threshold: 1, windowDays: 7 }],
    };
    expect(attestedFieldsDiff(snapshot(), after)).toEqual([
      {
        kind: "role_impacts_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "role impacts changed",
        path: "roleImpacts",
        before: [{ role: "Tier-2 support", change: "reviews fewer refunds" }],
        after: [],
      },
      {
        kind: "harm_metrics_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "harm metrics changed",
        path: "harmMetrics",
        before: [{ name: "refund reversal rate", comparator: ">", threshold: 2, windowDays: 7 }],
        after: [{ name: "refund reversal rate", comparator: ">", threshold: 1, windowDays: 7 }],
      },
    ]);
  });

  it("rollback plan, rollback owner and monitoring changed are neutral incident-path items", () => {
    const after = { ...snapshot(), rollbackPlan: "Redeploy v4.", rollbackOwner: "sre@example.com", monitoring: "Grafana refunds board" };
    expect(attestedFieldsDiff(snapshot(), after)).toEqual([
      {
        kind: "rollback_plan_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "rollback plan changed",
        path: "rollbackPlan",
        before: "Redeploy v3 from the agent page.",
        after: "Redeploy v4.",
      },
      {
        kind: "rollback_owner_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "rollback owner changed ops-lead@example.com → sre@example.com",
        path: "rollbackOwner",
        before: "ops-lead@example.com",
        after: "sre@example.com",
      },
      {
        kind: "monitoring_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "monitoring changed",
        path: "monitoring",
        before: "Datadog dashboard refunds",
        after: "Grafana refunds board",
      },
    ]);
  });

  it("a rollback owner removed reads 'none'", () => {
    expect(attestedFieldsDiff(snapshot(), { ...snapshot(), rollbackOwner: null })).toEqual([
      {
        kind: "rollback_owner_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "rollback owner changed ops-lead@example.com → none",
        path: "rollbackOwner",
        before: "ops-lead@example.com",
        after: null,
      },
    ]);
  });

  it("with no previous record, compares against empty fields", () => {
    expect(attestedFieldsDiff(null, snapshot())).toEqual([
      {
        kind: "role_impacts_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "role impacts changed",
        path: "roleImpacts",
        before: [],
        after: snapshot().roleImpacts,
      },
      {
        kind: "harm_metrics_changed",
        domain: "semantics",
        direction: "neutral",
        summary: "harm metrics changed",
        path: "harmMetrics",
        before: [],
        after: snapshot().harmMetrics,
      },
      {
        kind: "rollback_plan_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "rollback plan changed",
        path: "rollbackPlan",
        before: "",
        after: "Redeploy v3 from the agent page.",
      },
      {
        kind: "rollback_owner_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "rollback owner changed none → ops-lead@example.com",
        path: "rollbackOwner",
        before: null,
        after: "ops-lead@example.com",
      },
      {
        kind: "monitoring_changed",
        domain: "incident_path",
        direction: "neutral",
        summary: "monitoring changed",
        path: "monitoring",
        before: "",
        after: "Datadog dashboard refunds",
      },
    ]);
  });
});

describe("instructionsDiff", () => {
  it("shows identical text as unchanged lines, blank lines included", () => {
    expect(instructionsDiff("One.\n\nTwo.\n", "One.\n\nTwo.\n")).toEqual([
      { type: "unchanged", text: "One." },
      { type: "unchanged", text: "" },
      { type: "unchanged", text: "Two." },
    ]);
  });

  it("shows a changed line as removed then added, between unchanged lines", () => {
    expect(
      instructionsDiff("Be polite.\nRefund up to 50 USD.\nLog every refund.\n", "Be polite.\nRefund up to 100 USD.\nLog every refund.\n"),
    ).toEqual([
      { type: "unchanged", text: "Be polite." },
      { type: "removed", text: "Refund up to 50 USD." },
      { type: "added", text: "Refund up to 100 USD." },
      { type: "unchanged", text: "Log every refund." },
    ]);
  });

  it("shows lines added and lines removed", () => {
    expect(instructionsDiff("A.\nB.\nC.\n", "A.\nC.\nD.\nE.\n")).toEqual([
      { type: "unchanged", text: "A." },
      { type: "removed", text: "B." },
      { type: "unchanged", text: "C." },
      { type: "added", text: "D." },
      { type: "added", text: "E." },
    ]);
  });

  it("shows a removed blank line as a removed empty line", () => {
    expect(instructionsDiff("A.\n\nB.\n", "A.\nB.\n")).toEqual([
      { type: "unchanged", text: "A." },
      { type: "removed", text: "" },
      { type: "unchanged", text: "B." },
    ]);
  });

  it("a missing final newline on either side is not a change", () => {
    const lines = [
      { type: "unchanged", text: "A." },
      { type: "unchanged", text: "B." },
    ];
    expect(instructionsDiff("A.\nB.", "A.\nB.\n")).toEqual(lines);
    expect(instructionsDiff("A.\nB.\n", "A.\nB.")).toEqual(lines);
  });

  it("a line appended after a last line with no newline leaves that last line unchanged", () => {
    expect(instructionsDiff("A.\nB.", "A.\nB.\nC.")).toEqual([
      { type: "unchanged", text: "A." },
      { type: "unchanged", text: "B." },
      { type: "added", text: "C." },
    ]);
  });

  it("from nothing, every line is added; to nothing, every line is removed", () => {
    expect(instructionsDiff("", "A.\nB.")).toEqual([
      { type: "added", text: "A." },
      { type: "added", text: "B." },
    ]);
    expect(instructionsDiff("A.\n", "")).toEqual([{ type: "removed", text: "A." }]);
  });

  it("is empty for two empty texts", () => {
    expect(instructionsDiff("", "")).toEqual([]);
  });
});
