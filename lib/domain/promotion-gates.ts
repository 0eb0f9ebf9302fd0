import type { ChangeState, Environment, RiskLevel, Role, SignoffStatus } from "./terms";

/** One evidence gate on the way to an environment: whether it is met, why, and who can meet it. */
export type Gate = { gate: GateName; met: boolean; reason: string; fixBy: string | null };

export type GateName =
  | "change_state"
  | "up_to_date"
  | "ladder"
  | "approved_on_current_hash"
  | "emergency_approval"
  | "staging_eval"
  | "rollback_plan"
  | "release_by_other"
  | "not_already_running";

/** What the gates look at: the change record, its sign-offs, the evals recorded for its spec, what each environment runs. */
export type GateFacts = {
  label: string;
  state: ChangeState;
  emergency: boolean;
  specHash: string | null;
  contentHash: string | null;
  authorId: string | null;
  standardChange: string | null;
  signoffs: { role: Role; status: SignoffStatus; contentHash: string | null; signerId: string | null }[];
  rollbackPlan: string;
  hasRollbackOwner: boolean;
  evalRuns: { environment: Environment; specHash: string; passed: number; failed: number; recordedAt: number }[];
  /** Share of eval cases that must pass (1 = no failures), from the sign-off policy. */
  passRateFloor: number;
  /** The spec hash each environment runs now, if any. */
  running: Partial<Record<Environment, string>>;
  /** The version the change was proposed from (null for a new agent). */
  base: { versionId: string; number: number } | null;
  /** What production runs now, and through which change it got there. */
  production: { versionId: string; number: number; changeLabel: string | null } | null;
  /** Environments that have run this exact spec, at any time. */
  ranIn: Partial<Record<Environment, boolean>>;
  riskTier: RiskLevel | null;
  authorTokenId: string | null;
  /** Who would deploy: the person or token asking. Null when nobody in particular is asking. */
  deployer: { userId: string | null; tokenId: string | null } | null;
  /** The policy's answer to "may the author release their own high or critical change?". */
  authorMayReleaseOwnHighRisk: boolean;
};

const OPEN_STATES: ChangeState[] = ["draft", "in_review", "approved"];

/**
 * Out of date, like a pull request behind its protected branch: production no longer runs the version
 * the change was proposed from, so its diff, tier and sign-offs describe a comparison that no longer holds.
 */
export function isOutOfDate(state: ChangeState, baseVersionId: string | null, productionVersionId: string | null): boolean {
  // Nothing in production: nothing to overwrite, whatever reviewed version the change started from.
  return OPEN_STATES.includes(state) && productionVersionId !== null && productionVersionId !== baseVersionId;
}

const STATE_LABEL: Record<ChangeState, string> = {
  draft: "a draft",
  in_review: "in review",
  approved: "approved",
  released: "released",
  rejected: "rejected",
  withdrawn: "withdrawn",
  rolled_back: "rolled back",
};

/** An emergency change goes to production by its own path: operations releases it on one approval. */
export function releasePath(facts: Pick<GateFacts, "emergency">): "promote" | "emergency" {
  return facts.emergency ? "emergency" : "promote";
}

/**
 * DESIGN.md's promotion gates. Development takes any live change; staging one in review or approved;
 * production one approved on its current content hash, with a clean staging eval of this exact spec
 * and a rollback plan and owner. An emergency change reaches production on one approval from someone
 * other than its author (operations releases it; the rest is signed within 48 hours).
 */
export function promotionGates(environment: Environment, facts: GateFacts): Gate[] {
  const gates: Gate[] = [stateGate(environment, facts)];
  if (environment !== "development") gates.push(upToDateGate(facts));
  if (environment === "staging") gates.push(ladderGate("development", "staging", facts));
  if (environment === "production") {
    if (releasePath(facts) === "emergency") gates.push(emergencyApprovalGate(facts));
    else gates.push(approvalGate(facts), ladderGate("staging", "production", facts), stagingEvalGate(facts));
    gates.push(rollbackPlanGate(facts), releaseByOtherGate(facts));
  }
  gates.push(notRunningGate(environment, facts));
  return gates;
}

