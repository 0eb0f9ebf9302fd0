import Link from "next/link";
import { decimal } from "@/components/charts/units";
import { UtcTime } from "@/components/ui/utc-time";
import { BreachList } from "./breach-list";
import { LabelledCard } from "./labelled-card";
import type { FiguresShown, ReleaseWindowShown, SinceReleaseShown } from "./runtime-types";

const FIGURES: [keyof FiguresShown, string][] = [
  ["decisions", "Decisions"],
  ["toolCalls", "Tool calls"],
  ["errors", "Errors"],
  ["privilegeRejections", "Privilege rejections"],
  ["corrections", "Corrections"],
  ["approvalsDenied", "Approvals denied"],
];
const ENDED = {
  promote: "replaced by a later release",
  emergency: "replaced by an emergency release",
  rollback: "rolled back",
  retire: "retired",
};
const plural = (n: string, unit: string) => `${n} ${n === "1" ? unit : `${unit}s`}`;
const days = (d: number) => (d < 1 ? plural(decimal(d * 24), "hour") : plural(decimal(d), "day"));

function Cell({ window, figure }: { window: ReleaseWindowShown; figure: keyof FiguresShown }) {
  return (
    <td className="py-2 pr-3 text-right tabular-nums">
      {window.counts[figure].toLocaleString("en-US")}
      {window.perDay && <span className="block text-xs text-slate-600">{decimal(window.perDay[figure], 2)} a day</span>}
    </td>
  );
}

/** The change page's "Since release": what its version did in production against the same time before, and its breaches. */
export function SinceRelease({ since }: { since: SinceReleaseShown }) {
  const { after, before } = since;
  const quiet =
    after.counts.decisions + after.counts.toolCalls === 0 && (!before || before.counts.decisions + before.counts.toolCalls === 0);
  return (
    <LabelledCard
      id="since-release"
      title="Since release"
      action={
        <Link href={`/agents/${since.agent.slug}#runtime`} className="text-sm text-brand-700 hover:underline">
          Runtime evidence of {since.agent.name}
        </Link>
      }
    >
      <div className="space-y-4 text-sm">
        <p className="text-slate-700">
          <span className="font-mono">v{since.version}</span> reached production on <UtcTime at={since.releasedAt} />
          {since.endedAt !== null && since.endedBy ? (
            <>
              {" "}
              and was {ENDED[since.endedBy]} on <UtcTime at={since.endedAt} />
            </>
          ) : null}
          . {since.capped ? `Its first ${days(since.days)}` : `Its ${days(since.days)} there`}
          {before ? (
            <>
              , against the same time before on <span className="font-mono">v{before.version}</span>.
            </>
          ) : (
            <>: its first release to production, so nothing ran before it.</>
          )}
        </p>
        {quiet ? (
          <p className="rounded-md border border-dashed border-slate-300 px-3 py-3 text-slate-600">
            No runtime evidence reached Countersign for {before ? "these windows" : "this window"}: no decision or tool call was traced.
          </p>
        ) : (
          <div className="overflow-x-auto" tabIndex={0} role="group" aria-label={`Runtime figures before and after ${since.change}`}>
            <table className="w-full max-w-2xl text-left text-sm">
              <caption className="sr-only">Runtime figures before and after {since.change}</caption>
              <thead className="text-xs text-slate-500">
                <tr>
                  <th className="py-2 pr-3 font-medium">In production</th>
                  {before && <th className="py-2 pr-3 text-right font-medium">Before, v{before.version}</th>}
                  <th className="py-2 pr-3 text-right font-medium">After, v{after.version}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {FIGURES.map(([figure, label]) => (
                  <tr key={figure}>
                    <th scope="row" className="py-2 pr-3 font-normal text-slate-700">
                      {label}
                    </th>
                    {before && <Cell window={before} figure={figure} />}
                    <Cell window={after} figure={figure} />
                  </tr>
                ))}
              </tbody>
            </table>
            {!after.perDay && <p className="mt-1 text-xs text-slate-600">Rates a day show once the release has run a full day.</p>}
          </div>
        )}
        <div className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">
            Breaches of v{since.version} in production ({since.breaches.length})
          </h3>
          {since.breaches.length ? (
            <BreachList breaches={since.breaches} agent={since.agent.slug} />
          ) : (
            <p className="text-slate-600">No breach recorded.</p>
          )}
        </div>
      </div>
    </LabelledCard>
  );
}
