import type { DiffItem } from "./permission-diff";
import type { SpecIssue } from "./spec";

export type FieldErrors = Record<string, string[]>;

/** What a change record must hold before it can go to review. */
export type SubmissionDraft = {
  title: string;
  specIssues: SpecIssue[] | null;
  diff: DiffItem[];
  harmMetrics: unknown[];
  rollbackPlan: string;
  rollbackOwnerId: string | null;
  emergency: boolean;
  emergencyJustification: string | null;
  raisedTier: string | null;
  tierRaisedReason: string | null;
  /** A retire change proposes no new spec: it says why the agent goes instead. */
  retire?: boolean;
  rationale?: string;
};

/**
 * Every reason a change cannot be submitted yet, each keyed by the field to fix. Empty when it can.
 * A draft may be saved with any of these open; submission needs none.
 */
export function submissionProblems(draft: SubmissionDraft): FieldErrors {
  const problems: FieldErrors = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  if (!draft.title.trim()) add("title", "Give the change a title");
  for (const issue of draft.specIssues ?? []) add(issue.path === "spec" ? "spec" : `spec.${issue.path}`, issue.message);
  if (draft.retire) {
    if (!draft.rationale?.trim()) add("rationale", "Say why the agent is retired and who takes over its work");
  } else if (!draft.specIssues && draft.diff.length === 0)
    add("spec", "The proposed spec is the same as the base version: there is nothing to review");
  if (!draft.rollbackPlan.trim()) add("rollbackPlan", "Describe how to roll this change back");
  if (!draft.rollbackOwnerId) add("rollbackOwner", "Name the rollback owner");
  const escalations = draft.diff.filter((i) => i.domain === "authority" && i.direction === "escalation");
  if (escalations.length > 0 && draft.harmMetrics.length === 0) {
    add("harmMetrics", `Add at least one harm metric: this change escalates authority (${escalations.map((e) => e.summary).join("; ")})`);
  }
  if (draft.emergency && !draft.emergencyJustification?.trim())
    add("emergency.justification", "Say why this change cannot wait for the full review");
  if (draft.raisedTier && !draft.tierRaisedReason?.trim()) add("raiseTier.reason", "Say why you raise the risk tier");
  return problems;
}
