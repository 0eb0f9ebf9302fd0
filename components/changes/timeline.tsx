import { UtcTime } from "@/components/ui/utc-time";

type Entry = { seq: number; at: number; actor: string; action: string; payload: Record<string, unknown> };

function describe(e: Entry): string {
  const role = typeof e.payload.role === "string" ? e.payload.role.replace("_", " ") : "";
  switch (e.action) {
    case "change.created":
      return "created the change";
    case "change.submitted":
      return "submitted it for review";
    case "change.edited":
      return "edited it";
    case "change.approved":
      return e.payload.preApproved ? "it was pre-approved as a standard change" : "it was approved";
    case "change.rejected":
      return "it was rejected";
    case "change.changes_requested":
      return "it went back to the author";
    case "change.withdrawn":
      return "withdrew it";
    case "change.released":
      return "released it to production";
    case "change.rolled_back":
      return "rolled it back";
    case "signoff.approved":
      return `approved as ${role}`;
    case "signoff.rejected":
      return `rejected as ${role}`;
    case "signoff.changes_requested":
      return `requested changes as ${role}`;
    case "signoff.dismissed":
      return `the ${role} sign-off was dismissed (${String(e.payload.reason ?? "")})`;
    default:
      return e.action;
  }
}

/** Every event of the change, from the audit trail. */
export function Timeline({ entries }: { entries: Entry[] }) {
  return (
    <ol aria-label="Timeline" className="space-y-2 border-l border-slate-200 pl-4 text-sm">
      {entries.map((e) => (
        <li key={e.seq} className="relative">
          <span aria-hidden className="absolute top-1.5 -left-[1.3rem] size-2 rounded-full bg-slate-300" />
          <span className="text-slate-900">{e.actor}</span> <span className="text-slate-700">{describe(e)}</span>
          {typeof e.payload.comment === "string" && e.payload.comment && <span className="text-slate-600"> — “{e.payload.comment}”</span>}
          <span className="block text-xs text-slate-500">
            <UtcTime at={e.at} />
          </span>
        </li>
      ))}
    </ol>
  );
}
