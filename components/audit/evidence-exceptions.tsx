import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";

type Exception = {
  kind: string;
  label: string;
  detail: string;
  release: { deploymentId: string; change: string; agent: string; deployedAt: number };
};

/** Every exception of the period, one per row, before any release: what an auditor reads first. */
export function EvidenceExceptions({ exceptions, releases }: { exceptions: Exception[]; releases: number }) {
  if (releases === 0) return <p className="text-sm text-slate-600">No production release in this period, so nothing to except.</p>;
  if (exceptions.length === 0)
    return (
      <p className="text-sm text-emerald-800">
        No exceptions: every release in this period was approved before it was deployed, by people other than its author, with eval runs on
        its spec; each ran in development and staging first, was reviewed against the version production ran, was deployed by someone other
        than its author, production was never observed running anything else while it ran, and its runtime never broke its grants or crossed
        a harm threshold.
      </p>
    );
  return (
    // On a phone the table scrolls sideways (and takes focus to do so) rather than squeezing the details to a few words a line.
    <div
      className="overflow-x-auto rounded-lg border border-slate-200 bg-white print:overflow-visible"
      tabIndex={0}
      role="region"
      aria-label="Exceptions table"
    >
      <table className="w-full min-w-[64rem] text-left text-sm print:min-w-0">
        <caption className="sr-only">Exceptions</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Exception
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Change
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Agent
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Deployed (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Detail
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {exceptions.map((e, i) => (
            <tr key={`${e.release.deploymentId}-${e.kind}-${i}`} className="break-inside-avoid">
              <td className="px-3 py-2 whitespace-nowrap">
                <Badge tone={e.kind === "self_approval" ? "critical" : "danger"}>{e.label}</Badge>
              </td>
              <td className="px-3 py-2 whitespace-nowrap">
                <a href={`#release-${e.release.deploymentId}`} className="font-medium text-brand-700 hover:underline">
                  {e.release.change}
                </a>
              </td>
              <td className="px-3 py-2 whitespace-nowrap">
                <Link href={`/agents/${e.release.agent}`} className="text-slate-700 hover:underline">
                  {e.release.agent}
                </Link>
              </td>
              <td className="px-3 py-2 whitespace-nowrap text-slate-700 tabular-nums">
                <UtcTime at={e.release.deployedAt} />
              </td>
              <td className="px-3 py-2 text-slate-700">
                {e.detail}
                {e.kind === "drift" && (
                  <>
                    {" "}
                    <Link href={`/agents/${e.release.agent}#drift`} className="text-brand-700 underline underline-offset-2 print:hidden">
                      See the agent&rsquo;s drift
                    </Link>
                  </>
                )}
                {e.kind === "runtime_breach" && (
                  <>
                    {" "}
                    <Link href={`/agents/${e.release.agent}#runtime`} className="text-brand-700 underline underline-offset-2 print:hidden">
                      See the agent&rsquo;s runtime evidence
                    </Link>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
