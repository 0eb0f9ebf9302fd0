import { RISK_LEVELS, type RiskLevel } from "./terms";

/** What the risk rules need to know about a change, as read off its permission diff. */
export type RiskFacts = {
  workflowName: string;
  workflowClass: RiskLevel;
  newAgent: boolean;
  /** The agent's autonomy after the change. */
  readOnly: boolean;
  /** Human sentences for each escalation, e.g. "refunds.create limit raised 50 → 500 USD". */
  escalations: string[];
  /**
   * The escalations that alone make a change high: new write/admin action, autonomy to autonomous,
   * approval removed on a write. Each is also listed in `escalations`, where the workflow's class applies.
   */
  severeEscalations: string[];
  modelChanged: boolean;
  modelFloating: boolean;
};

export type RiskAssessment = { tier: RiskLevel; reasons: string[] };

export function maxTier(a: RiskLevel, b: RiskLevel): RiskLevel {
  return RISK_LEVELS.indexOf(a) >= RISK_LEVELS.indexOf(b) ? a : b;
}

/**
 * DESIGN.md's default rules. Each rule that lifts the tier leaves a reason, so the UI can say why:
 * "high: new write action stripe:refunds.create".
 */
export function assessRisk(facts: RiskFacts): RiskAssessment {
  let tier: RiskLevel = "low";
  const reasons: string[] = [];
  const raise = (to: RiskLevel, reason: string) => {
    tier = maxTier(tier, to);
    reasons.push(`${to}: ${reason}`);
  };
  const workflow = `${facts.workflowClass}-risk workflow ${facts.workflowName}`;

  if (facts.newAgent) raise(maxTier("medium", facts.workflowClass), `new agent in ${workflow}`);
  for (const e of facts.escalations) {
    const highClass = facts.workflowClass === "high" || facts.workflowClass === "critical";
    raise(highClass ? facts.workflowClass : "medium", highClass ? `${e} in ${workflow}` : e);
  }
  for (const e of facts.severeEscalations) raise("high", e);
  if (facts.modelChanged) raise("medium", "model changed");
  if (facts.modelFloating) raise("medium", "model version is floating (not pinned)");
  if (reasons.length === 0) reasons.push(facts.readOnly ? "low: no escalation on a read-only agent" : "low: no escalation");
  return { tier, reasons };
}

/**
 * Retiring an agent takes authority away, so no grant needs security's eye; but the work it did returns
 * to people or other agents, which is the workflow owner's and operations' concern. Medium, and the
 * workflow's class when that is critical, so compliance joins on a critical path.
 */
export function assessRetirement(workflow: { name: string; riskClass: RiskLevel }): RiskAssessment {
  const where = `${workflow.riskClass}-risk workflow ${workflow.name}`;
  const tier: RiskLevel = workflow.riskClass === "critical" ? "critical" : "medium";
  return { tier, reasons: [`${tier}: retiring the agent: its work in ${where} goes back to people or other agents`] };
}

/** An author may raise the computed tier, never lower it. */
export function raiseTier(computed: RiskLevel, requested: RiskLevel | null | undefined): RiskLevel {
  return requested ? maxTier(computed, requested) : computed;
}
