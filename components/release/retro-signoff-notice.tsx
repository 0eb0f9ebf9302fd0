import { AlarmClock } from "lucide-react";
import { RelativeTime } from "@/components/ui/relative-time";
import { UtcTime } from "@/components/ui/utc-time";
import type { RetroSignoffStatus } from "@/lib/domain/retro-signoff";

/** An emergency release's deadline for its full sign-off: pending in amber, overdue in red, complete quietly. */
export function RetroSignoffNotice({
  status,
  dueAt,
  waitingOn,
  now,
}: {
  status: RetroSignoffStatus;
  dueAt: number;
  waitingOn: string[];
  now: number;
}) {
  if (status === "complete") {
    return (
      <p className="text-sm text-slate-600">
        Released as an emergency; the full sign-off was completed (due <UtcTime at={dueAt} />
        ).
      </p>
    );
  }
  if (status === "rejected") {
    return (
      <div role="status" className="flex gap-3 rounded-lg border border-rose-300 bg-rose-50 p-4 text-sm text-rose-900">
        <AlarmClock aria-hidden className="mt-0.5 size-5 shrink-0" />
        <p>
          <span className="font-semibold">Retro sign-off rejected</span>: released as an emergency, this change was refused by a signer
          afterwards. It still runs until its rollback owner or operations rolls it back from the agent page.
        </p>
      </div>
    );
  }
  const overdue = status === "overdue";
  return (
    <div
      role="status"
      className={`flex gap-3 rounded-lg border p-4 text-sm ${overdue ? "border-rose-300 bg-rose-50 text-rose-900" : "border-amber-200 bg-amber-50 text-amber-900"}`}
    >
      <AlarmClock aria-hidden className="mt-0.5 size-5 shrink-0" />
      <p>
        <span className="font-semibold">{overdue ? "Retro sign-off overdue" : "Retro sign-off due"}</span>{" "}
        <RelativeTime at={dueAt} now={now} /> (<UtcTime at={dueAt} />
        ): released as an emergency, it still waits on {waitingOn.join(", ") || "its signers"}.
      </p>
    </div>
  );
}
