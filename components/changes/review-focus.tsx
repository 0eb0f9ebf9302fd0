import { HumanInTheLoop, ModelLine, ToolsTable } from "@/components/agents/config-record";
import { InstructionsDiffView, PermissionDiffView } from "@/components/agents/diff-view";
import { Field } from "@/components/ui/card";
import { UtcTime } from "@/components/ui/utc-time";
import type { DiffItem, LineChange } from "@/lib/domain/permission-diff";
import type { AgentSpec } from "@/lib/domain/spec";
import type { Role } from "@/lib/domain/terms";

type Change = {
  spec: AgentSpec | null;
  permissionDiff: DiffItem[];
  roleImpacts: { role: string; impact: string; description: string }[];
  harmMetrics: { name: string; comparator: string; threshold: number; window: string }[];
  rollbackPlan: string;
  rollbackOwner: { name: string } | null;
  monitoring: string;
};

type EvalRun = { suite: string; environment: string; passed: number; failed: number; regressions: number; recordedAt: number };

/** What a role attests, shown first: the evidence that role signs for. */
export function ReviewFocus({
  role,
  change,
  instructions,
  evals,
}: {
  role: Role;
  change: Change;
  instructions: LineChange[];
  evals: EvalRun[];
}) {
  const only = (domain: DiffItem["domain"]) => change.permissionDiff.filter((i) => i.domain === domain);
  if (role === "workflow_owner") {
    return (
      <div className="space-y-4">
        <InstructionsDiffView lines={instructions} />
        <dl>
          <Field label="Role impacts">
            {change.roleImpacts.length
              ? change.roleImpacts.map((r, i) => <p key={i}>{`${r.role} ${r.impact} work: ${r.description}`}</p>)
              : "none stated"}
          </Field>
          <Field label="Harm metrics">
            {change.harmMetrics.length
              ? change.harmMetrics.map((m, i) => (
                  <p key={i} className="font-mono text-xs">{`${m.name} ${m.comparator} ${m.threshold} over ${m.window}`}</p>
                ))
              : "none stated"}
          </Field>
          <Field label="Human in the loop">
            <HumanInTheLoop hitl={change.spec?.humanInTheLoop} />
          </Field>
        </dl>
        {only("semantics").length > 0 && <PermissionDiffView items={only("semantics")} />}
      </div>
    );
  }
  if (role === "security") return <PermissionDiffView items={only("authority").length ? only("authority") : change.permissionDiff} />;
  if (role === "engineering") {
    return (
      <div className="space-y-4">
        <dl>
          <Field label="Model">{change.spec ? <ModelLine model={change.spec.model} /> : "—"}</Field>
          <Field label="Eval runs for this spec">
            {evals.length ? (
              <ul className="space-y-0.5 text-xs">
                {evals.map((e, i) => (
                  <li key={i}>
                    {e.suite} in {e.environment}: {e.passed} passed,{" "}
                    <span className={e.failed ? "font-medium text-rose-700" : ""}>{e.failed} failed</span>, {e.regressions} regressions ·{" "}
                    <UtcTime at={e.recordedAt} />
                  </li>
                ))}
              </ul>
            ) : (
              <span className="text-slate-500">none recorded for this exact spec yet</span>
            )}
          </Field>
        </dl>
        {change.spec && <ToolsTable tools={change.spec.tools} />}
        {only("runtime").length > 0 && <PermissionDiffView items={only("runtime")} />}
      </div>
    );
  }
  if (role === "operations") {
    return (
      <div className="space-y-4">
        <dl>
          <Field label="Rollback plan">{change.rollbackPlan || "—"}</Field>
          <Field label="Rollback owner">{change.rollbackOwner?.name ?? "—"}</Field>
          <Field label="Monitoring">{change.monitoring || "—"}</Field>
          <Field label="Trace retention">{change.spec ? `${change.spec.traceRetentionDays} days` : "—"}</Field>
        </dl>
        {only("incident_path").length > 0 && <PermissionDiffView items={only("incident_path")} />}
      </div>
    );
  }
  return <PermissionDiffView items={change.permissionDiff} />;
}
