import { Badge, type BadgeTone } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
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
  dismissedAt: number | null;
  dismissedReason: string | null;
  dismissedStatus: SignoffStatus | null;
  reviewedVersion: number | null;
  createdAt: number;
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

/** Who could sign a waiting role: the disabled holders, and whether anyone active but the author remains. */
export type SignerNotes = Partial<Record<Role, { disabled: { name: string; email: string }[]; noActiveSigner: boolean }>>;

/**
 * The sign-offs of a change: one current row per role (who decided, when, on which content), and
 * every earlier round folded beneath, newest first, so a long review stays readable.
 */
export function SignoffList({ signoffs, now, signers = {} }: { signoffs: Signoff[]; now: number; signers?: SignerNotes }) {
  const current = signoffs.filter((s) => s.status !== "dismissed");
  const history = signoffs
    .filter((s) => s.status === "dismissed" && s.signer !== null)
    .sort((a, b) => (b.dismissedAt ?? 0) - (a.dismissedAt ?? 0));
  return (
    <div className="space-y-3">
      {current.length > 0 ? (
        <ul className="divide-y divide-slate-100" aria-label="Current sign-offs">
          {current.map((s) => (
            <li key={s.id} className="py-2.5 first:pt-0 last:pb-0">
              <div className="flex items-center justify-between gap-2">
                <span className="text-sm font-medium text-slate-900">{ROLE_LABELS[s.role]}</span>
                <Badge tone={TONE[s.status]}>{LABEL[s.status]}</Badge>
              </div>
              <p className="text-xs text-slate-500">asked because {s.reason}</p>
              {s.signer && s.decidedAt ? (
                <p className="mt-0.5 text-xs text-slate-700">
                  {s.signerName} · <RelativeTime at={s.decidedAt} now={now} /> · on{" "}
                  <span className="font-mono">{s.contentHash?.slice(0, 10)}</span>
                </p>
              ) : (
                <p className="mt-0.5 text-xs text-slate-500">
                  waiting since <RelativeTime at={s.createdAt} now={now} />
                </p>
              )}
              {s.comment && <p className="mt-0.5 text-xs break-words text-slate-700">“{s.comment}”</p>}
              {s.status === "pending" && <WaitingSigners notes={signers[s.role]} />}
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600">No sign-off is asked in this round.</p>
      )}
      {history.length > 0 && (
        <details className="rounded-md border border-slate-100 px-3 py-2 text-xs">
          <summary className="cursor-pointer font-medium text-slate-700">Earlier decisions ({history.length})</summary>
          <ul className="mt-2 space-y-2">
            {history.map((s) => (
              <li key={s.id} className="text-slate-600">
                <span className="font-medium text-slate-800">{ROLE_LABELS[s.role]}</span>:{" "}
                {s.dismissedStatus && s.dismissedStatus !== "pending" ? LABEL[s.dismissedStatus] : "asked"}
                {s.signerName && <> by {s.signerName}</>}
                {s.decidedAt && (
                  <>
                    {" "}
                    <RelativeTime at={s.decidedAt} now={now} />
                  </>
                )}
                {s.reviewedVersion !== null && <> on v{s.reviewedVersion}</>}
                {s.comment && <span className="block break-words">“{s.comment}”</span>}
                {s.dismissedReason && <span className="block text-slate-500">{s.dismissedReason}</span>}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** Under a waiting role: its disabled holders, and a plain warning when nobody active can sign it. */
function WaitingSigners({ notes }: { notes: SignerNotes[Role] }) {
  if (!notes) return null;
  return (
    <>
      {notes.disabled.length > 0 && (
        <ul className="mt-1 space-y-0.5 text-xs text-slate-600" aria-label="Disabled people holding this role">
          {notes.disabled.map((p) => (
            <li key={p.email}>
              {p.name} <Badge tone="neutral">signer disabled</Badge>
            </li>
          ))}
        </ul>
      )}
      {notes.noActiveSigner && (
        <p role="note" className="mt-1 text-xs font-medium text-rose-700">
          No active signer for this role: an admin must give the role to someone other than the author.
        </p>
      )}
    </>
  );
}
