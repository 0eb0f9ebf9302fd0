import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { ChangeState } from "@/lib/domain/terms";

const TONE: Record<ChangeState, BadgeTone> = {
  draft: "neutral",
  in_review: "info",
  approved: "success",
  released: "success",
  rejected: "danger",
  withdrawn: "neutral",
  rolled_back: "warning",
};

export const STATE_LABEL: Record<ChangeState, string> = {
  draft: "Draft",
  in_review: "In review",
  approved: "Approved",
  released: "Released",
  rejected: "Rejected",
  withdrawn: "Withdrawn",
  rolled_back: "Rolled back",
};

export function ChangeStateBadge({ state }: { state: ChangeState }) {
  return <Badge tone={TONE[state]}>{STATE_LABEL[state]}</Badge>;
}
