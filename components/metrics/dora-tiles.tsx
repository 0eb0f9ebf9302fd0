import { ArrowDown, ArrowRight, ArrowUp } from "lucide-react";
import Link from "next/link";
import { cn } from "@/components/ui/cn";
import { BandBadge } from "./band-badge";
import { doraTiles, periodLength, type Delta, type DoraSummary, type MetricKey } from "./dora-format";
import { metricsHref } from "./metrics-href";

/**
 * The five DORA numbers as tiles, each with its band, its move against the previous period of equal
 * length, and a link to the records behind it. Plain props, so any page can show them:
 * `<DoraTiles current={doraSummary(report.current)} previous={doraSummary(report.previous)} />`.
 */
export function DoraTiles({
  current,
  previous,
  query = "",
  active = null,
  basePath = "/metrics",
}: {
  current: DoraSummary;
  previous: DoraSummary;
  /** The dashboard filters the tiles were computed for, as a query string; the links keep them. */
  query?: string;
  /** The metric whose records are open below, marked as the current one. */
  active?: MetricKey | null;
  basePath?: string;
}) {
  const period = periodLength(current.range);
  const nothing = current.deploymentFrequency.count === 0 && current.reworkRate.total === 0;
  return (
    <section aria-label="DORA metrics" className="space-y-2">
      <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-5">
        {doraTiles(current, previous).map((tile) => (
          <li key={tile.metric} className="min-w-0">
            <Link
              href={metricsHref({ query, drill: tile.metric, basePath })}
              aria-current={active === tile.metric ? "true" : undefined}
              className={cn(
                "flex h-full flex-col rounded-lg border border-slate-200 bg-white p-4 transition-colors hover:border-brand-500/60 hover:bg-brand-50/40",
                active === tile.metric && "border-brand-500 ring-1 ring-brand-500",
              )}
            >
              <span className="text-sm font-medium text-slate-600">{tile.name}</span>{" "}
              <span className="mt-2 flex flex-wrap items-center justify-between gap-x-2 gap-y-1">
                <span className="text-2xl font-semibold tracking-tight text-slate-900 tabular-nums">{tile.value}</span>{" "}
                {tile.band ? (
                  <BandBadge band={tile.band} />
                ) : (
                  !tile.banded && <span className="text-xs text-slate-500">no official DORA band</span>
                )}
              </span>{" "}
              {tile.details.map((detail) => (
                <span key={detail} className="mt-0.5 text-sm text-slate-600 tabular-nums">
                  {detail}{" "}
                </span>
              ))}
              <span className="mt-auto pt-3">
                <DeltaLine delta={tile.delta} period={period} />
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {nothing && (
        <p className="text-sm text-slate-600">
          No production release in this range and scope, so there is nothing to measure: the numbers fill in once something is released.
        </p>
      )}
    </section>
  );
}

function DeltaLine({ delta, period }: { delta: Delta | null; period: string }) {
  if (!delta) {
    return (
      <span className="block text-xs text-slate-500">
        <span className="font-semibold">—</span> nothing to compare with the previous {period}
      </span>
    );
  }
  const Icon = delta.direction === "up" ? ArrowUp : delta.direction === "down" ? ArrowDown : ArrowRight;
  const tone = delta.better === null ? "text-slate-500" : delta.better ? "text-emerald-700" : "text-rose-700";
  const verdict = delta.better === null ? "" : delta.better ? ", better" : ", worse";
  return (
    <span className="flex flex-wrap items-center gap-x-1 text-xs text-slate-500">
      <span className={cn("inline-flex items-center gap-0.5 font-semibold tabular-nums", tone)}>
        <Icon aria-hidden className="size-3.5" />
        {delta.direction !== "same" && <span className="sr-only">{delta.direction} </span>}
        {delta.amount}
        {verdict && <span className="sr-only">{verdict}</span>}
      </span>{" "}
      <span>
        vs previous {period} ({delta.previous})
      </span>
    </span>
  );
}
