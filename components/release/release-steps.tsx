import { CheckCircle2, CircleDashed, XCircle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import type { Outcome } from "@/components/ui/use-action";
import type { Environment } from "@/lib/domain/terms";
import type { Gate } from "@/lib/domain/promotion-gates";
import { PromoteButton } from "./promote-button";

type Step = { environment: Environment; path: "promote" | "emergency"; gates: Gate[]; ready: boolean; canDeploy: boolean };

const GATE_LABELS: Record<Gate["gate"], string> = {
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

/** Each environment's evidence gates as a checklist: what is met, what is missing and who can fix it. */
export function ReleaseSteps({
  changeId,
  steps,
  running,
  promote,
}: {
  changeId: string;
  steps: Step[];
  running: Partial<Record<Environment, boolean>>;
  promote: (changeId: string, environment: string) => Promise<Outcome>;
}) {
  return (
    <ol className="space-y-4">
      {steps.map((step) => {
        const here = running[step.environment];
        const gates = step.gates.filter((g) => !(here && g.gate === "not_already_running"));
        return (
          <li key={step.environment} aria-label={`${step.environment} gates`} className="rounded-md border border-slate-200 p-3">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <h3 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
                <span className="capitalize">{step.environment}</span>
                {here ? (
                  <Badge tone="success">running this version</Badge>
                ) : step.ready ? (
                  <Badge tone="info">ready</Badge>
                ) : (
                  <Badge>gates not met</Badge>
                )}
                {step.path === "emergency" && <Badge tone="danger">emergency path</Badge>}
              </h3>
              {!here && step.ready && step.canDeploy && (
                <PromoteButton changeId={changeId} environment={step.environment} emergency={step.path === "emergency"} promote={promote} />
              )}
              {!here && step.ready && !step.canDeploy && (
                <p className="text-xs text-slate-500">
                  {step.path === "emergency" ? "Operations releases emergency changes." : "Engineering or operations can promote it."}
                </p>
              )}
            </div>
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
          </li>
        );
      })}
    </ol>
  );
}
