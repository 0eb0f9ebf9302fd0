import { Badge } from "@/components/ui/badge";
import type { Outcome } from "@/components/ui/use-action";
import type { Environment } from "@/lib/domain/terms";
import type { Gate } from "@/lib/domain/promotion-gates";
import { GateList } from "./gate-list";
import { PromoteButton } from "./promote-button";

type Step = { environment: Environment; path: "promote" | "emergency"; gates: Gate[]; ready: boolean; canDeploy: boolean };

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
            <GateList gates={gates} />
          </li>
        );
      })}
    </ol>
  );
}
