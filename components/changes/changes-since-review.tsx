import { PermissionDiffView } from "@/components/agents/diff-view";
import { RelativeTime } from "@/components/ui/relative-time";
import type { DiffItem } from "@/lib/domain/permission-diff";

type Since = { decidedAt: number; reviewedVersion: number; reviewedAgainst: number | null; diff: DiffItem[]; instructionsChanged: boolean };

/** For a re-reviewer: what changed in the proposed spec since their last decision, so they re-read only that. */
export function ChangesSinceReviewView({
  since,
  headVersion,
  comparedWith,
  now,
}: {
  since: Since;
  headVersion: number | null;
  comparedWith: number | null;
  now: number;
}) {
  const unchanged = since.reviewedVersion === headVersion;
  const moved = since.reviewedAgainst !== null && comparedWith !== null && since.reviewedAgainst !== comparedWith;
  return (
    <section aria-label="Changes since your review" className="rounded-md border border-brand-100 bg-brand-50/40 p-3 text-sm">
      <h3 className="font-medium text-slate-900">Changes since your review</h3>
      <p className="mt-0.5 text-xs text-slate-600">
        You decided on v{since.reviewedVersion}
        {since.reviewedAgainst ? ` (compared with v${since.reviewedAgainst})` : ""} <RelativeTime at={since.decidedAt} now={now} />.{" "}
        {unchanged ? "The proposed spec is the same." : `The change now proposes v${headVersion}.`}
        {moved &&
          ` Production moved from v${since.reviewedAgainst} to v${comparedWith} under it, so the permission diff below is against v${comparedWith}.`}
        {unchanged && !moved && " The record around it changed: see the timeline."}
      </p>
      {!unchanged && (
        <div className="mt-2">
          {since.diff.length > 0 ? (
            <PermissionDiffView items={since.diff} />
          ) : (
            <p className="text-xs text-slate-600">No permission, runtime or incident-path difference.</p>
          )}
          {since.instructionsChanged && (
            <p className="mt-1 text-xs text-slate-600">The instructions changed too: see the instructions diff below.</p>
          )}
        </div>
      )}
    </section>
  );
}