/**
 * A retire change has no new spec to try out, so no ladder and no eval: it is released everywhere at once,
 * once approved on its current content, up to date with what production runs (the version its signers
 * agreed to retire), with a way back (rollback plan and owner), and, when high or critical, by someone other than its author.
 */
export function retirementGates(facts: GateFacts): Gate[] {
  return [stateGate("production", facts), upToDateGate(facts), approvalGate(facts), rollbackPlanGate(facts), releaseByOtherGate(facts)];
}

export function gatesMet(gates: Gate[]): boolean {
  return gates.every((g) => g.met);
}

const LIVE_STATES: Record<Environment, ChangeState[]> = {
  development: ["draft", "in_review", "approved", "released", "rolled_back"],
  staging: ["in_review", "approved"],
  production: ["approved"],
};

function stateGate(environment: Environment, facts: GateFacts): Gate {
  const allowed: ChangeState[] = facts.emergency && environment === "production" ? ["in_review", "approved"] : LIVE_STATES[environment];
  if (facts.specHash === null)
    return {
      gate: "change_state",
      met: false,
      reason: `${facts.label} has no valid spec to deploy`,
      fixBy: "the author: fix the proposed spec",
    };
  const met = allowed.includes(facts.state);
  const accepted = allowed.map((s) => s.replace("_", " "));
  const list = accepted.length > 1 ? `${accepted.slice(0, -1).join(", ")} or ${accepted.at(-1)}` : accepted[0];
  const reason = met
    ? `${facts.label} is ${STATE_LABEL[facts.state]}`
    : `${facts.label} is ${STATE_LABEL[facts.state]}; ${environment} takes ${list} changes`;
  const fixBy = met
    ? null
    : facts.state === "draft"
      ? "the author: submit it for review"
      : facts.state === "in_review"
        ? "the signers: approve it"
        : null;
  return { gate: "change_state", met, reason, fixBy };
}

function approvalGate(facts: GateFacts): Gate {
  if (facts.standardChange && facts.state === "approved") {
    return {
      gate: "approved_on_current_hash",
      met: true,
      reason: `pre-approved as the standard change “${facts.standardChange}”`,
      fixBy: null,
    };
  }
  const live = facts.signoffs.filter((s) => s.status !== "dismissed");
  const missing = live.filter((s) => s.status !== "approved" || s.contentHash !== facts.contentHash);
  const met = facts.state === "approved" && live.length > 0 && missing.length === 0;
  if (met)
    return {
      gate: "approved_on_current_hash",
      met,
      reason: `all ${live.length} required sign-offs approved content ${short(facts.contentHash)}`,
      fixBy: null,
    };
  const roles = missing.map((s) => s.role.replace("_", " "));
  return {
    gate: "approved_on_current_hash",
    met,
    reason: roles.length
      ? `not yet approved on content ${short(facts.contentHash)} by: ${roles.join(", ")}`
      : `${facts.label} is not approved`,
    fixBy: roles.length ? `the ${roles.join(", ")} signer${roles.length > 1 ? "s" : ""}` : "the signers",
  };
}

function emergencyApprovalGate(facts: GateFacts): Gate {
  const approval = facts.signoffs.find(
    (s) => s.status === "approved" && s.contentHash === facts.contentHash && s.signerId !== null && s.signerId !== facts.authorId,
  );
  return approval
    ? {
        gate: "emergency_approval",
        met: true,
        reason: `emergency release approved by ${approval.role.replace("_", " ")} on content ${short(facts.contentHash)}`,
        fixBy: null,
      }
    : {
        gate: "emergency_approval",
        met: false,
        reason: "an emergency release needs one approval on the current content from someone other than the author",
        fixBy: "any required signer other than the author",
      };
}

/** The newest staging eval of this exact spec decides: a later failing run outweighs an earlier clean one. */
function stagingEvalGate(facts: GateFacts): Gate {
  const runs = facts.evalRuns
    .filter((r) => r.environment === "staging" && r.specHash === facts.specHash)
    .sort((a, b) => b.recordedAt - a.recordedAt);
  const latest = runs[0];
  const fixBy = "engineering: record an eval run in staging for this spec";
  if (!latest)
    return { gate: "staging_eval", met: false, reason: `no eval run recorded in staging for spec ${short(facts.specHash)}`, fixBy };
  const total = latest.passed + latest.failed;
  const rate = total === 0 ? 0 : latest.passed / total;
  const floor = facts.passRateFloor >= 1 ? "no failures" : `a pass rate of at least ${Math.round(facts.passRateFloor * 1000) / 10}%`;
  const met = total > 0 && rate >= facts.passRateFloor;
  const result = `${latest.passed}/${total} passed`;
  return met
    ? { gate: "staging_eval", met, reason: `staging eval of spec ${short(facts.specHash)}: ${result}`, fixBy: null }
    : {
        gate: "staging_eval",
        met,
        reason: `the latest staging eval of spec ${short(facts.specHash)} has ${result}; production needs ${floor}`,
        fixBy,
      };
}

