import type { DriftAction, DriftClosedReason } from "@/lib/domain/drift";

/** The resolutions as a person chooses them. */
export const DRIFT_ACTION_LABELS: Record<DriftAction, string> = {
  adopt: "Adopt as a change",
  restore: "Restore the approved version",
  accept: "Accept the risk",
};

/** How a drift record closed, in a few words. */
export const DRIFT_CLOSED_LABELS: Record<DriftClosedReason, string> = {
  returned_to_approved: "back to the approved version",
  adopted: "adopted: the change was released",
  restored: "restored to the approved version",
};
