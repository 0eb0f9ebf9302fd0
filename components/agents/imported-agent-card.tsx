"use client";

import { useRouter } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PLATFORM_LABELS } from "@/lib/domain/terms";
import type { Provenance } from "@/lib/importers/types";
import type { ChangePreview } from "@/lib/validations/change-record";
import { stashImportedSpec } from "./import-handoff";
import type { ImportedAgentView } from "./import-types";
import { ProposeImported } from "./propose-imported";

export type PreviewFn = (input: {
  agent: string;
  changeId: string | null;
  spec: string | Record<string, unknown>;
  emergency: boolean;
  raisedTier: string | null;
  raisedReason: string | null;
}) => Promise<ChangePreview | { error: string }>;

/** Where a value came from, and an "inferred" badge with the reason when Countersign guessed it rather than read it. */
function Source({ provenance }: { provenance: Provenance }) {
  const where = [provenance.file + (provenance.line ? `:${provenance.line}` : ""), provenance.path].filter(Boolean).join(" · ");
  return (
    <span className="flex flex-wrap items-center gap-1.5">
      {provenance.how === "inferred" ? <Badge tone="warning">inferred</Badge> : <Badge tone="neutral">stated</Badge>}
      {provenance.because && <span className="text-slate-700">{provenance.because}</span>}
      <span className="font-mono text-xs text-slate-500">{where}</span>
    </span>
  );
}

/** One imported agent: what was read, where each value a reviewer signs came from, and what to do with it. */
export function ImportedAgentCard({ agent, source, preview }: { agent: ImportedAgentView; source: string; preview: PreviewFn }) {
  const router = useRouter();
  const handoff = { yaml: agent.yaml, name: agent.name, description: agent.description, platform: agent.platform, source };
  const { spec, provenance } = agent;
  const register = () => {
    stashImportedSpec({ kind: "register" }, handoff);
    router.push("/agents/new");
  };
  const actionRows = spec.tools.flatMap((tool) =>
    tool.actions.map((action) => ({
      key: `${tool.system}:${action.name}`,
      action,
      where: provenance.actions[`${tool.system}:${action.name}`],
    })),
  );
  return (
    <Card
      title={
        <>
          {agent.name} <span className="font-normal text-slate-500">({PLATFORM_LABELS[agent.platform]})</span>
        </>
      }
      action={<Button onClick={register}>Register as a new agent</Button>}
    >
      {agent.description && <p className="text-sm text-slate-700">{agent.description}</p>}
      <div className="mt-4 grid gap-6 lg:grid-cols-2">
        <div className="min-w-0 space-y-3">
          <table className="w-full text-left text-sm">
            <caption className="pb-1 text-left text-sm font-semibold text-slate-900">Where the reviewed values came from</caption>
            <thead className="text-xs text-slate-500">
              <tr>
                <th scope="col" className="py-1 pr-2 font-medium">
                  Value
                </th>
                <th scope="col" className="py-1 font-medium">
                  Source
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 align-top">
              <tr>
                <th scope="row" className="py-1.5 pr-2 font-normal">
                  Model <span className="font-mono text-xs">{`${spec.model.provider}/${spec.model.name}`}</span>
                </th>
                <td className="py-1.5">
                  <Source provenance={provenance.model} />
                </td>
              </tr>
              <tr>
                <th scope="row" className="py-1.5 pr-2 font-normal">
                  Autonomy <span className="font-mono text-xs">{spec.autonomy}</span>
                </th>
                <td className="py-1.5">
                  <Source provenance={provenance.autonomy} />
                </td>
              </tr>
              {actionRows.map(({ key, action, where }) => (
                <tr key={key}>
                  <th scope="row" className="py-1.5 pr-2 font-normal">
                    <span className="font-mono text-xs break-all">{key}</span>
                  </th>
                  <td className="space-y-1 py-1.5">
                    <div className="flex gap-1.5">
                      <span className="shrink-0">Access {action.access}:</span>
                      {where ? <Source provenance={where.access} /> : null}
                    </div>
                    <div className="flex gap-1.5">
                      <span className="shrink-0">Approval {action.approval}:</span>
                      {where ? <Source provenance={where.approval} /> : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {agent.warnings.length > 0 ? (
            <Warnings items={agent.warnings} label={`Warnings for ${agent.name}`} />
          ) : (
            <p className="text-sm text-slate-600">No warnings: everything read was mapped.</p>
          )}
        </div>
        <div className="min-w-0">
          <h3 className="text-sm font-semibold text-slate-900">Spec</h3>
          <pre
            aria-label={`Spec of ${agent.name}`}
            className="mt-1 max-h-[32rem] overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs whitespace-pre-wrap text-slate-800"
          >
            {agent.yaml}
          </pre>
        </div>
      </div>
      <ProposeImported handoff={handoff} preview={preview} />
    </Card>
  );
}

export function Warnings({ items, label }: { items: string[]; label: string }) {
  return (
    <div className="mt-3">
      <h3 className="text-sm font-semibold text-amber-900">{label}</h3>
      <ul aria-label={label} className="mt-1 list-disc space-y-1 pl-5 text-sm text-amber-900">
        {items.map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ul>
    </div>
  );
}
