import { UtcTime } from "@/components/ui/utc-time";
import { ROLE_LABELS, type Role } from "@/lib/domain/terms";

type Approvals = {
  changeNumber: number | null;
  standardChange: string | null;
  emergency: boolean;
  approvals: { role: Role; signer: string; signerName: string; at: number }[];
};

/** Who approved a version, role by role, with the time of each sign-off. */
export function ApprovalsList({ approved }: { approved: Approvals }) {
  if (approved.standardChange)
    return <p className="text-sm text-slate-700">Pre-approved as a standard change: {approved.standardChange}</p>;
  if (approved.approvals.length === 0) return <p className="text-sm text-slate-500">No sign-offs recorded for this version.</p>;
  return (
    <ul className="space-y-1 text-sm">
      {approved.approvals.map((a) => (
        <li key={`${a.role}-${a.signer}`} className="flex flex-wrap gap-x-2">
          <span className="font-medium text-slate-900">{ROLE_LABELS[a.role]}</span>
          <span className="text-slate-700" title={a.signer}>
            {a.signerName}
          </span>
          <span className="text-slate-500">
            <UtcTime at={a.at} />
          </span>
        </li>
      ))}
      {approved.emergency && (
        <li className="text-xs text-amber-700">
          Released as an emergency change on one approval; the other sign-offs are given afterwards (retro sign-off).
        </li>
      )}
    </ul>
  );
}
