import { permissionDiff, touchedDomains, type DiffItem } from "./permission-diff";
import { assessRetirement, assessRisk, raiseTier, type RiskAssessment, type RiskFacts } from "./risk";
import {
  DEFAULT_POLICY,
  matchStandardChange,
  requiredSignoffs,
  type RequiredSignoff,
  type SignoffPolicy,
  type StandardChangeTemplate,
} from "./signoff-policy";
import type { AgentSpec } from "./spec";
import { ROLES, type ReviewDomain, type RiskLevel } from "./terms";

export type ChangeAssessment = {
  diff: DiffItem[];
  touched: ReviewDomain[];
  tier: RiskLevel;
  reasons: string[];
  required: RequiredSignoff[];
  standardChange: StandardChangeTemplate | null;
};

const WRITE_ACCESS = new Set(["write", "admin"]);

function accessAt(spec: AgentSpec, path: string): string | undefined {
  const match = /^tools\[([^\]]+)\]\.actions\[([^\]]+)\]/.exec(path);
  if (!match) return undefined;
  return spec.tools.find((t) => t.system === match[1])?.actions.find((a) => a.name === match[2])?.access;
}

/** Reads the facts the risk rules need off a permission diff. */
export function riskFacts(
  diff: DiffItem[],
  next: AgentSpec,
  workflow: { name: string; riskClass: RiskLevel },
  newAgent: boolean,
): RiskFacts {
  const escalations = diff.filter((i) => i.direction === "escalation");
  const severe = escalations.filter(
    (i) =>
      (i.kind === "action_added" && WRITE_ACCESS.has(accessAt(next, i.path) ?? "")) ||
      (i.kind === "access_raised" && WRITE_ACCESS.has(String(i.after))) ||
      (i.kind === "autonomy_raised" && i.after === "autonomous") ||
      (i.kind === "approval_removed" && WRITE_ACCESS.has(accessAt(next, i.path) ?? "")),
  );
  return {
    workflowName: workflow.name,
    workflowClass: workflow.riskClass,
    newAgent,
    readOnly: next.autonomy === "read_only",
    // A new agent's grants are all "added"; its tier comes from the new-agent rule and its severe grants.
    escalations: newAgent ? [] : escalations.map((i) => i.summary),
    severeEscalations: severe.map((i) => i.summary),
    modelChanged:
      !newAgent && diff.some((i) => i.kind === "model_changed" || i.kind === "model_version_changed" || i.kind === "model_unpinned"),
    modelFloating: next.model.version.trim() === "",
  };
}

/**
 * Everything the change-record screens and the sign-off routing need: the diff against the base
 * (null for a new agent), the tier with its reasons, and who must sign — or the standard change
 * that pre-approves it. An author may raise the tier, never lower it.
 */
export function assessChange(input: {
  base: AgentSpec | null;
  next: AgentSpec;
  workflow: { name: string; riskClass: RiskLevel };
  raisedTier?: RiskLevel | null;
  raisedReason?: string | null;
  /** An emergency change is never a pre-approved standard change: it needs a signer, now or within 48 hours. */
  emergency?: boolean;
  policy?: SignoffPolicy;
  /** A retire change: the agent stops running everywhere once released. */
  retire?: boolean;
}): ChangeAssessment {
  const policy = input.policy ?? DEFAULT_POLICY;
  if (input.retire) return assessRetire(input.workflow, input.raisedTier, input.raisedReason, policy);
  const newAgent = input.base === null;
  const diff = permissionDiff(input.base, input.next);
  const touched = newAgent ? (["semantics", "authority", "runtime", "incident_path"] as ReviewDomain[]) : touchedDomains(diff);
  const risk = assessRisk(riskFacts(diff, input.next, input.workflow, newAgent));
  const { tier, reasons } = raisedBy(risk, input.raisedTier, input.raisedReason);
  // A change that escalates anything is never pre-approved, whatever a template says.
  const escalates = diff.some((i) => i.direction === "escalation");
  const standardChange =
    newAgent || input.emergency || escalates || diff.length === 0
      ? null
      : matchStandardChange({ tier, touched, autonomy: input.next.autonomy }, policy);
  return { diff, touched, tier, reasons, required: standardChange ? [] : requiredSignoffs(tier, touched, policy), standardChange };
}

/** The computed tier, raised by the author when they asked for more (never lowered), with the reason. */
function raisedBy(risk: RiskAssessment, raisedTier: RiskLevel | null | undefined, raisedReason: string | null | undefined): RiskAssessment {
  const tier = raiseTier(risk.tier, raisedTier);
  if (tier === risk.tier) return risk;
  return { tier, reasons: [...risk.reasons, `${tier}: raised by the author${raisedReason ? ` — ${raisedReason}` : ""}`] };
}

/** The roles a retirement needs whatever the policy's tiers say: the workflow owner and operations. */
const RETIREMENT_SIGNERS: RequiredSignoff[] = [
  { role: "workflow_owner", reason: "retiring the agent changes who does the workflow's work" },
  { role: "operations", reason: "retiring the agent changes the incident path" },
];

function assessRetire(
  workflow: { name: string; riskClass: RiskLevel },
  raisedTier: RiskLevel | null | undefined,
  raisedReason: string | null | undefined,
  policy: SignoffPolicy,
): ChangeAssessment {
  const touched: ReviewDomain[] = ["semantics", "incident_path"];
  const { tier, reasons } = raisedBy(assessRetirement(workflow), raisedTier, raisedReason);
  const required = requiredSignoffs(tier, touched, policy);
  for (const must of RETIREMENT_SIGNERS) if (!required.some((r) => r.role === must.role)) required.push(must);
  required.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  return { diff: [], touched, tier, reasons, required, standardChange: null };
}
