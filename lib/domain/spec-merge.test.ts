import { describe, expect, it } from "vitest";
import type { AgentSpec } from "./spec";
import { mergeSpecs } from "./spec-merge";

/** Production ran v17 (limit 43 USD, traces 90 days) when the change was proposed from it. */
const v17: AgentSpec = {
  model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
  instructions: "Help support staff issue refunds.",
  autonomy: "bounded",
  tools: [
    {
      system: "stripe",
      actions: [
        { name: "refunds.create", access: "write", approval: "required", limit: { amount: 43, unit: "USD" } },
        { name: "charges.read", access: "read", approval: "none" },
      ],
    },
  ],
  forbidden: ["stripe:customers.delete"],
  traceRetentionDays: 90,
};

const withLimit = (spec: AgentSpec, amount: number): AgentSpec => {
  const next = structuredClone(spec);
  next.tools[0]!.actions[0]!.limit = { amount, unit: "USD" };
  return next;
};

describe("bringing a change up to date with production", () => {
  it("re-applies the change's own edit on top of production: CR-380 keeps traces 120 days on v22's 10 USD limit", () => {
    const cr380 = { ...structuredClone(v17), traceRetentionDays: 120 };
    const v22 = withLimit(v17, 10);
    const merge = mergeSpecs(v17, cr380, v22);
    expect(merge.conflicts).toEqual([]);
    expect(merge.fromProduction).toEqual(["tools.stripe:refunds.create"]);
    expect(merge.spec).toEqual({ ...withLimit(v17, 10), traceRetentionDays: 120 });
  });

  it("a field both sides changed differently is a conflict, and stays unmerged until the author resolves it", () => {
    const ours = withLimit(v17, 60);
    const theirs = withLimit(v17, 10);
    const merge = mergeSpecs(v17, ours, theirs);
    expect(merge.spec).toBeNull();
    expect(merge.conflicts).toEqual([
      {
        path: "tools.stripe:refunds.create",
        label: "action stripe:refunds.create",
        base: v17.tools[0]!.actions[0],
        ours: ours.tools[0]!.actions[0],
        theirs: theirs.tools[0]!.actions[0],
      },
    ]);
    expect(mergeSpecs(v17, ours, theirs, { "tools.stripe:refunds.create": "theirs" }).spec).toEqual(theirs);
    expect(mergeSpecs(v17, ours, theirs, { "tools.stripe:refunds.create": "ours" }).spec).toEqual(ours);
  });

  it("both sides making the same edit is no conflict", () => {
    const both = { ...structuredClone(v17), autonomy: "read_only" as const };
    const merge = mergeSpecs(v17, both, both);
    expect(merge).toEqual({ spec: both, conflicts: [], fromProduction: [] });
  });

  it("keeps actions and forbidden entries each side added or removed, ours first then production's", () => {
    const ours = structuredClone(v17);
    ours.tools.push({ system: "zendesk", actions: [{ name: "tickets.comment", access: "write", approval: "none" }] });
    ours.forbidden = [];
    const theirs = structuredClone(v17);
    theirs.tools[0]!.actions = theirs.tools[0]!.actions.filter((a) => a.name !== "charges.read");
    theirs.tools[0]!.actions.push({ name: "disputes.read", access: "read", approval: "none" });
    theirs.forbidden.push("stripe:payouts.create");
    const merge = mergeSpecs(v17, ours, theirs);
    expect(merge.conflicts).toEqual([]);
    expect(merge.spec!.tools).toEqual([
      {
        system: "stripe",
        actions: [
          { name: "refunds.create", access: "write", approval: "required", limit: { amount: 43, unit: "USD" } },
          { name: "disputes.read", access: "read", approval: "none" },
        ],
      },
      { system: "zendesk", actions: [{ name: "tickets.comment", access: "write", approval: "none" }] },
    ]);
    // Ours removed customers.delete from the forbidden list; production added payouts.create.
    expect(merge.spec!.forbidden).toEqual(["stripe:payouts.create"]);
    expect(merge.fromProduction.sort()).toEqual([
      "forbidden.stripe:payouts.create",
      "tools.stripe:charges.read",
      "tools.stripe:disputes.read",
    ]);
  });

  it("an action one side removed and the other edited is a conflict", () => {
    const ours = structuredClone(v17);
    ours.tools[0]!.actions = ours.tools[0]!.actions.filter((a) => a.name !== "charges.read");
    const theirs = structuredClone(v17);
    theirs.tools[0]!.actions[1]!.approval = "required";
    const merge = mergeSpecs(v17, ours, theirs);
    expect(merge.conflicts.map((c) => [c.path, c.ours, c.theirs])).toEqual([
      ["tools.stripe:charges.read", undefined, { name: "charges.read", access: "read", approval: "required" }],
    ]);
    expect(mergeSpecs(v17, ours, theirs, { "tools.stripe:charges.read": "ours" }).spec!.tools[0]!.actions.map((a) => a.name)).toEqual([
      "refunds.create",
    ]);
  });

  it("human in the loop merges as one unit; removing it on one side while the other leaves it is the removal", () => {
    const base = {
      ...structuredClone(v17),
      humanInTheLoop: { reviewer: "Tier-2 lead", surface: "Zendesk", canOverride: true, captureCorrections: true },
    };
    const ours: AgentSpec = { ...structuredClone(base), humanInTheLoop: undefined };
    const theirs = { ...structuredClone(base), instructions: "Help support staff issue refunds politely." };
    const merge = mergeSpecs(base, ours, theirs);
    expect(merge.spec).toEqual({ ...structuredClone(v17), instructions: "Help support staff issue refunds politely." });
    expect("humanInTheLoop" in merge.spec!).toBe(false);
  });
});
