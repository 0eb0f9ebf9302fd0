import { describe, expect, it } from "vitest";
import { assessRisk, maxTier, raiseTier, type RiskFacts } from "./risk";
import type { RiskLevel } from "./terms";

/** An existing, bounded agent in the medium-risk "Refunds" workflow, with nothing escalated. */
function facts(overrides: Partial<RiskFacts> = {}): RiskFacts {
  return {
    workflowName: "Refunds",
    workflowClass: "medium",
    newAgent: false,
    readOnly: false,
    escalations: [],
    severeEscalations: [],
    modelChanged: false,
    modelFloating: false,
    ...overrides,
  };
}

const LIMIT_RAISED = "refunds.create limit raised 50 → 500 USD";
const NEW_WRITE = "new write action stripe:refunds.create";

describe("assessRisk: no escalation", () => {
  it("rates a change to a read-only agent with no escalation low", () => {
    expect(assessRisk(facts({ readOnly: true, workflowClass: "critical" }))).toEqual({
      tier: "low",
      reasons: ["low: no escalation on a read-only agent"],
    });
  });

  it("rates a change with no escalation to an agent that can write low, and says so", () => {
    expect(assessRisk(facts())).toEqual({ tier: "low", reasons: ["low: no escalation"] });
  });
});

describe("assessRisk: escalations", () => {
  it.each<RiskLevel>(["low", "medium"])("rates an escalation in a %s-risk workflow medium", (workflowClass) => {
    expect(assessRisk(facts({ workflowClass, escalations: [LIMIT_RAISED] }))).toEqual({
      tier: "medium",
      reasons: [`medium: ${LIMIT_RAISED}`],
    });
  });

  it("rates an escalation in a high-risk workflow high, naming the workflow", () => {
    expect(assessRisk(facts({ workflowClass: "high", escalations: [LIMIT_RAISED] }))).toEqual({
      tier: "high",
      reasons: [`high: ${LIMIT_RAISED} in high-risk workflow Refunds`],
    });
  });

  it("rates an escalation in a critical workflow critical, naming the workflow", () => {
    expect(assessRisk(facts({ workflowName: "Payouts", workflowClass: "critical", escalations: [LIMIT_RAISED] }))).toEqual({
      tier: "critical",
      reasons: [`critical: ${LIMIT_RAISED} in critical-risk workflow Payouts`],
    });
  });

  it("gives one reason per escalation", () => {
    const assessment = assessRisk(facts({ escalations: [LIMIT_RAISED, "approval removed on refunds.create"] }));
    expect(assessment).toEqual({
      tier: "medium",
      reasons: [`medium: ${LIMIT_RAISED}`, "medium: approval removed on refunds.create"],
    });
  });

  it("rates an escalation on a read-only agent at least medium", () => {
    expect(assessRisk(facts({ readOnly: true, escalations: ["system zendesk added"] })).tier).toBe("medium");
  });
});

describe("assessRisk: severe escalations", () => {
  it("rates a new write action high even in a low-risk workflow", () => {
    expect(assessRisk(facts({ workflowClass: "low", escalations: [NEW_WRITE], severeEscalations: [NEW_WRITE] }))).toEqual({
      tier: "high",
      reasons: [`medium: ${NEW_WRITE}`, `high: ${NEW_WRITE}`],
    });
  });

  it("rates a severe escalation high even if the caller listed it only as severe", () => {
    expect(assessRisk(facts({ severeEscalations: ["autonomy raised bounded → autonomous"] }))).toEqual({
      tier: "high",
      reasons: ["high: autonomy raised bounded → autonomous"],
    });
  });

  it("keeps a critical workflow's class when the escalation is also severe", () => {
    expect(assessRisk(facts({ workflowClass: "critical", escalations: [NEW_WRITE], severeEscalations: [NEW_WRITE] }))).toEqual({
      tier: "critical",
      reasons: [`critical: ${NEW_WRITE} in critical-risk workflow Refunds`, `high: ${NEW_WRITE}`],
    });
  });
});

describe("assessRisk: the model", () => {
  it("rates a model change at least medium, even on a read-only agent", () => {
    expect(assessRisk(facts({ readOnly: true, modelChanged: true }))).toEqual({ tier: "medium", reasons: ["medium: model changed"] });
  });

  it("rates a floating model version at least medium", () => {
    expect(assessRisk(facts({ readOnly: true, modelFloating: true }))).toEqual({
      tier: "medium",
      reasons: ["medium: model version is floating (not pinned)"],
    });
  });

  it("gives both reasons when the model changes to a floating version", () => {
    expect(assessRisk(facts({ modelChanged: true, modelFloating: true })).reasons).toEqual([
      "medium: model changed",
      "medium: model version is floating (not pinned)",
    ]);
  });

  it("does not lower a high tier because the model rule only asks for medium", () => {
    expect(assessRisk(facts({ workflowClass: "high", escalations: [LIMIT_RAISED], modelChanged: true })).tier).toBe("high");
  });
});

describe("assessRisk: a new agent", () => {
  it.each<[RiskLevel, RiskLevel]>([
    ["low", "medium"],
    ["medium", "medium"],
    ["high", "high"],
    ["critical", "critical"],
  ])("rates a new agent in a %s-risk workflow %s", (workflowClass, tier) => {
    expect(assessRisk(facts({ newAgent: true, workflowName: "Onboarding", workflowClass }))).toEqual({
      tier,
      reasons: [`${tier}: new agent in ${workflowClass}-risk workflow Onboarding`],
    });
  });

  it("rates a new read-only agent in a low-risk workflow medium, not low", () => {
    expect(assessRisk(facts({ newAgent: true, readOnly: true, workflowClass: "low" })).tier).toBe("medium");
  });
});

describe("assessRisk: combined facts", () => {
  it("takes the highest tier and explains every rule that applied, in order", () => {
    const assessment = assessRisk(
      facts({
        newAgent: true,
        workflowClass: "high",
        escalations: [NEW_WRITE],
        severeEscalations: [NEW_WRITE],
        modelChanged: true,
        modelFloating: true,
      }),
    );
    expect(assessment).toEqual({
      tier: "high",
      reasons: [
        "high: new agent in high-risk workflow Refunds",
        `high: ${NEW_WRITE} in high-risk workflow Refunds`,
        `high: ${NEW_WRITE}`,
        "medium: model changed",
        "medium: model version is floating (not pinned)",
      ],
    });
  });
});

describe("maxTier", () => {
  it.each<[RiskLevel, RiskLevel, RiskLevel]>([
    ["low", "low", "low"],
    ["low", "medium", "medium"],
    ["medium", "low", "medium"],
    ["medium", "high", "high"],
    ["critical", "high", "critical"],
    ["low", "critical", "critical"],
    ["high", "high", "high"],
  ])("maxTier(%s, %s) is %s", (a, b, expected) => {
    expect(maxTier(a, b)).toBe(expected);
  });
});

describe("raiseTier", () => {
  it("lets an author raise the computed tier", () => {
    expect(raiseTier("medium", "high")).toBe("high");
    expect(raiseTier("low", "critical")).toBe("critical");
  });

  it("never lets an author lower the computed tier", () => {
    expect(raiseTier("high", "low")).toBe("high");
    expect(raiseTier("critical", "medium")).toBe("critical");
  });

  it("keeps the computed tier when the author asks for nothing", () => {
    expect(raiseTier("medium", null)).toBe("medium");
    expect(raiseTier("high", undefined)).toBe("high");
  });
});
