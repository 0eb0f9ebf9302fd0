import Link from "next/link";
import { RiskBadge } from "@/components/agents/risk-badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { ROLE_LABELS, type ChangeState, type RiskLevel, type Role } from "@/lib/domain/terms";
import { ChangeStateBadge } from "./change-state-badge";

export type ChangeRow = {
  id: string;
  number: number;
  state: ChangeState;
  title: string;
  agent: { slug: string; name: string };
  riskTier: RiskLevel | null;
  author: string;
  createdAt: number;
  waitingOn: Role[];
};

export function ChangeTable({
  items,
  now,
  showAgent = true,
  caption = "Change records",
}: {
  items: ChangeRow[];
  now: number;
  showAgent?: boolean;
  caption?: string;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full min-w-[900px] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Change
            </th>
            {showAgent && (
              <th scope="col" className="px-3 py-2.5 font-medium">
                Agent
              </th>
            )}
            <th scope="col" className="px-3 py-2.5 font-medium">
              State
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Risk
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Author
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Age
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Waiting on
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((c) => (
            <tr key={c.id} className="hover:bg-slate-50/70">
              <th scope="row" className="max-w-96 px-3 py-2.5 text-left font-normal">
                <Link
                  href={`/changes/CR-${c.number}`}
                  className="block truncate font-medium text-brand-700 hover:underline"
                  title={c.title}
                >
                  <span className="font-mono text-xs text-slate-500">CR-{c.number}</span>{" "}
                  {c.title || <em className="text-slate-400">Untitled draft</em>}
                </Link>
              </th>
              {showAgent && (
                <td className="px-3 py-2.5 whitespace-nowrap">
                  <Link href={`/agents/${c.agent.slug}`} className="hover:underline">
                    {c.agent.name}
                  </Link>
                </td>
              )}
              <td className="px-3 py-2.5">
                <ChangeStateBadge state={c.state} />
              </td>
              <td className="px-3 py-2.5">{c.riskTier ? <RiskBadge level={c.riskTier} /> : <span className="text-slate-400">—</span>}</td>
              <td className="px-3 py-2.5 whitespace-nowrap text-slate-700">{c.author}</td>
              <td className="px-3 py-2.5 whitespace-nowrap text-slate-700">
                <RelativeTime at={c.createdAt} now={now} />
              </td>
              <td className="px-3 py-2.5 text-slate-700">
                {c.waitingOn.length ? c.waitingOn.map((r) => ROLE_LABELS[r]).join(", ") : <span className="text-slate-400">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
