import { isProductionDeployment, type DoraChange, type DoraDeployment, type DoraIncident, type RecoveryHow, type ReworkWhy } from "./dora";
import type { RiskLevel } from "./terms";

/*
 * What the DORA metrics need to know about one production deployment, derived once from the history
 * of its agent and kept beside it, so that any range and scope is a matter of sums and medians over
 * rows instead of replaying every history (dora.ts is the definition; this is the same rules, stored).
 *
 * A deployment's facts depend only on its own agent's history: incidents and their fixes belong to the
 * agent of the deployment they blame. So any write to an agent's deployments or incidents re-derives
 * that agent's facts, in the same transaction.
 *
 * The risk filter (see scopedHistory in lib/testing/dora-reference.ts) sees a history made of one tier's deployments only, in which a
 * release can be rolled back past a release of another tier, and a fix of another tier restores
 * nothing. Each deployment belongs to at most one tier, so it carries a second set of failure facts:
 * as seen within its tier.
 */

export type FailureFacts = {
  failed: boolean;
  rolledBackBy: string | null;
  restoredAt: number | null;
  restoredHow: RecoveryHow | null;
};

export type DoraFact = {
  deploymentId: string;
  agentId: string;
  deployedAt: number;
  /** promote or emergency; a rollback is a deployment, not a release. */
  release: boolean;
  changeRecordId: string | null;
  /** The tier the risk filter places it in: its change's, or for a rollback the tier of the change it undid. */
  riskTier: RiskLevel | null;
  /** Submission → release, for a change's first production release only. */
  leadMs: number | null;
  rework: ReworkWhy | null;
  /** When a failure was detected: the earliest linked incident, else the release itself. Null when never failed. */
  detectedAt: number | null;
  all: FailureFacts;
  tier: FailureFacts;
};

export type AgentHistory = {
  /** The agent's production deployments, oldest first, ties in the order they were written. */
  deployments: DoraDeployment[];
  changes: (DoraChange & { riskTier: RiskLevel | null })[];
  incidents: DoraIncident[];
  /** The change each of the agent's versions was made by. */
  versionChange: Map<string, string | null>;
};

const NOT_FAILED: FailureFacts = { failed: false, rolledBackBy: null, restoredAt: null, restoredHow: null };

function firstReleases(deployments: DoraDeployment[]): Map<string, DoraDeployment> {
  const first = new Map<string, DoraDeployment>();
  for (const d of deployments)
    if (d.kind !== "rollback" && d.changeRecordId !== null && !first.has(d.changeRecordId)) first.set(d.changeRecordId, d);
  return first;
}

/** The rollback that undid `release` before the next release of the same history, if any. */
function rollbackIn(history: DoraDeployment[], release: DoraDeployment): DoraDeployment | null {
  for (let i = history.indexOf(release) + 1; i < history.length; i++) {
    const d = history[i]!;
    if (d.kind !== "rollback") return null;
    if (d.replacedVersionId === release.versionId) return d;
  }
  return null;
}

function failureIn(
  history: DoraDeployment[],
  release: DoraDeployment,
  linked: DoraIncident[],
  detectedAt: number,
  first: Map<string, DoraDeployment>,
): FailureFacts {
  const rollback = rollbackIn(history, release);
  if (!rollback && linked.length === 0) return NOT_FAILED;
  // In the order that wins a tie: the rollback, then a fix released, then an incident resolved.
  const candidates: { at: number; how: RecoveryHow }[] = [];
  if (rollback) candidates.push({ at: rollback.deployedAt, how: "rollback" });
  for (const i of linked) {
    const fix = i.fixChangeRecordId === null ? undefined : first.get(i.fixChangeRecordId);
    if (fix) candidates.push({ at: fix.deployedAt, how: "fix_released" });
  }
  for (const i of linked) if (i.resolvedAt !== null) candidates.push({ at: i.resolvedAt, how: "incident_resolved" });
  let restored: { at: number; how: RecoveryHow } | null = null;
  for (const c of candidates) if (c.at >= detectedAt && (restored === null || c.at < restored.at)) restored = c;
  return { failed: true, rolledBackBy: rollback?.id ?? null, restoredAt: restored?.at ?? null, restoredHow: restored?.how ?? null };
}

/** The facts of every production deployment of one agent (or of several: nothing crosses agents). */
export function doraFactsOf(history: AgentHistory): DoraFact[] {
  const production = history.deployments.filter(isProductionDeployment);
  const tierOfChange = new Map(history.changes.map((c) => [c.id, c.riskTier]));
  const tierOf = (d: DoraDeployment): RiskLevel | null => {
    const change = d.changeRecordId ?? (d.replacedVersionId === null ? null : (history.versionChange.get(d.replacedVersionId) ?? null));
    return change === null ? null : (tierOfChange.get(change) ?? null);
  };
  const submitted = new Map(history.changes.map((c) => [c.id, c.submittedAt]));
  const fixes = new Set(history.incidents.flatMap((i) => (i.fixChangeRecordId === null ? [] : [i.fixChangeRecordId])));
  const linkedTo = new Map<string, DoraIncident[]>();
  for (const i of [...history.incidents].sort((a, b) => a.detectedAt - b.detectedAt)) {
    if (i.deploymentId === null) continue;
    const list = linkedTo.get(i.deploymentId);
    if (list) list.push(i);
    else linkedTo.set(i.deploymentId, [i]);
  }

  const byAgent = new Map<string, DoraDeployment[]>();
  for (const d of production) {
    const list = byAgent.get(d.agentId);
    if (list) list.push(d);
    else byAgent.set(d.agentId, [d]);
  }

  const facts: DoraFact[] = [];
  for (const own of byAgent.values()) {
    const first = firstReleases(own);
    const tiers = new Map<RiskLevel, { history: DoraDeployment[]; first: Map<string, DoraDeployment> }>();
    const tierView = (tier: RiskLevel) => {
      let view = tiers.get(tier);
      if (!view) {
        const history = own.filter((d) => tierOf(d) === tier);
        view = { history, first: firstReleases(history) };
        tiers.set(tier, view);
      }
      return view;
    };
    for (const d of own) {
      const release = d.kind !== "rollback";
      const riskTier = tierOf(d);
      const submittedAt = d.changeRecordId === null ? null : (submitted.get(d.changeRecordId) ?? null);
      const isFirst = release && d.changeRecordId !== null && first.get(d.changeRecordId) === d;
      const linked = release ? (linkedTo.get(d.id) ?? []) : [];
      const detectedAt = linked[0]?.detectedAt ?? d.deployedAt;
      const all = release ? failureIn(own, d, linked, detectedAt, first) : NOT_FAILED;
      let tier = NOT_FAILED;
      if (release && riskTier !== null) {
        const view = tierView(riskTier);
        tier = failureIn(view.history, d, linked, detectedAt, view.first);
      }
      facts.push({
        deploymentId: d.id,
        agentId: d.agentId,
        deployedAt: d.deployedAt,
        release,
        changeRecordId: d.changeRecordId,
        riskTier,
        leadMs: isFirst && submittedAt !== null ? Math.max(0, d.deployedAt - submittedAt) : null,
        rework:
          d.kind === "rollback"
            ? "rollback"
            : d.kind === "emergency"
              ? "emergency"
              : d.changeRecordId !== null && fixes.has(d.changeRecordId)
                ? "incident_fix"
                : null,
        detectedAt: all.failed || tier.failed ? detectedAt : null,
        all,
        tier,
      });
    }
  }
  return facts;
}
