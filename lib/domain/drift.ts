import { riskFacts } from "./change-assessment";
import { permissionDiff, type DiffItem } from "./permission-diff";
import { assessRisk } from "./risk";
import type { AgentSpec } from "./spec";
import type { RiskLevel } from "./terms";

/**
 * Drift (DESIGN.md): what an environment was observed running, against the version deployed there. A
 * difference is read exactly as a change would be, from the approved version to the observed one: the same
 * permission diff, escalations first, and a severity from the same risk rules, so a model swapped or
 * unpinned, a write action added, an approval removed or a limit raised weigh what they would in review.
 */

export const DRIFT_STATES = ["open", "closed"] as const;
export type DriftState = (typeof DRIFT_STATES)[number];

/** What an owner decided about open drift: make it a change, put the approved version back, or live with it for a while. */
export const DRIFT_ACTIONS = ["adopt", "restore", "accept"] as const;
export type DriftAction = (typeof DRIFT_ACTIONS)[number];

/** How a drift record closed: an in-sync observation, after the adopted change was released or the approved version restored. */
export const DRIFT_CLOSED_REASONS = ["returned_to_approved", "adopted", "restored"] as const;
export type DriftClosedReason = (typeof DRIFT_CLOSED_REASONS)[number];

/** A risk acceptance lasts at most this long; it lapses, and the record is open again, if the agent still drifts. */
export const MAX_ACCEPTANCE_DAYS = 90;

export type DriftAssessment = { diff: DiffItem[]; severity: RiskLevel; reasons: string[] };

/**
 * The difference from the approved spec to the observed one, and how severe it is in the agent's workflow.
 * With nothing approved there (`null`), everything observed runs unapproved, weighed as a new agent would be.
 */
export function assessDrift(
  approved: AgentSpec | null,
  observed: AgentSpec,
  workflow: { name: string; riskClass: RiskLevel },
): DriftAssessment {
  const diff = permissionDiff(approved, observed);
  const { tier, reasons } = assessRisk(riskFacts(diff, observed, workflow, approved === null));
  return { diff, severity: tier, reasons };
}

/** The part of a drift record an observation or a reader needs. */
export type DriftStanding = {
  state: DriftState;
  resolution: DriftAction | null;
  acceptedUntil: number | null;
};

/** A risk acceptance whose expiry has passed no longer holds: the record is open and unresolved again. */
export function acceptanceLapsed(record: DriftStanding, now: number): boolean {
  return record.state === "open" && record.resolution === "accept" && record.acceptedUntil !== null && record.acceptedUntil <= now;
}

/** The resolution in force now: a lapsed acceptance is none. */
export function resolutionInForce(record: DriftStanding, now: number): DriftAction | null {
  return acceptanceLapsed(record, now) ? null : record.resolution;
}

/**
 * What an observation does, given the agent's open drift record in that environment (or none):
 * - older than the latest observation of that environment: kept as history, it changes nothing (a late
 *   report cannot close current drift, nor make it look milder, nor open drift that has since gone);
 * - in sync, no record: nothing but "last observed";
 * - in sync, a record: it closes: adopted when the version now deployed came from the adopted change,
 *   restored when restoring was the decision, else returned to approved;
 * - different, no record: a record opens;
 * - different, a record: the observation attaches to it (a lapsed acceptance is lifted as it does).
 */
export type ObservationOutcome =
  | { kind: "stale" }
  | { kind: "in_sync" }
  | { kind: "close"; reason: DriftClosedReason }
  | { kind: "open" }
  | { kind: "attach"; acceptanceLapsed: boolean };

export function observationOutcome(
  open: DriftStanding | null,
  inSync: boolean,
  now: number,
  context: { stale?: boolean; deployedFromAdoptedChange?: boolean } = {},
): ObservationOutcome {
  if (context.stale) return { kind: "stale" };
  if (inSync) {
    if (!open) return { kind: "in_sync" };
    const resolution = resolutionInForce(open, now);
    const reason =
      resolution === "adopt" && context.deployedFromAdoptedChange
        ? "adopted"
        : resolution === "restore"
          ? "restored"
          : "returned_to_approved";
    return { kind: "close", reason };
  }
  if (!open) return { kind: "open" };
  return { kind: "attach", acceptanceLapsed: acceptanceLapsed(open, now) };
}

const DAY = 86_400_000;

/**
 * Whether a resolution may be recorded now, and what is wrong with it if not: a reason is always needed; an
 * acceptance needs an expiry in the future, at most 90 days away; adopting twice is refused.
 */
export function resolutionProblems(
  record: DriftStanding,
  input: { action: DriftAction; reason: string; expiresAt?: number | null },
  now: number,
  /** Whether the change it was adopted as is still open: a withdrawn or rejected one no longer stands for it. */
  adoptedChangeOpen = true,
): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (record.state !== "open") problems.action = ["This drift is closed: there is nothing to resolve"];
  if (!input.reason.trim()) problems.reason = ["Say why"];
  if (input.action === "accept") {
    if (input.expiresAt == null) problems.expiresAt = ["Accepting the risk needs an expiry"];
    else if (input.expiresAt <= now) problems.expiresAt = ["The expiry must be in the future"];
    else if (input.expiresAt > now + MAX_ACCEPTANCE_DAYS * DAY)
      problems.expiresAt = [`Accept the risk for at most ${MAX_ACCEPTANCE_DAYS} days`];
  } else if (input.expiresAt != null) {
    problems.expiresAt = ["Only accepting the risk takes an expiry"];
  }
  if (input.action === "adopt" && resolutionInForce(record, now) === "adopt" && record.state === "open" && adoptedChangeOpen)
    problems.action = ["This drift is already adopted as a change"];
  return problems;
}

/** How long a version ran unapproved: from the first differing observation to the one that closed it, or to now. */
export function driftDuration(openedAt: number, closedAt: number | null, now: number): number {
  return Math.max(0, (closedAt ?? now) - openedAt);
}

/** Posture of an agent in production, for the inventory: observed recently, or unknown. */
export function isUnobserved(lastObservedAt: number | null, maxAgeMs: number, now: number): boolean {
  return lastObservedAt === null || now - lastObservedAt > maxAgeMs;
}

/** A review is due when the last approved change is older than the review interval (or there is none). */
export function isReviewDue(lastApprovedAt: number | null, intervalMs: number, now: number): boolean {
  return lastApprovedAt === null || now - lastApprovedAt > intervalMs;
}

/** Drift records are numbered for people: DR-7. */
export function driftNumberLabel(number: number): string {
  return `DR-${number}`;
}
