"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Label, Textarea } from "@/components/ui/field";

type Result = { ok: true; state: string } | { ok: false; message: string };

/** One click next to the evidence: approve, request changes or reject, with a comment (required for the last two). */
export function DecisionForm({
  changeId,
  contentHash,
  comparedWithVersion,
  role,
  roleLabel,
  approveBlocked = null,
  decide,
}: {
  changeId: string;
  contentHash: string;
  /** The version the reviewer's diff was computed against; a decision made after production moved is refused as stale. */
  comparedWithVersion: number | null;
  role: string;
  roleLabel: string;
  /** Why approving is not possible now (e.g. the change is out of date); rejecting or requesting changes still is. */
  approveBlocked?: string | null;
  decide: (input: {
    changeId: string;
    role: string;
    decision: string;
    comment: string;
    contentHash: string;
    comparedWithVersion: number | null;
  }) => Promise<Result>;
}) {
  const router = useRouter();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const act = (decision: "approve" | "request_changes" | "reject") => {
    if (decision !== "approve" && !comment.trim()) return setError("Say why: a comment is required to reject or request changes.");
    setError(null);
    start(async () => {
      const result = await decide({ changeId, role, decision, comment, contentHash, comparedWithVersion });
      if (!result.ok) {
        setError(result.message);
        toast.error(result.message);
        return;
      }
      toast.success(
        decision === "approve" ? `Approved as ${roleLabel}` : decision === "reject" ? "Change rejected" : "Sent back to the author",
      );
      router.refresh();
    });
  };
  return (
    <div className="space-y-3">
      <div>
        <Label htmlFor={`comment-${role}`}>Comment</Label>
        <Textarea
          id={`comment-${role}`}
          rows={3}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          placeholder="Optional to approve; required to reject or request changes"
          aria-invalid={Boolean(error)}
        />
        {error && (
          <p role="alert" className="mt-1 text-xs text-rose-700">
            {error}
          </p>
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        <Button
          type="button"
          disabled={pending || Boolean(approveBlocked)}
          aria-describedby={approveBlocked ? `approve-blocked-${role}` : undefined}
          onClick={() => act("approve")}
        >
          Approve as {roleLabel}
        </Button>
        <Button type="button" variant="secondary" disabled={pending} onClick={() => act("request_changes")}>
          Request changes
        </Button>
        <Button type="button" variant="ghost" className="text-rose-700 hover:bg-rose-50" disabled={pending} onClick={() => act("reject")}>
          Reject
        </Button>
      </div>
      {approveBlocked && (
        <p id={`approve-blocked-${role}`} className="text-xs text-slate-600">
          {approveBlocked}
        </p>
      )}
    </div>
  );
}
