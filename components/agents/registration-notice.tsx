import Link from "next/link";

/** What a proposed agent is waiting for, or why it stopped: its registration change, or the change that retired it. */
export function RegistrationNotice({
  name,
  status,
  registration,
}: {
  name: string;
  status: string;
  registration: { label: string; state: string } | null;
}) {
  if (status !== "proposed" && status !== "withdrawn" && status !== "retired") return null;
  const change = registration ? (
    <Link href={`/changes/${registration.label}`} className="font-medium underline">
      {registration.label}
    </Link>
  ) : (
    "its registration change"
  );
  if (status === "retired")
    return (
      <div role="status" className="rounded-lg border border-slate-200 bg-slate-50 p-4 text-sm text-slate-800">
        <p className="font-medium">Retired.</p>
        <p className="mt-1">
          {change} retired {name}: nothing of it runs in any environment since, and no change can be proposed on it. Its history stays
          below, for the record.
        </p>
      </div>
    );
  return status === "proposed" ? (
    <div role="status" className="rounded-lg border border-sky-200 bg-sky-50 p-4 text-sm text-sky-900">
      <p className="font-medium">Proposed: not promoted yet.</p>
      <p className="mt-1">
        {name} is being registered by {change}
        {registration ? ` (${registration.state.replace("_", " ")})` : ""}. It becomes active with that change&apos;s first production
        release; until then no other change can be proposed on it: edit that change.
      </p>
    </div>
  ) : (
    <div role="status" className="rounded-lg border border-slate-200 bg-slate-50 p-4 text-sm text-slate-800">
      <p className="font-medium">Withdrawn.</p>
      <p className="mt-1">
        {name} was never released: its registration {change} was {registration?.state.replace("_", " ") ?? "closed"}. It is kept for the
        record.
      </p>
    </div>
  );
}
