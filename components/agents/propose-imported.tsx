"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { AgentCombobox, type AgentChoice } from "@/components/filters/agent-combobox";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/field";
import { RiskBadge } from "./risk-badge";
import { PermissionDiffView } from "./diff-view";
import { stashImportedSpec, type ImportedSpec } from "./import-handoff";
import type { PreviewFn } from "./imported-agent-card";

/**
 * Proposes the imported spec as a change to an agent already registered: the permission diff against what that
 * agent runs in production comes first, computed on the server with nothing saved; the editor opens only on request.
 */
export function ProposeImported({ handoff, preview }: { handoff: ImportedSpec; preview: PreviewFn }) {
  const router = useRouter();
  const id = useId();
  const [agent, setAgent] = useState<AgentChoice | null>(null);
  const diff = useQuery({
    queryKey: ["import-preview", agent?.slug, handoff.yaml],
    enabled: agent !== null,
    queryFn: () =>
      preview({ agent: agent!.slug, changeId: null, spec: handoff.yaml, emergency: false, raisedTier: null, raisedReason: null }),
  });
  const open = () => {
    if (!agent) return;
    stashImportedSpec({ kind: "change", agent: agent.slug }, handoff);
    router.push(`/changes/new?agent=${encodeURIComponent(agent.slug)}`);
  };
  const result = diff.data && !("error" in diff.data) ? diff.data : null;
  return (
    <div className="mt-6 border-t border-slate-100 pt-4">
      <h3 className="text-sm font-semibold text-slate-900">Propose as a change to an existing agent</h3>
      <div className="mt-2 max-w-md">
        <Label htmlFor={`${id}-agent`}>Agent to change</Label>
        <AgentCombobox id={`${id}-agent`} value={agent} onChange={setAgent} placeholder="Search agents by name or slug" />
      </div>
      {agent && (
        <div className="mt-3 space-y-3" aria-live="polite">
          {diff.isPending ? (
            <p className="text-sm text-slate-500">Working out the permission diff…</p>
          ) : diff.data && "error" in diff.data ? (
            <p role="alert" className="text-sm text-rose-800">
              {diff.data.error}
            </p>
          ) : diff.isError ? (
            <p role="alert" className="text-sm text-rose-800">
              Could not work out the diff. Try again.
            </p>
          ) : result ? (
            <>
              <p className="text-sm text-slate-700">
                Permission diff against {agent.name}{" "}
                {result.baseVersion ? `v${result.baseVersion}${result.comparedWithProduction ? " in production" : ""}` : "(no version yet)"}
                . Nothing has been saved.{" "}
                {result.tier && (
                  <>
                    Risk tier <RiskBadge level={result.tier} />
                  </>
                )}
              </p>
              {result.specIssues.length > 0 && (
                <ul aria-label="Spec problems" className="list-disc pl-5 text-sm text-rose-800">
                  {result.specIssues.map((issue, i) => (
                    <li key={i}>
                      {issue.path}: {issue.message}
                    </li>
                  ))}
                </ul>
              )}
              <section aria-label={`Permission diff against ${agent.name}`}>
                <PermissionDiffView items={result.diff} />
              </section>
              <Button onClick={open}>Propose as a change to {agent.name}</Button>
            </>
          ) : null}
        </div>
      )}
    </div>
  );
}
