"use client";

import { Archive } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useAction, type Outcome } from "@/components/ui/use-action";
import type { Gate } from "@/lib/domain/promotion-gates";
import { GateList } from "./gate-list";

/** A retire change's one release step: its gates, and the action that retires the agent in every environment. */
export function RetirementStep({
  changeId,
  agentName,
  gates,
  ready,
  canRetire,
  retire,
}: {
  changeId: string;
  agentName: string;
  gates: Gate[];
  ready: boolean;
  canRetire: boolean;
  retire: (changeId: string) => Promise<Outcome>;
}) {
  const { pending, run } = useAction();
  return (
    <div aria-label="retirement gates" className="rounded-md border border-slate-200 p-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
          Every environment {ready ? <Badge tone="info">ready</Badge> : <Badge>gates not met</Badge>}
        </h3>
        {ready && canRetire && (
          <Button
            type="button"
            disabled={pending}
            className="bg-slate-800 hover:bg-slate-900"
            aria-description={`Nothing of ${agentName} will run in development, staging or production`}
            onClick={() => run(() => retire(changeId))}
          >
            <Archive aria-hidden className="size-4" />
            {pending ? "Retiring…" : "Retire agent everywhere"}
          </Button>
        )}
        {ready && !canRetire && <p className="text-xs text-slate-500">Engineering or operations can retire it.</p>}
      </div>
      <GateList gates={gates} />
    </div>
  );
}
