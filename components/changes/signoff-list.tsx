import { Badge, type BadgeTone } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import { ROLE_LABELS, type Role, type SignoffStatus } from "@/lib/domain/terms";

type Signoff = {
  id: string;
  role: Role;
  reason: string;
  status: SignoffStatus;
  signerName: string | null;
  signer: string | null;
  comment: string | null;
  contentHash: string | null;
  decidedAt: number | null;
  dismissedReason: string | null;
};

const TONE: Record<SignoffStatus, BadgeTone> = {
  pending: "info",
  approved: "success",
  rejected: "danger",
  changes_requested: "warning",
  dismissed: "neutral",
};
const LABEL: Record<SignoffStatus, string> = {
  pending: "waiting",
  approved: "approved",
  rejected: "rejected",
  changes_requested: "changes requested",
  dismissed: "dismissed",
};

/** Each sign-off asked of a role: who decided, when, on which content hash — dismissed ones stay visible. */
export function SignoffList({ signoffs }: { signoffs: Signoff[] }) {
  return (
    <ul className="divide-y divide-slate-100">
      {signoffs.map((s) => (
        <li key={s.id} className="py-2.5 first:pt-0 last:pb-0">
          <div className="flex items-center justify-between gap-2">
            <span className="text-sm font-medium text-slate-900">{ROLE_LABELS[s.role]}</span>
            <Badge tone={TONE[s.status]}>{LABEL[s.status]}</Badge>
          </div>
          <p className="text-xs text-slate-500">asked because {s.reason}</p>
          {s.signer && s.decidedAt && (
            <p className="mt-0.5 text-xs text-slate-700">
              {s.signerName} · <UtcTime at={s.decidedAt} /> · on <span className="font-mono">{s.contentHash?.slice(0, 10)}</span>
            </p>
          )}
          {s.comment && <p className="mt-0.5 text-xs text-slate-700">“{s.comment}”</p>}
          {s.dismissedReason && <p className="mt-0.5 text-xs text-slate-500">{s.dismissedReason}</p>}
        </li>
      ))}
    </ul>
  );
}
