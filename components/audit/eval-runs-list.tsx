import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";

type EvalRun = {
  suite: string;
  environment: string;
  passed: number;
  failed: number;
  regressions: number;
  reportUrl: string | null;
  recordedAt: number;
};

/** The eval runs recorded on one exact spec, with exact times; those after the deployment are marked so. */
export function EvalRunsList({ runs, deployedAt, specHash }: { runs: EvalRun[]; deployedAt: number; specHash: string }) {
  if (runs.length === 0) return <p className="text-sm text-rose-700">No eval run recorded on spec {specHash.slice(0, 12)}.</p>;
  return (
    <ul aria-label="Eval runs on this spec" className="space-y-1 text-sm">
      {runs.map((r, i) => (
        <li key={i} className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
          {r.reportUrl ? (
            <a
              href={r.reportUrl}
              className="font-medium break-all text-brand-700 hover:underline"
              target="_blank"
              rel="noreferrer noopener"
            >
              {r.suite}
            </a>
          ) : (
            <span className="font-medium break-all text-slate-900">{r.suite}</span>
          )}
          <Badge tone={r.failed === 0 ? "success" : "danger"}>
            {r.passed}/{r.passed + r.failed} passed
          </Badge>
          {r.regressions > 0 && <span className="text-xs text-rose-700">{r.regressions} regressions</span>}
          <span className="text-slate-600">in {r.environment}</span>
          <span className="text-slate-500 tabular-nums">
            <UtcTime at={r.recordedAt} />
          </span>
          {r.recordedAt > deployedAt && <span className="text-xs text-amber-700">(after the deployment)</span>}
        </li>
      ))}
    </ul>
  );
}
