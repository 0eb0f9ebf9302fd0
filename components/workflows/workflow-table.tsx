import { RiskBadge } from "@/components/agents/risk-badge";
import type { RiskLevel } from "@/lib/domain/terms";

export type WorkflowRow = {
  slug: string;
  name: string;
  owner: { email: string; name: string };
  riskClass: RiskLevel;
  riskReason: string;
  agents: number;
};

/** Every workflow with its owner, class and reason, and how many agents act in it; `edit` renders a row's change form. */
export function WorkflowTable({ workflows, edit }: { workflows: WorkflowRow[]; edit?: (w: WorkflowRow) => React.ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Workflows</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-3 font-medium">
              Workflow
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Owner
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Risk class
            </th>
            <th scope="col" className="py-2 pr-3 text-right font-medium">
              Agents
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {workflows.map((w) => (
            <tr key={w.slug} className="align-top">
              <td className="py-2 pr-3">
                <span className="font-medium text-slate-900">{w.name}</span>
                <span className="block font-mono text-xs text-slate-500">{w.slug}</span>
                {edit && (
                  <details className="mt-2">
                    <summary className="cursor-pointer text-xs text-brand-700 hover:underline">Change {w.name}</summary>
                    <div className="mt-3 w-[min(40rem,80vw)]">{edit(w)}</div>
                  </details>
                )}
              </td>
              <td className="py-2 pr-3">
                {w.owner.name}
                <span className="block text-xs text-slate-500">{w.owner.email}</span>
              </td>
              <td className="py-2 pr-3">
                <RiskBadge level={w.riskClass} />
                <span className="mt-1 block text-xs text-slate-600">{w.riskReason}</span>
              </td>
              <td className="py-2 pr-3 text-right tabular-nums">{w.agents}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
