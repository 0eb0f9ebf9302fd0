import { RiskBadge } from "@/components/agents/risk-badge";
import { ROLE_LABELS, type RiskLevel, type Role } from "@/lib/domain/terms";

/** Its workflow's class changed after the change was assessed: the tier stands as assessed then. */
export type WorkflowClassChange = { workflow: string; assessedUnder: RiskLevel; now: RiskLevel; since: number | null };

export function workflowClassChangeText(c: WorkflowClassChange): string {
  const then =
    c.since === null
      ? `Assessed under a ${c.assessedUnder} workflow class; its agent’s workflow, ${c.workflow}, is ${c.now} now.`
      : `Assessed under the ${c.workflow} workflow’s ${c.assessedUnder} class; it is ${c.now} since ${new Date(c.since).toISOString().slice(0, 10)}.`;
  return `${then} The tier stands as assessed; the new class applies to changes assessed from then on.`;
}

/** The tier with the rule behind each step up, then who must sign and why — or the standard change that pre-approves it. */
export function RiskPanel({
  tier,
  reasons,
  required,
  standardChange,
  classChange = null,
  reassessmentReason = null,
}: {
  tier: RiskLevel | null;
  reasons: string[];
  required: { role: Role; reason: string }[];
  standardChange: string | null;
  classChange?: WorkflowClassChange | null;
  reassessmentReason?: string | null;
}) {
  const reassessed = reassessmentReason && (
    <p role="note" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset">
      {reassessmentReason}
    </p>
  );
  if (!tier)
    return (
      <div className="space-y-3">
        {reassessed}
        <p className="text-sm text-slate-500">The risk tier appears once the proposed spec is valid.</p>
      </div>
    );
  return (
    <div className="space-y-4">
      {reassessed}
      {classChange && (
        <p role="note" className="rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900 ring-1 ring-sky-200 ring-inset">
          {workflowClassChangeText(classChange)}
        </p>
      )}
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
