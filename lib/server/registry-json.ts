import "server-only";
import { ENVIRONMENTS, type Environment } from "@/lib/domain/terms";
import { toIso } from "./api";
import type { Posture } from "./drift";
import type { EnvironmentState, VersionApprovals } from "./registry";
import type { StillRunningRolledBack } from "./rolled-back-versions";

/** The API's shapes for registry reads: times as ISO-8601, people by email, change records by number. */

export function approvalsJson(approved: VersionApprovals) {
  return approved.approvals.map((a) => ({ role: a.role, signer: a.signer, at: toIso(a.at) }));
}

export function environmentsJson(environments: Record<Environment, EnvironmentState | null>) {
  return Object.fromEntries(
    ENVIRONMENTS.map((env) => {
      const s = environments[env];
      return [
        env,
        s && {
          version: s.version,
          specHash: s.specHash,
          deployedAt: toIso(s.deployedAt),
          kind: s.kind,
          deployedBy: s.deployedBy,
          changeNumber: s.changeNumber === null ? null : `CR-${s.changeNumber}`,
          approvals: approvalsJson(s.approvedBy),
          standardChange: s.approvedBy.standardChange,
        },
      ];
    }),
  );
}

/** Development and staging environments still running a version rolled back in production. */
export function stillRunningRolledBackJson(items: StillRunningRolledBack[]) {
  return items.map((i) => ({
    environment: i.environment,
    version: i.version,
    since: toIso(i.since),
    rolledBackAt: toIso(i.rolledBackAt),
    rolledBackBy: i.rolledBackBy,
    change: i.change?.label ?? null,
    incident: i.incident?.id ?? null,
    rollBackTo: i.rollBackTo,
  }));
}

/** An agent's drift and observation posture: open drift worst first, by DR-number. */
export function postureJson(p: Posture) {
  return {
    openDrift: p.openDrift.map((d) => ({ number: d.label, environment: d.environment, severity: d.severity })),
    lastObservedAt: toIso(p.lastObservedAt),
    unobserved: p.unobserved,
    reviewDue: p.reviewDue,
  };
}
