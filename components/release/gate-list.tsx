import { CheckCircle2, CircleDashed, XCircle } from "lucide-react";
import type { Gate } from "@/lib/domain/promotion-gates";

export const GATE_LABELS: Record<Gate["gate"], string> = {
  change_state: "Change state",
  up_to_date: "Up to date with production",
  ladder: "Ran in the environment before",
  approved_on_current_hash: "Approved on the current content",
  emergency_approval: "One approval from someone other than the author",
  staging_eval: "Clean staging eval of this exact spec",
  rollback_plan: "Rollback plan and owner",
  release_by_other: "Released by someone other than the author",
  not_already_running: "Not already running there",
};

/** Evidence gates as a checklist: what is met, what is missing and who can fix it. */
export function GateList({ gates }: { gates: Gate[] }) {
  return (
    <ul className="mt-2 space-y-1.5">
      {gates.map((g) => (
        <li key={g.gate} className="flex gap-2 text-sm">
          {g.met ? (
            <CheckCircle2 aria-label="met" className="mt-0.5 size-4 shrink-0 text-emerald-600" />
          ) : g.fixBy ? (
            <XCircle aria-label="missing" className="mt-0.5 size-4 shrink-0 text-rose-600" />
          ) : (
            <CircleDashed aria-label="not applicable" className="mt-0.5 size-4 shrink-0 text-slate-400" />
          )}
          <span className="min-w-0">
            <span className="font-medium text-slate-800">{GATE_LABELS[g.gate]}</span>
            <span className="text-slate-600"> — {g.reason}</span>
            {!g.met && g.fixBy && <span className="block text-xs text-slate-500">Who can fix it: {g.fixBy}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}
