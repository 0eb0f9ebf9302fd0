import type { Metadata } from "next";
import { Download } from "lucide-react";
import { AuditTabs } from "@/components/audit/audit-tabs";
import { EvidenceExceptions } from "@/components/audit/evidence-exceptions";
import { EvidenceFilters } from "@/components/audit/evidence-filters";
import { EvidenceRelease } from "@/components/audit/evidence-release";
import { PrintButton } from "@/components/audit/print-button";
import { BadFilterNotice } from "@/components/ui/bad-filter-notice";
import { buttonClasses } from "@/components/ui/button";
import { UtcTime } from "@/components/ui/utc-time";
import { isAppError } from "@/lib/errors";
import { agentOption, workflowFacets } from "@/lib/server/agents";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import {
  EXCEPTION_KINDS,
  EXCEPTION_LABELS,
  decodeReleaseKey,
  evidencePage,
  evidenceRangeParams,
  parseEvidenceFilters,
  prepareEvidenceTotals,
  type EvidenceFilters as Filters,
  type ReleaseKey,
} from "@/lib/server/evidence";

export const metadata: Metadata = { title: "Evidence pack" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const DAY = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Releases per page: each carries its approvals, evals and exceptions, so ten keep a page light to load and to read. */
const PAGE_SIZE = 10;

export default async function EvidencePage({ searchParams }: Props) {
  const user = await requireUser();
  const caller = userCaller(user);
  const params = await searchParams;
  const now = Date.now();
  let filters: Filters;
  let bound: { after?: ReleaseKey; before?: ReleaseKey };
  try {
    filters = parseEvidenceFilters(params, now);
    const one = (key: string) => [params[key]].flat()[0];
    bound = { after: decodeReleaseKey(one("after"), "after"), before: decodeReleaseKey(one("before"), "before") };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/audit/evidence" label="Show last quarter's evidence pack" />;
  }
  // The totals read every release of the period: in chunks, letting other requests through in between.
  await prepareEvidenceTotals(caller, filters, now);
  const pack = await evidencePage(caller, filters, { ...bound, size: PAGE_SIZE }, now);
  const query = new URLSearchParams(evidenceRangeParams(filters));
  if (filters.workflow) query.set("workflow", filters.workflow);
  if (filters.agent) query.set("agent", filters.agent);
  // The same pack, only the releases with one kind of exception (the totals stay the whole period's).
  const kindLink = (kind: (typeof EXCEPTION_KINDS)[number] | null) => {
    const link = new URLSearchParams(query);
    if (kind) link.set("exception", kind);
    return `/audit/evidence?${link}`;
  };
  if (filters.exception) query.set("exception", filters.exception);
  const { totals } = pack;
  // Where this page starts in the pack, carried along the links (the boundaries alone do not say).
  const start = Math.max(Number([params.start].flat()[0]) || 1, 1);
  const pageLink = (key: "after" | "before", boundary: string, first: number) => {
    const link = new URLSearchParams(query);
    link.set(key, boundary);
    link.set("start", String(Math.max(first, 1)));
    return `/audit/evidence?${link}`;
  };
  const workflows = await workflowFacets();
  const wholeDays = filters.from % DAY === 0 && filters.to % DAY === 0;
  return (
    <div className="space-y-5 print:space-y-4 print:text-[12px]">
      <AuditTabs current="evidence" />
      <header className="space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">Evidence pack: production releases</h1>
        <p className="text-sm text-slate-700">
          {wholeDays ? (
            <>
              {day(filters.from)} to {day(filters.to - DAY)} (UTC, inclusive)
            </>
          ) : (
            <>
              <UtcTime at={filters.from} seconds /> up to <UtcTime at={filters.to} seconds /> (exclusive)
            </>
          )}
          {filters.workflow && <> · workflow {workflows.find((w) => w.slug === filters.workflow)?.name ?? filters.workflow}</>}
          {filters.agent && <> · agent {filters.agent}</>}
        </p>
        <dl className="grid gap-x-6 gap-y-1 rounded-lg border border-slate-200 bg-white p-3 text-sm sm:grid-cols-[auto_1fr] print:border-slate-400">
          <dt className="text-slate-500">Generated</dt>
          <dd className="text-slate-900">
            <UtcTime at={pack.generatedAt} seconds /> by {user.email}
          </dd>
          <dt className="text-slate-500">Audit chain</dt>
          <dd className="text-slate-900">
            <span className={pack.chain.verified ? "" : "font-medium text-rose-700"}>
              {pack.chain.count} events,{" "}
              {pack.chain.verified
                ? "verified intact from the first to the last"
                : pack.chain.verification.firstBadSeq !== null
                  ? `BROKEN at event #${pack.chain.verification.firstBadSeq}: run Verify integrity on the audit log`
                  : "not verified yet: a full verification is running on the audit log"}
            </span>
            <span className="block text-xs text-slate-600">{pack.chain.verification.summary}</span>
          </dd>
          <dt className="text-slate-500">Head hash</dt>
          <dd className="font-mono text-xs break-all text-slate-900">{pack.chain.headHash}</dd>
        </dl>
      </header>
      <div className="space-y-3 print:hidden">
        <EvidenceFilters
          from={day(filters.from)}
          to={day(filters.to - 1)}
          workflow={filters.workflow ?? ""}
          agent={filters.agent ? ((await agentOption(filters.agent)) ?? { slug: filters.agent, name: filters.agent }) : null}
          workflows={workflows}
        />
        <div className="flex flex-wrap gap-2">
          <a href={`/api/v1/evidence?${query}&format=csv`} download className={buttonClasses("secondary")}>
            <Download aria-hidden className="size-4" /> Download CSV
          </a>
          <a href={`/api/v1/evidence?${query}&format=json`} download className={buttonClasses("secondary")}>
            <Download aria-hidden className="size-4" /> Download JSON
          </a>
          <PrintButton />
        </div>
      </div>
      <p className="text-sm text-slate-700">
        {totals.releases} production {totals.releases === 1 ? "release" : "releases"}, {totals.flagged} with exceptions
        {totals.exceptions > 0 && (
          <>
            :{" "}
            {EXCEPTION_KINDS.filter((k) => totals.byKind[k] > 0).map((k, i) => (
              <span key={k}>
                {i > 0 && ", "}
                <a href={kindLink(k)} className="text-brand-700 underline underline-offset-2">
                  {totals.byKind[k]} {EXCEPTION_LABELS[k]}
                </a>
              </span>
            ))}
          </>
        )}
        .
      </p>
      {filters.exception && (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Showing only the releases with {EXCEPTION_LABELS[filters.exception]}.{" "}
          <a href={kindLink(null)} className="font-medium underline">
            Show every release
          </a>
        </p>
      )}
      <section aria-labelledby="evidence-exceptions" className="space-y-2">
        <h2 id="evidence-exceptions" className="text-lg font-semibold text-slate-900">
          Exceptions
        </h2>
        {totals.releases > pack.releases.length && (
          <p className="text-sm text-slate-600 print:hidden">Those of the releases on this page; the downloads hold every one.</p>
        )}
        <EvidenceExceptions exceptions={pack.exceptions} releases={pack.releases.length} />
      </section>
      <section aria-labelledby="evidence-releases" className="space-y-3">
        <h2 id="evidence-releases" className="text-lg font-semibold text-slate-900">
          Releases
        </h2>
        <p className="text-sm text-slate-600 print:hidden">Releases with exceptions first, then the rest; each group oldest first.</p>
        {pack.releases.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
            {totals.releases === 0 ? "No production release in this period." : "No releases on this page."}
          </p>
        ) : (
          pack.releases.map((release) => <EvidenceRelease key={release.deployment.id} release={release} />)
        )}
        {(pack.page.previous || pack.page.next) && (
          <nav aria-label="Pages of releases" className="flex flex-wrap items-center gap-3 text-sm print:hidden">
            {pack.page.previous ? (
              <a href={pageLink("before", pack.page.previous, start - pack.page.size)} rel="prev" className={buttonClasses("secondary")}>
                Previous {pack.page.size}
              </a>
            ) : null}
            <span className="text-slate-600">
              Releases {start}–{start + pack.releases.length - 1}
              {filters.exception ? ` with ${EXCEPTION_LABELS[filters.exception]}` : ` of ${totals.releases}`}
            </span>
            {pack.page.next ? (
              <a href={pageLink("after", pack.page.next, start + pack.releases.length)} rel="next" className={buttonClasses("secondary")}>
                Next {pack.page.size}
              </a>
            ) : null}
          </nav>
        )}
      </section>
    </div>
  );
}
