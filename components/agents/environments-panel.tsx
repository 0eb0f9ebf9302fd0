import { AlertTriangle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { UtcTime } from "@/components/ui/utc-time";
import { ENVIRONMENTS, type Environment } from "@/lib/domain/terms";
import type { ComponentProps } from "react";
import { ApprovalsList } from "./approvals-list";

type State = {
  version: number;
  specHash: string;
  deployedAt: number;
  kind: string;
  deployedBy: string;
  changeNumber: number | null;
  reason: string | null;
  approvedBy: ComponentProps<typeof ApprovalsList>["approved"];
} | null;

/** A version this environment runs that production rolled back. */
type RolledBack = { rolledBackAt: number; change: string | null };

const LABEL: Record<Environment, string> = { development: "Development", staging: "Staging", production: "Production" };
const HOW = { promote: "promoted", rollback: "rolled back", emergency: "emergency release", retire: "retired" } as const;

/** What each environment runs: version, since when, deployed by whom, through which change record. */
export function EnvironmentsPanel({
  environments,
  now,
  showApprovals = false,
  rolledBack = {},
}: {
  environments: Record<Environment, State>;
  now: number;
  showApprovals?: boolean;
  rolledBack?: Partial<Record<Environment, RolledBack>>;
}) {
  return (
    <ul className="divide-y divide-slate-100">
      {ENVIRONMENTS.map((env) => {
        const s = environments[env];
        const bad = rolledBack[env];
        return (
          <li key={env} className="py-3 first:pt-0 last:pb-0" aria-label={LABEL[env]}>
            <div className="flex items-baseline justify-between gap-2">
              <span className="text-sm font-medium text-slate-900">{LABEL[env]}</span>
              {s?.kind === "retire" ? (
                <span className="text-sm text-slate-500">
                  retired <span className="font-mono">(was v{s.version})</span>
                </span>
              ) : s ? (
                <span className="font-mono text-sm font-semibold">v{s.version}</span>
              ) : (
                <span className="text-sm text-slate-400">nothing deployed</span>
              )}
            </div>
            {s && bad && (
              <p className="mt-1 flex gap-1.5 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900 ring-1 ring-amber-200 ring-inset">
                <AlertTriangle aria-hidden className="mt-px size-3.5 shrink-0" />
                <span>
                  v{s.version} was rolled back in production on <UtcTime at={bad.rolledBackAt} />
                  {bad.change && <> ({bad.change})</>}
                </span>
              </p>
            )}
            {s && (
              <div className="mt-1 space-y-0.5 text-xs text-slate-600">
                <p>
                  since <UtcTime at={s.deployedAt} /> (<RelativeTime at={s.deployedAt} now={now} />)
                </p>
                <p>
                  {HOW[s.kind as keyof typeof HOW] ?? s.kind} by {s.deployedBy}
                  {s.changeNumber !== null && <> through CR-{s.changeNumber}</>}
                  {(s.kind === "rollback" || s.kind === "emergency") && (
                    <Badge tone={s.kind === "rollback" ? "warning" : "danger"} className="ml-1.5">
                      {s.kind}
                    </Badge>
                  )}
                </p>
                {s.reason && <p className="text-slate-500">“{s.reason}”</p>}
                <p className="font-mono text-[11px] text-slate-500" title={s.specHash}>
                  spec {s.specHash.slice(0, 16)}…
                </p>
                {showApprovals && (
                  <div className="pt-1.5">
                    <ApprovalsList approved={s.approvedBy} />
                  </div>
                )}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
