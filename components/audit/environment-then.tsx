import Link from "next/link";
import type { ComponentProps } from "react";
import { InstructionsDiffView, PermissionDiffView } from "@/components/agents/diff-view";
import { RiskBadge } from "@/components/agents/risk-badge";
import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import type { DiffItem, LineChange } from "@/lib/domain/permission-diff";
import type { DeploymentKind, Environment, RiskLevel } from "@/lib/domain/terms";
import { ApprovalsTable } from "./approvals-table";
import { EvalRunsList } from "./eval-runs-list";

export type RanThen = {
  state: {
    version: number;
    specHash: string;
    deployedAt: number;
    kind: DeploymentKind;
    deployedBy: string;
    changeNumber: number | null;
    reason: string | null;
  };
  change: {
    label: string;
    title: string;
    riskTier: RiskLevel | null;
    riskReasons: string[];
    standardChange: string | null;
    emergency: { justification: string } | null;
  } | null;
  approvals: ComponentProps<typeof ApprovalsTable>["approvals"];
  evalRuns: ComponentProps<typeof EvalRunsList>["runs"];
  today: { version: number; deployedAt: number; comparison: { items: DiffItem[]; instructions: LineChange[] } | null };
};

const LABEL: Record<Environment, string> = { development: "Development", staging: "Staging", production: "Production" };
const HOW: Record<DeploymentKind, string> = {
  promote: "Promoted",
  rollback: "Rolled back to this version",
  emergency: "Released as an emergency",
  retire: "Retired: nothing of the agent runs here since",
};

function Part({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div>
      <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
      {children}
    </div>
  );
}

/** One environment at the instant asked about: its version, how it got there, its evidence, and what changed since. */
export function EnvironmentThen({ environment, ran }: { environment: Environment; ran: RanThen | null }) {
  const id = `then-${environment}`;
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white break-inside-avoid">
      <header className="flex flex-wrap items-baseline justify-between gap-2 border-b border-slate-100 px-4 py-3">
        <h2 id={id} className="text-sm font-semibold text-slate-900">
          {LABEL[environment]}
        </h2>
        {ran && <span className="font-mono text-sm font-semibold">v{ran.state.version}</span>}
      </header>
      <div className="space-y-5 p-4">
        {!ran ? (
          <p className="text-sm text-slate-500">Nothing was deployed in {environment} at that instant.</p>
        ) : (
          <>
            <Part title="Deployment">
              <p className="text-sm text-slate-800">
                {HOW[ran.state.kind]} by {ran.state.deployedBy} at <UtcTime at={ran.state.deployedAt} seconds />
                {ran.state.changeNumber !== null && <> for CR-{ran.state.changeNumber}</>}
                {ran.state.kind !== "promote" && (
                  <Badge tone={ran.state.kind === "rollback" ? "warning" : "danger"} className="ml-1.5">
                    {ran.state.kind}
                  </Badge>
                )}
              </p>
              {ran.state.reason && <p className="mt-0.5 text-sm text-slate-600">“{ran.state.reason}”</p>}
              <p className="mt-0.5 font-mono text-xs break-all text-slate-500">spec {ran.state.specHash}</p>
            </Part>
            <Part title="Change record">
              {ran.change ? (
                <div className="space-y-1.5 text-sm">
                  <p>
                    <Link href={`/changes/${ran.change.label}`} className="font-medium text-brand-700 hover:underline">
                      {ran.change.label}
                    </Link>{" "}
                    <span className="text-slate-900">{ran.change.title}</span>
                  </p>
                  {ran.change.riskTier && (
                    <div className="flex flex-wrap items-start gap-2">
                      <RiskBadge level={ran.change.riskTier} />
                      <ul aria-label="Why this tier" className="list-disc space-y-0.5 pl-5 text-slate-700">
                        {ran.change.riskReasons.map((r) => (
                          <li key={r}>{r}</li>
                        ))}
                      </ul>
                    </div>
                  )}
                  {ran.change.emergency && <p className="text-amber-800">Emergency change: “{ran.change.emergency.justification}”</p>}
                </div>
              ) : (
                <p className="text-sm text-slate-500">This version was not created by a change record.</p>
              )}
            </Part>
            <Part title="Approvals">
              <ApprovalsTable
                approvals={ran.approvals}
                caption={`Approvals of v${ran.state.version}`}
                standardChange={ran.change?.standardChange ?? null}
              />
            </Part>
            <Part title="Eval runs on this spec">
              <EvalRunsList runs={ran.evalRuns} deployedAt={ran.state.deployedAt} specHash={ran.state.specHash} />
            </Part>
            <Part title="What has changed since">
              {ran.today.comparison === null ? (
                <p className="text-sm text-slate-700">
                  Unchanged: {environment} still runs v{ran.state.version}.
                </p>
              ) : (
                <div className="space-y-4">
                  <p className="text-sm text-slate-700">
                    Today {environment} runs v{ran.today.version}, since <UtcTime at={ran.today.deployedAt} />. From v{ran.state.version} to
                    v{ran.today.version}:
                  </p>
                  <PermissionDiffView items={ran.today.comparison.items} />
                  <InstructionsDiffView lines={ran.today.comparison.instructions} />
                </div>
              )}
            </Part>
          </>
        )}
      </div>
    </section>
  );
}
