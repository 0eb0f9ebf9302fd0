import type { Metadata } from "next";
import Link from "next/link";
import { RiskBadge } from "@/components/agents/risk-badge";
import { BadFilterNotice } from "@/components/ui/bad-filter-notice";
import { Pagination } from "@/components/ui/pagination";
import { RelativeTime } from "@/components/ui/relative-time";
import { ROLE_LABELS } from "@/lib/domain/terms";
import { isAppError } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { mySignoffCounts, mySignoffQueue, parseQueuePage, type QueuePage } from "@/lib/server/signoffs";

export const metadata: Metadata = { title: "Sign-offs" };

const PAGE_SIZE = "50";

export default async function SignoffsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const caller = userCaller(user);
  let paging: QueuePage;
  try {
    paging = parseQueuePage({ pageSize: PAGE_SIZE, ...(await searchParams) });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/signoffs" label="Show the first page of your sign-offs" />;
  }
  const { waiting } = await mySignoffCounts(caller);
  const queue = await mySignoffQueue(caller, paging);
  const now = Date.now();
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Your sign-offs</h1>
        <p className="mt-1 text-sm text-slate-600">
          Changes waiting on a role you hold, oldest first. Open one to see what your role attests, then decide.
        </p>
      </div>
      {waiting === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <p className="text-base font-medium text-slate-900">Nothing is waiting on you</p>
          <p className="mt-1 text-sm text-slate-600">When a change needs your sign-off, it appears here.</p>
        </div>
      ) : (
        <>
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="w-full min-w-[1000px] text-left text-sm">
              <caption className="sr-only">Sign-offs waiting on you</caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2.5 font-medium">
                    Change
                  </th>
                  <th scope="col" className="px-3 py-2.5 font-medium">
                    Agent
                  </th>
                  <th scope="col" className="px-3 py-2.5 font-medium">
                    Risk
                  </th>
                  <th scope="col" className="px-3 py-2.5 font-medium">
                    As
                  </th>
                  <th scope="col" className="px-3 py-2.5 font-medium">
                    You attest
                  </th>
                  <th scope="col" className="px-3 py-2.5 font-medium">
                    Waiting
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {queue.map((q) => (
                  <tr key={`${q.changeId}-${q.role}`}>
                    <th scope="row" className="max-w-80 px-3 py-2.5 text-left font-normal">
                      <Link href={`/changes/CR-${q.number}`} className="block truncate font-medium text-brand-700 hover:underline">
                        <span className="font-mono text-xs text-slate-500">CR-{q.number}</span> {q.title}
                      </Link>
                    </th>
                    <td className="px-3 py-2.5 whitespace-nowrap">{q.agent.name}</td>
                    <td className="px-3 py-2.5">{q.riskTier && <RiskBadge level={q.riskTier} />}</td>
                    <td className="px-3 py-2.5 whitespace-nowrap">{ROLE_LABELS[q.role]}</td>
                    <td className="min-w-72 px-3 py-2.5 text-slate-600">{q.attests}</td>
                    <td className="px-3 py-2.5 whitespace-nowrap">
                      <RelativeTime at={q.waitingSince} now={now} />
                      {q.retroDueAt !== null && (
                        <span className={`block text-xs font-medium ${q.retroDueAt < now ? "text-rose-700" : "text-amber-700"}`}>
                          Retro sign-off {q.retroDueAt < now ? "overdue since" : "due"} <RelativeTime at={q.retroDueAt} now={now} />
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={paging.page} pageSize={paging.pageSize} total={waiting} query="" noun="sign-offs" />
        </>
      )}
    </div>
  );
}
