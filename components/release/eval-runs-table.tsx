import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";

type EvalRun = {
  suite: string;
  environment: string;
  passed: number;
  failed: number;
  regressions: number;
  reportUrl: string | null;
  recordedAt: number;
  specHash?: string;
  version?: number | null;
};

/** Eval runs, newest first: the testing evidence behind a release. */
export function EvalRunsTable({
  runs,
  now,
  caption,
  showVersion = false,
}: {
  runs: EvalRun[];
  now: number;
  caption: string;
  showVersion?: boolean;
}) {
  if (runs.length === 0) return <p className="text-sm text-slate-500">No eval runs recorded yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th className="py-1.5 pr-3 font-medium">Suite</th>
            {showVersion && <th className="py-1.5 pr-3 font-medium">Version</th>}
            <th className="py-1.5 pr-3 font-medium">Environment</th>
            <th className="py-1.5 pr-3 font-medium">Result</th>
            <th className="py-1.5 font-medium">Recorded</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {runs.map((r, i) => (
            <tr key={i}>
              <td className="py-1.5 pr-3 break-all">
                {r.reportUrl ? (
                  <a href={r.reportUrl} className="text-brand-700 hover:underline" target="_blank" rel="noreferrer noopener">
                    {r.suite}
                  </a>
                ) : (
                  r.suite
                )}
              </td>
              {showVersion && <td className="py-1.5 pr-3 font-mono text-xs">{r.version ? `v${r.version}` : "—"}</td>}
              <td className="py-1.5 pr-3">{r.environment}</td>
              <td className="py-1.5 pr-3 whitespace-nowrap">
                <Badge tone={r.failed === 0 ? "success" : "danger"}>
                  {r.passed}/{r.passed + r.failed} passed
                </Badge>
                {r.regressions > 0 && <span className="ml-1 text-xs text-rose-700">{r.regressions} regressions</span>}
              </td>
              <td className="py-1.5 whitespace-nowrap text-slate-600">
                <RelativeTime at={r.recordedAt} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
