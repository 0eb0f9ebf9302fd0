import Link from "next/link";
import { formatDay } from "@/components/charts/units";
import type { Environment } from "@/lib/domain/terms";
import { ActionTable } from "./action-table";
import { BreachList } from "./breach-list";
import { HarmTable } from "./harm-table";
import { LabelledCard } from "./labelled-card";
import { RuntimeEmpty } from "./runtime-empty";
import { RuntimeCharts, RuntimeTotals } from "./runtime-figures";
import type { RuntimeRange } from "./runtime-format";
import { RuntimePickers } from "./runtime-pickers";
import type { RuntimeShown } from "./runtime-types";
import { TraceList } from "./trace-list";

const day = (ms: number) => formatDay(new Date(ms).toISOString().slice(0, 10), true);

function Part({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="space-y-2">
      <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
      {children}
    </div>
  );
}

/**
 * The agent page's runtime evidence (`#runtime`, where breach notifications link): what the agent did in an
 * environment over the range, the thresholds production is held to, its breaches and the traces kept.
 */
export function RuntimeSection({
  slug,
  name,
  view,
  range,
  query,
  endpoint,
  runtimeNames,
  editHref,
}: {
  slug: string;
  name: string;
  view: RuntimeShown;
  range: RuntimeRange;
  /** The page's other search params, kept by the pickers' links. */
  query: Record<string, string>;
  /** Where a runtime sends traces: this installation's OTLP endpoint. */
  endpoint: string;
  runtimeNames: string[];
  /** The agent's edit form, for people who may edit it. */
  editHref: string | null;
}) {
  const env: Environment = view.environment;
  const { totals } = view;
  const empty = totals.decisions + totals.toolCalls === 0 && view.breaches.length === 0 && view.traces.length === 0;
  const harm =
    env !== "production" ? (
      <p className="text-sm text-slate-600">Harm thresholds are read in production only.</p>
    ) : view.harm.length === 0 ? (
      <p className="text-sm text-slate-600">Nothing runs in production, so no threshold applies.</p>
    ) : (
      <>
        <p className="text-xs text-slate-600">Read now, each over its own window, for the version production runs.</p>
        <HarmTable harm={view.harm} caption={`Harm thresholds of ${name}`} />
      </>
    );
  return (
    <LabelledCard
      id="runtime"
      title="Runtime evidence"
      action={<RuntimePickers slug={slug} query={query} range={range} environment={env} />}
    >
      <div className="space-y-6">
        <p className="text-sm text-slate-700">
          In <span className="font-medium">{env}</span>, {day(view.from)} – {day(view.to)} (UTC), from the traces its runtime sent.
        </p>
        {empty ? (
          <RuntimeEmpty slug={slug} environment={env} days={range} endpoint={endpoint} />
        ) : (
          <>
            <RuntimeTotals totals={totals} />
            <RuntimeCharts view={view} />
          </>
        )}
        <Part title="Harm thresholds">{harm}</Part>
        {!empty && (
          <>
            <Part title={`Breaches (${view.breaches.length})`}>
              {view.breaches.length ? (
                <BreachList breaches={view.breaches} agent={slug} />
              ) : (
                <p className="text-sm text-slate-600">No breach in this range.</p>
              )}
            </Part>
            <Part title="Actions called">
              {view.actions.length ? (
                <ActionTable actions={view.actions} caption={`Actions ${name} called in ${env}`} />
              ) : (
                <p className="text-sm text-slate-600">No tool call in this range.</p>
              )}
            </Part>
            <Part title="Kept traces">
              {view.traces.length ? (
                <TraceList traces={view.traces} caption={`Traces of ${name} kept as evidence`} />
              ) : (
                <p className="text-sm text-slate-600">No trace kept in this range.</p>
              )}
            </Part>
          </>
        )}
        <p className="border-t border-slate-100 pt-3 text-sm text-slate-700">
          Traces name this agent: <code className="font-mono text-xs">{slug}</code>
          {runtimeNames.map((n) => (
            <span key={n}>
              , <code className="font-mono text-xs">{n}</code>
            </span>
          ))}
          .
          {editHref && (
            <>
              {" "}
              <Link href={editHref} className="text-brand-700 underline">
                Edit its runtime names
              </Link>
            </>
          )}
        </p>
      </div>
    </LabelledCard>
  );
}