function rollbackPlanGate(facts: GateFacts): Gate {
  const missing = [!facts.rollbackPlan.trim() && "rollback plan", !facts.hasRollbackOwner && "rollback owner"].filter(Boolean);
  return missing.length
    ? {
        gate: "rollback_plan",
        met: false,
        reason: `the change record has no ${missing.join(" and no ")}`,
        fixBy: "the author: edit the change record",
      }
    : { gate: "rollback_plan", met: true, reason: "rollback plan and rollback owner are recorded", fixBy: null };
}

function notRunningGate(environment: Environment, facts: GateFacts): Gate {
  const running = facts.specHash !== null && facts.running[environment] === facts.specHash;
  return running
    ? { gate: "not_already_running", met: false, reason: `${environment} already runs spec ${short(facts.specHash)}`, fixBy: null }
    : {
        gate: "not_already_running",
        met: true,
        reason: facts.running[environment] ? `${environment} runs a different version` : `nothing runs in ${environment} yet`,
        fixBy: null,
      };
}

function upToDateGate(facts: GateFacts): Gate {
  const { base, production } = facts;
  if (!isOutOfDate(facts.state, base?.versionId ?? null, production?.versionId ?? null)) {
    return {
      gate: "up_to_date",
      met: true,
      reason: production ? `based on v${production.number}, what production runs` : "a new agent: nothing runs in production yet",
      fixBy: null,
    };
  }
  const since = `production runs v${production!.number}${production!.changeLabel ? ` since ${production!.changeLabel}` : ""}`;
  return {
    gate: "up_to_date",
    met: false,
    reason: `${base ? `based on v${base.number}` : "proposed as a new agent"}; ${since}`,
    fixBy: "the author: update it from production, then have it re-reviewed",
  };
}

/** The ladder: a version reaches staging only after it ran in development, production only after staging. */
function ladderGate(previous: Environment, environment: Environment, facts: GateFacts): Gate {
  const met = facts.specHash !== null && Boolean(facts.ranIn[previous]);
  return met
    ? { gate: "ladder", met, reason: `spec ${short(facts.specHash)} ran in ${previous}`, fixBy: null }
    : {
        gate: "ladder",
        met,
        reason: `spec ${short(facts.specHash)} has not run in ${previous}; ${environment} takes only what ran there first`,
        fixBy: `engineering or operations: promote it to ${previous} first`,
      };
}

/** Separation of duties at release: by policy, nobody releases their own high or critical change. */
function releaseByOtherGate(facts: GateFacts): Gate {
  const highRisk = facts.riskTier === "high" || facts.riskTier === "critical";
  const byAuthor =
    facts.deployer !== null &&
    ((facts.deployer.userId !== null && facts.deployer.userId === facts.authorId) ||
      (facts.deployer.tokenId !== null && facts.deployer.tokenId === facts.authorTokenId));
  if (!highRisk || facts.authorMayReleaseOwnHighRisk || !byAuthor) {
    const reason = !highRisk
      ? `a ${facts.riskTier ?? "unassessed"}-risk change: its author may release it`
      : facts.authorMayReleaseOwnHighRisk
        ? "the policy lets authors release their own high-risk changes"
        : "released by someone other than its author";
    return { gate: "release_by_other", met: true, reason, fixBy: null };
  }
  return {
    gate: "release_by_other",
    met: false,
    reason: `you proposed ${facts.label}; the policy has someone else release ${facts.riskTier}-risk changes`,
    fixBy: "another person in engineering or operations",
  };
}

function short(hash: string | null): string {
  return hash ? hash.slice(0, 12) : "—";
}
