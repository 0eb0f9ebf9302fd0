import "server-only";
import { toIso } from "./api";
import type { DriftView } from "./drift";
import type { ObservationResult } from "./observations";

/** The API's shape of a drift record: ISO times, people by email, DR- and CR-numbers. */
export function driftJson(d: DriftView) {
  return {
    id: d.id,
    number: d.label,
    agent: d.agent.slug,
    environment: d.environment,
    state: d.state,
    severity: d.severity,
    reasons: d.reasons,
    diff: d.diff,
    approvedVersion: d.approvedVersion,
    observedSpecHash: d.observedSpecHash,
    observedSpec: d.observedSpec,
    openedAt: toIso(d.openedAt),
    lastObservedAt: toIso(d.lastObservedAt),
    resolution: d.resolution
      ? {
          action: d.resolution.action,
          reason: d.resolution.reason,
          by: d.resolution.by,
          at: toIso(d.resolution.at),
          expiresAt: toIso(d.resolution.acceptedUntil),
          change: d.resolution.change,
        }
      : null,
    acceptanceLapsedAt: toIso(d.acceptanceLapsedAt),
    closedAt: toIso(d.closedAt),
    closedReason: d.closedReason,
    observationCount: d.observationCount,
    observations: d.observations.map((o) => ({ ...o, observedAt: toIso(o.observedAt) })),
  };
}

export function observationJson(r: ObservationResult) {
  return {
    observation: { ...r.observation, observedAt: toIso(r.observation.observedAt) },
    inSync: r.observation.inSync,
    comparedWith: r.comparedWith,
    drift: r.drift ? driftJson(r.drift) : null,
  };
}
