import { describe, expect, it } from "vitest";
import { assessChange, riskFacts } from "./change-assessment";
import { DEFAULT_POLICY } from "./signoff-policy";
import { permissionDiff } from "./permission-diff";
import type { AgentSpec } from "./spec";

const refunds = { name: "Refunds", riskClass: "high" as const };
const notes = { name: "Account-note summaries", riskClass: "low" as const };

const refundAssistant = (): AgentSpec => ({
  model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
  instructions: "You help support staff issue refunds.\n",
  autonomy: "bounded",
  tools: [
    {
      system: "stripe",
      actions: [
        { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
        { name: "charges.read", access: "read", approval: "none" },
      ],
    },
  ],
  forbidden: ["stripe:customers.delete"],
  humanInTheLoop: { reviewer: "Tier-2 support lead", surface: "Zendesk sidebar", canOverride: true, captureCorrections: true },
  traceRetentionDays: 90,
});

const summarizer = (): AgentSpec => ({
  model: { provider: "openai", name: "gpt-4.1-mini", version: "2025-04-14" },
  instructions: "Summarise the notes.\n",
  autonomy: "read_only",
  tools: [{ system: "salesforce", actions: [{ name: "notes.read", access: "read", approval: "none" }] }],
  forbidden: [],
  traceRetentionDays: 30,
});

describe("assessChange", () => {
  it("raising the refund limit on a money-moving agent is high and needs all four owners", () => {
    const next = refundAssistant();
    next.tools[0]!.actions[0]!.limit = { amount: 500, unit: "USD" };
    const a = assessChange({ base: refundAssistant(), next, workflow: refunds });
    expect(a.tier).toBe("high");
    expect(a.reasons).toEqual(["high: refunds.create limit raised 50 → 500 USD in high-risk workflow Refunds"]);
    expect(a.required.map((r) => r.role)).toEqual(["workflow_owner", "security", "engineering", "operations"]);
    expect(a.required[1]).toEqual({ role: "security", reason: "the change touches authority" });
    expect(a.standardChange).toBeNull();
  });

  it("a wording tweak on a read-only agent is a pre-approved standard change", () => {
    const next = summarizer();
    next.instructions = "Summarise the notes in five bullets.\n";
    const a = assessChange({ base: summarizer(), next, workflow: notes });
    expect(a.tier).toBe("low");
    expect(a.reasons).toEqual(["low: no escalation on a read-only agent"]);
    expect(a.standardChange?.name).toBe("Instructions wording on a read-only agent");
    expect(a.required).toEqual([]);
  });

  it("the same tweak flagged as an emergency is not a standard change: its owner must sign", () => {
    const next = summarizer();
    next.instructions = "Summarise the notes in five bullets.\n";
    const a = assessChange({ base: summarizer(), next, workflow: notes, emergency: true });
    expect(a.standardChange).toBeNull();
    expect(a.required).toEqual([{ role: "workflow_owner", reason: "the change touches semantics" }]);
  });

  it("a new write action is at least high, even in a low-risk workflow", () => {
    const next = refundAssistant();
    next.tools[0]!.actions.push({ name: "payouts.create", access: "write", approval: "required" });
    const a = assessChange({ base: refundAssistant(), next, workflow: notes });
    expect(a.tier).toBe("high");
    expect(a.reasons).toEqual([
      "medium: action stripe:payouts.create added (write, approval required)",
      "high: action stripe:payouts.create added (write, approval required)",
    ]);
  });

  it("removing approval on a write action is severe; on a read action it is a plain escalation", () => {
    const write = refundAssistant();
    write.tools[0]!.actions[0]!.approval = "none";
    expect(riskFacts(permissionDiff(refundAssistant(), write), write, notes, false).severeEscalations).toEqual([
      "approval removed on refunds.create (write)",
    ]);
    const baseRead = refundAssistant();
    baseRead.tools[0]!.actions[1]!.approval = "required";
    const read = refundAssistant();
    expect(riskFacts(permissionDiff(baseRead, read), read, notes, false)).toMatchObject({
      escalations: ["approval removed on charges.read (read)"],
      severeEscalations: [],
    });
  });

  it("a new agent takes its workflow's class, at least medium, and needs every domain's owner", () => {
    const a = assessChange({ base: null, next: summarizer(), workflow: notes });
    expect(a.tier).toBe("medium");
    expect(a.reasons).toEqual(["medium: new agent in low-risk workflow Account-note summaries"]);
    expect(a.required.map((r) => r.role)).toEqual(["workflow_owner", "security", "engineering", "operations"]);
    expect(
      assessChange({ base: null, next: refundAssistant(), workflow: { name: "Onboarding", riskClass: "critical" } }).required.map(
        (r) => r.role,
      ),
    ).toContain("compliance");
  });

  it("the author may raise the tier, with the reason shown, but never lower it", () => {
    const next = summarizer();
    next.traceRetentionDays = 60;
    const raised = assessChange({ base: summarizer(), next, workflow: notes, raisedTier: "high", raisedReason: "quarter-end freeze" });
    expect(raised.tier).toBe("high");
    expect(raised.reasons.at(-1)).toBe("high: raised by the author — quarter-end freeze");
    expect(raised.required.map((r) => r.role)).toEqual(["workflow_owner", "security", "engineering", "operations"]);
    const lowered = refundAssistant();
    lowered.tools[0]!.actions[0]!.limit = { amount: 500, unit: "USD" };
    expect(assessChange({ base: refundAssistant(), next: lowered, workflow: refunds, raisedTier: "low" }).tier).toBe("high");
  });

  it("a floating model version makes any change at least medium", () => {
    const base = summarizer();
    base.model.version = "";
    const next = structuredClone(base);
    next.instructions = "Reworded.\n";
    const a = assessChange({ base, next, workflow: notes });
    expect(a.tier).toBe("medium");
    expect(a.reasons).toEqual(["medium: model version is floating (not pinned)"]);
    expect(a.standardChange).toBeNull();
    expect(a.required).toEqual([{ role: "workflow_owner", reason: "the change touches semantics" }]);
  });
});

describe("assessChange: retiring an agent", () => {
  it("is medium in a high workflow, touches semantics and the incident path, and asks the workflow owner and operations", () => {
    const a = assessChange({ base: refundAssistant(), next: refundAssistant(), workflow: refunds, retire: true });
    expect(a.tier).toBe("medium");
    expect(a.reasons).toEqual(["medium: retiring the agent: its work in high-risk workflow Refunds goes back to people or other agents"]);
    expect(a.touched).toEqual(["semantics", "incident_path"]);
    expect(a.required.map((r) => r.role)).toEqual(["workflow_owner", "operations"]);
    expect(a.diff).toEqual([]);
    expect(a.standardChange).toBeNull();
  });

  it("takes a critical workflow's class, so every tier role and compliance sign", () => {
    const a = assessChange({ base: summarizer(), next: summarizer(), workflow: { name: "KYC", riskClass: "critical" }, retire: true });
    expect(a.tier).toBe("critical");
    expect(a.required.map((r) => r.role)).toEqual(["workflow_owner", "security", "engineering", "operations", "compliance"]);
  });

  it("keeps the workflow owner and operations even when a policy routes those domains elsewhere", () => {
    const policy = {
      ...DEFAULT_POLICY,
      domainOwners: { ...DEFAULT_POLICY.domainOwners, semantics: "compliance" as const, incident_path: "compliance" as const },
    };
    const a = assessChange({ base: summarizer(), next: summarizer(), workflow: notes, retire: true, policy });
    expect(a.required.map((r) => r.role)).toEqual(["workflow_owner", "operations", "compliance"]);
  });

  it("can be raised by its author, with the reason, never lowered", () => {
    const a = assessChange({
      base: summarizer(),
      next: summarizer(),
      workflow: notes,
      retire: true,
      raisedTier: "high",
      raisedReason: "peak season",
    });
    expect(a.tier).toBe("high");
    expect(a.reasons.at(-1)).toBe("high: raised by the author — peak season");
    expect(assessChange({ base: summarizer(), next: summarizer(), workflow: notes, retire: true, raisedTier: "low" }).tier).toBe("medium");
  });
});
