import Link from "next/link";
import { LabelledCard } from "@/components/runtime/labelled-card";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { BREACH_LABELS, type BreachKind } from "@/lib/domain/runtime";
import type { Environment } from "@/lib/domain/terms";

export type RuntimeBreachesData = {
  agents: {
    agent: { slug: string; name: string };
    count: number;
    worst: BreachKind;
    environment: Environment;
    lastAt: number;
    openHarm: number;
  }[];
  total: number;
  days: number;
};

/** Agents whose runtime broke what they were approved to do lately, or whose harm threshold is still crossed. */
export function RuntimeBreachesCard({ data, now }: { data: RuntimeBreachesData; now: number }) {
  return (
    <LabelledCard id="runtime-breaches" title="Runtime breaches" className="border-rose-200">
      <p className="mb-2 text-xs text-slate-600">
        {data.total} {data.total === 1 ? "agent" : "agents"} with a breach in the last {data.days} days or a harm threshold still crossed.
      </p>
      <ul className="divide-y divide-slate-100">
        {data.agents.map((a) => (
          <li key={a.agent.slug} className="flex flex-wrap items-baseline justify-between gap-2 py-2 text-sm">
            <Link
              href={`/agents/${a.agent.slug}${a.environment === "production" ? "" : `?runtimeEnv=${a.environment}`}#runtime`}
              className="min-w-0 font-medium text-brand-700 hover:underline"
            >
              {a.agent.name}
            </Link>
            <span className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
              <Badge tone="danger">{BREACH_LABELS[a.worst]}</Badge>
              <span>
                {a.count} {a.count === 1 ? "breach" : "breaches"}
                {a.openHarm > 0 && `, ${a.openHarm} still crossed,`} in {a.environment}, {a.count === 1 ? "" : "the last "}
                <RelativeTime at={a.lastAt} now={now} />
              </span>
            </span>
          </li>
        ))}
      </ul>
    </LabelledCard>
  );
}
