import Link from "next/link";
import { RiskBadge } from "@/components/agents/risk-badge";
import { Card } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import type { Environment, RiskLevel } from "@/lib/domain/terms";

export type DriftCardData = {
  open: number;
  worst: { label: string; agent: { slug: string; name: string }; environment: Environment; severity: RiskLevel; openedAt: number }[];
  unobserved: number;
  unobservedAfterDays: number;
};

/** What runs but was not approved, worst first, and how much of production nobody is watching. */
export function DriftCard({ data, now }: { data: DriftCardData; now: number }) {
  const { open, worst, unobserved, unobservedAfterDays } = data;
  return (
    <Card
      title={`Drift (${open} open)`}
      action={
        open > 0 && (
          <Link href="/agents?drift=open" className="text-sm text-brand-700 hover:underline">
            Agents with open drift
          </Link>
        )
      }
    >
      {open === 0 ? (
        <p className="text-sm text-slate-500">No open drift.</p>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Worst open drift">
          {worst.map((d) => (
            <li key={d.label} className="flex flex-wrap items-baseline justify-between gap-2 py-2 text-sm">
              <Link href={`/agents/${d.agent.slug}#drift`} className="min-w-0 font-medium text-brand-700 hover:underline">
                <span className="font-mono text-xs text-slate-500">{d.label}</span> {d.agent.name}
              </Link>
              <span className="flex items-center gap-2 text-xs text-slate-500">
                <RiskBadge level={d.severity} /> in {d.environment} · opened <RelativeTime at={d.openedAt} now={now} />
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="mt-3 border-t border-slate-100 pt-3 text-sm">
        {unobserved === 0 ? (
          <span className="text-slate-600">Every agent in production was observed in the last {unobservedAfterDays} days.</span>
        ) : (
          <Link href="/agents?observed=stale" className="text-brand-700 hover:underline">
            {unobserved} {unobserved === 1 ? "agent" : "agents"} in production unobserved for more than {unobservedAfterDays} days
          </Link>
        )}
      </p>
    </Card>
  );
}
