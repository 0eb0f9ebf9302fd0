import { formatPercent } from "@/components/charts/units";
import { durationInWords, type DriftMetrics } from "@/lib/domain/drift-metrics";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Drift beside the DORA numbers, on a line of its own: it is not one of the five. What is open now, how fast
 * drift was resolved in the range, and how much of production was observed recently enough to know.
 */
export function DriftLine({ drift, unobservedAfterDays }: { drift: DriftMetrics; unobservedAfterDays: number }) {
  const days = plural(unobservedAfterDays, "day");
  const observed = drift.observedShare === null ? 0 : Math.round(drift.observedShare * drift.productionAgents);
  return (
    <section aria-labelledby="drift-line-heading" className="rounded-lg border border-slate-200 bg-white">
      <header className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 border-b border-slate-100 px-4 py-3">
        <h2 id="drift-line-heading" className="text-sm font-semibold text-slate-900">
          Drift
        </h2>
        <span className="text-xs text-slate-500">Not a DORA metric: what production was observed running, against what was approved.</span>
      </header>
      <dl className="grid grid-cols-1 gap-4 p-4 sm:grid-cols-3">
        <div className="min-w-0">
          <dt className="text-sm font-medium text-slate-600">Open drift in production</dt>
          <dd className="mt-1 text-2xl font-semibold tracking-tight text-slate-900 tabular-nums">{drift.open}</dd>
          <dd className="text-sm text-slate-600">
            {drift.open === 0 ? "No drift open now" : `${plural(drift.open, "drift record")} open now`}
          </dd>
        </div>
        <div className="min-w-0">
          <dt className="text-sm font-medium text-slate-600">Mean time to resolve drift</dt>
          {drift.meanTimeToResolveMs === null ? (
            <dd className="mt-1 text-sm text-slate-600">No drift resolved in this period</dd>
          ) : (
            <>
              <dd className="mt-1 text-2xl font-semibold tracking-tight text-slate-900 tabular-nums">
                {durationInWords(drift.meanTimeToResolveMs)}
              </dd>
              <dd className="text-sm text-slate-600">mean of {plural(drift.resolvedCount, "drift record")} resolved in this period</dd>
            </>
          )}
        </div>
        <div className="min-w-0">
          <dt className="text-sm font-medium text-slate-600">Production observed in the last {days}</dt>
          {drift.observedShare === null ? (
            <dd className="mt-1 text-sm text-slate-600">No agent runs in production in this scope</dd>
          ) : (
            <>
              <dd className="mt-1 text-2xl font-semibold tracking-tight text-slate-900 tabular-nums">
                {formatPercent(drift.observedShare)}
              </dd>
              <dd className="text-sm text-slate-600">
                {observed} of {plural(drift.productionAgents, "agent")} in production; the rest are unobserved
              </dd>
            </>
          )}
        </div>
      </dl>
    </section>
  );
}
