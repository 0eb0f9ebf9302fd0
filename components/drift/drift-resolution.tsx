import Link from "next/link";
import { UtcTime } from "@/components/ui/utc-time";
import type { DriftRecordShown } from "./drift-types";

/** The resolution in force on an open record, a lapsed acceptance, or none yet. */
export function DriftResolution({ record }: { record: DriftRecordShown }) {
  const r = record.resolution;
  if (!r) {
    if (record.acceptanceLapsedAt !== null)
      return (
        <p className="text-sm text-amber-800">
          Acceptance lapsed on <UtcTime at={record.acceptanceLapsedAt} />: the agent still drifts and needs a new resolution.
        </p>
      );
    return <p className="text-sm text-slate-600">Not resolved yet.</p>;
  }
  const who = (
    <span className="text-slate-500">
      {" "}
      — {r.by ?? "someone"}, <UtcTime at={r.at} />
    </span>
  );
  return (
    <div className="space-y-1 text-sm">
      {r.action === "adopt" && (
        <p>
          <strong>Adopted as a change</strong>
          {r.change && (
            <>
              :{" "}
              <Link href={`/changes/${r.change}`} className="text-brand-700 hover:underline">
                {r.change}
              </Link>
            </>
          )}
          . It stays open until the change is released and {record.environment} is observed in sync.
        </p>
      )}
      {r.action === "restore" && (
        <p>
          <strong>Restoring the approved version.</strong> It closes when {record.environment} is next observed in sync.
        </p>
      )}
      {r.action === "accept" && r.acceptedUntil !== null && (
        <p>
          <strong>
            Risk accepted until <UtcTime at={r.acceptedUntil} />.
          </strong>{" "}
          After that it is open again if the agent still drifts.
        </p>
      )}
      <p className="break-words text-slate-700">
        “{r.reason}”{who}
      </p>
    </div>
  );
}
