import type { ChangeState, Role, SignoffStatus } from "./terms";

/** The change-record states and the moves between them (DESIGN.md). */
const TRANSITIONS: Record<ChangeState, ChangeState[]> = {
  draft: ["in_review", "approved", "withdrawn"],
  // An emergency change is released from review on one approval; the rest is signed afterwards.
  in_review: ["approved", "rejected", "draft", "withdrawn", "in_review", "released"],
  approved: ["released", "in_review"],
  released: ["rolled_back"],
  rejected: [],
  withdrawn: [],
  rolled_back: [],
};

export function canTransition(from: ChangeState, to: ChangeState): boolean {
  return TRANSITIONS[from].includes(to);
}

export type Decision = "approve" | "reject" | "request_changes";

export const DECISION_STATUS: Record<Decision, SignoffStatus> = {
  approve: "approved",
  reject: "rejected",
  request_changes: "changes_requested",
};

/**
 * Where a change in review goes after a decision: one rejection rejects it; "changes requested"
 * returns it to its author as a draft; approvals from every required role on the current content
 * hash approve it; otherwise it stays in review.
 */
export function stateAfterDecision(
  decision: Decision,
  standing: { role: Role; status: SignoffStatus; contentHash: string | null }[],
  contentHash: string,
): ChangeState {
  if (decision === "reject") return "rejected";
  if (decision === "request_changes") return "draft";
  const live = standing.filter((s) => s.status !== "dismissed");
  return live.length > 0 && live.every((s) => s.status === "approved" && s.contentHash === contentHash) ? "approved" : "in_review";
}
