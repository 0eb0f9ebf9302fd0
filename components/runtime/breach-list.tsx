import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import { BREACH_LABELS } from "@/lib/domain/runtime";
import { formatMetric } from "./runtime-format";
import type { BreachShown } from "./runtime-types";

/** Breaches, newest first, each an article named by its number ("Breach BR-7") with the evidence it keeps. */
export function BreachList({
  breaches,
  agent,
  showEnvironment = false,
}: {
  breaches: BreachShown[];
  agent: string;
  showEnvironment?: boolean;
}) {
  return (
    <ul className="space-y-3">
      {breaches.map((b) => (
        <li key={b.number}>
          <BreachArticle breach={b} agent={agent} showEnvironment={showEnvironment} />
        </li>
      ))}
    </ul>
  );
}

function BreachArticle({ breach: b, agent, showEnvironment }: { breach: BreachShown; agent: string; showEnvironment: boolean }) {
  const harm = b.kind === "harm_threshold";
  const open = harm && b.clearedAt === null;
  return (
    <article aria-label={`Breach ${b.number}`} className="rounded-md border border-slate-200 p-3 text-sm">
      <header className="flex flex-wrap items-center gap-2">
        <span className="font-mono font-semibold text-slate-900">{b.number}</span>
        <Badge tone="danger">{BREACH_LABELS[b.kind]}</Badge>
        {harm && (open ? <Badge tone="danger">still crossed</Badge> : <Badge tone="success">cleared</Badge>)}
        {showEnvironment && <Badge>{b.environment}</Badge>}
        <code className="font-mono text-xs break-all text-slate-800">{harm ? b.metric : b.action}</code>
      </header>
      <p className="mt-1.5 text-slate-700">{b.detail}</p>
      <dl className="mt-2 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-xs">
        <dt className="text-slate-500">Version</dt>
        <dd className="text-slate-800">
          <span className="font-mono">v{b.version}</span>
          {b.change ? (
            <>
              {" "}
              released by{" "}
              <Link href={`/changes/${b.change}`} className="text-brand-700 underline">
                {b.change}
              </Link>
            </>
          ) : (
            <span className="text-slate-600"> (no change record released it)</span>
          )}
        </dd>
        {harm && (
          <>
            <dt className="text-slate-500">Value</dt>
            <dd className="text-slate-800">
              {formatMetric(b.metric ?? "", b.value)} against <span className="font-mono">{b.threshold}</span>
            </dd>
          </>
        )}
        <dt className="text-slate-500">{harm ? "Crossed" : "When"}</dt>
        <dd className="text-slate-800">
          <UtcTime at={b.at} />
          {!harm && b.lastAt !== b.at && (
            <>
              {" "}
              to <UtcTime at={b.lastAt} />
            </>
          )}
          {!harm && <> · {b.occurrences === 1 ? "once" : `${b.occurrences} times`}</>}
          {harm && b.clearedAt !== null && (
            <>
              {" "}
              · back within on <UtcTime at={b.clearedAt} />
            </>
          )}
        </dd>
        {b.trace && (
          <>
            <dt className="text-slate-500">Trace</dt>
            <dd className="font-mono break-all text-slate-800">{b.trace}</dd>
          </>
        )}
        {b.incidentId && (
          <>
            <dt className="text-slate-500">Incident</dt>
            <dd>
              <Link href={`/incidents?agent=${agent}`} className="text-brand-700 underline">
                See it among {agent}’s incidents
              </Link>
            </dd>
          </>
        )}
      </dl>
    </article>
  );
}
