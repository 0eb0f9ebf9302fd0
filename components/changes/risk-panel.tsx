import { RiskBadge } from "@/components/agents/risk-badge";
import { ROLE_LABELS, type RiskLevel, type Role } from "@/lib/domain/terms";

/** The tier with the rule behind each step up, then who must sign and why — or the standard change that pre-approves it. */
export function RiskPanel({
  tier,
  reasons,
  required,
  standardChange,
}: {
  tier: RiskLevel | null;
  reasons: string[];
  required: { role: Role; reason: string }[];
  standardChange: string | null;
}) {
  if (!tier) return <p className="text-sm text-slate-500">The risk tier appears once the proposed spec is valid.</p>;
  return (
    <div className="space-y-4">
      <div>
        <p className="flex items-center gap-2 text-sm">
          Risk tier <RiskBadge level={tier} />
        </p>
        <ul aria-label="Why this tier" className="mt-2 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </div>
      <div>
        <p className="text-sm font-medium text-slate-900">Sign-off</p>
        {standardChange ? (
          <p className="mt-1 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 ring-1 ring-emerald-200 ring-inset">
            Standard change: pre-approved under “{standardChange}”. No signer needed.
          </p>
        ) : (
          <ul aria-label="Required signers" className="mt-1 space-y-1 text-sm">
            {required.map((r) => (
              <li key={r.role}>
                <span className="font-medium">{ROLE_LABELS[r.role]}</span> <span className="text-slate-500">— {r.reason}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
