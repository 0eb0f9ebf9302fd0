import { AlertTriangle, Check, X } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { isModelPinned, type AgentSpec } from "@/lib/domain/spec";
import { AUTONOMY_LADDER } from "@/lib/domain/spec";

const AUTONOMY_LABEL: Record<string, string> = { read_only: "Read-only", bounded: "Bounded", autonomous: "Autonomous" };

export function AutonomyLadder({ autonomy }: { autonomy: string }) {
  const at = AUTONOMY_LADDER.indexOf(autonomy as (typeof AUTONOMY_LADDER)[number]);
  return (
    <ol aria-label={`Autonomy: ${AUTONOMY_LABEL[autonomy] ?? autonomy}`} className="flex items-center gap-1 text-xs">
      {AUTONOMY_LADDER.map((rung, i) => (
        <li key={rung} className="flex items-center gap-1">
          {i > 0 && <span aria-hidden className={cn("h-px w-4", i <= at ? "bg-brand-500" : "bg-slate-300")} />}
          <span
            aria-current={i === at ? "step" : undefined}
            className={cn(
              "rounded-full px-2 py-0.5 ring-1 ring-inset",
              i === at
                ? "bg-brand-600 font-semibold text-white ring-brand-600"
                : i < at
                  ? "text-brand-700 ring-brand-200"
                  : "text-slate-500 ring-slate-200",
            )}
          >
            {AUTONOMY_LABEL[rung]}
          </span>
        </li>
      ))}
    </ol>
  );
}

export function ModelLine({ model }: { model: AgentSpec["model"] }) {
  return (
    <span className="flex flex-wrap items-center gap-2">
      <span className="font-mono text-sm">
        {model.provider}/{model.name}
        {model.version && `@${model.version}`}
      </span>
      {!isModelPinned({ model } as AgentSpec) && (
        <Badge tone="warning" role="status">
          <AlertTriangle aria-hidden className="size-3" /> Floating version: the provider can change this model without a change record
        </Badge>
      )}
    </span>
  );
}

const Yes = ({ value }: { value: boolean }) =>
  value ? (
    <span className="inline-flex items-center gap-1 text-emerald-700">
      <Check aria-hidden className="size-3.5" /> yes
    </span>
  ) : (
    <span className="inline-flex items-center gap-1 text-slate-600">
      <X aria-hidden className="size-3.5" /> no
    </span>
  );

/** Tools as a reviewer reads them: one row per action, with access, approval and limit. */
export function ToolsTable({ tools }: { tools: AgentSpec["tools"] }) {
  if (tools.length === 0) return <p className="text-sm text-slate-500">No tools: the agent can only answer.</p>;
  return (
    <div className="overflow-x-auto" tabIndex={0} role="group" aria-label="Tools and actions">
      <table className="w-full min-w-[480px] text-left text-sm">
        <caption className="sr-only">Tools and actions</caption>
        <thead className="text-xs text-slate-500">
          <tr className="border-b border-slate-100">
            <th scope="col" className="py-1.5 pr-3 font-medium">
              System
            </th>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Action
            </th>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Access
            </th>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Approval
            </th>
            <th scope="col" className="py-1.5 font-medium">
              Limit
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-50">
          {tools.flatMap((tool) =>
            tool.actions.map((action, i) => (
              <tr key={`${tool.system}:${action.name}`}>
                <td className="py-1.5 pr-3 font-mono text-xs">{i === 0 ? tool.system : ""}</td>
                <td className="py-1.5 pr-3 font-mono text-xs">{action.name}</td>
                <td className="py-1.5 pr-3">
                  <Badge tone={action.access === "read" ? "neutral" : action.access === "write" ? "warning" : "danger"}>
                    {action.access}
                  </Badge>
                </td>
                <td className="py-1.5 pr-3">
                  {action.approval === "required" ? (
                    "required"
                  ) : (
                    <span className={action.access === "read" ? "text-slate-500" : "font-medium text-rose-700"}>none</span>
                  )}
                </td>
                <td className="py-1.5 tabular-nums">
                  {action.limit ? (
                    `${action.limit.amount} ${action.limit.unit}`
                  ) : (
                    <span className="text-slate-500">{action.access === "read" ? "—" : "unlimited"}</span>
                  )}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}

export function HumanInTheLoop({ hitl }: { hitl: AgentSpec["humanInTheLoop"] }) {
  if (!hitl) return <p className="text-sm text-slate-500">No human reviews this agent&apos;s actions.</p>;
  return (
    <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1 text-sm">
      <dt className="text-slate-500">Reviewer</dt>
      <dd>{hitl.reviewer}</dd>
      <dt className="text-slate-500">Where</dt>
      <dd>{hitl.surface}</dd>
      <dt className="text-slate-500">Can override</dt>
      <dd>
        <Yes value={hitl.canOverride} />
      </dd>
      <dt className="text-slate-500">Captures corrections</dt>
      <dd>
        <Yes value={hitl.captureCorrections} />
      </dd>
      <dt className="text-slate-500">Stop asking</dt>
      <dd>{hitl.stopAskingRule || <span className="text-slate-500">never: the reviewer is always asked</span>}</dd>
    </dl>
  );
}
