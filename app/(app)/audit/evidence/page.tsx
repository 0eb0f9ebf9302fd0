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
import { inventoryFacets } from "@/lib/server/agents";
import { auditAgentOptions } from "@/lib/server/audit";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import {
  EXCEPTION_KINDS,
  EXCEPTION_LABELS,
  evidencePack,
  evidenceRangeParams,
  parseEvidenceFilters,
  type EvidenceFilters as Filters,
} from "@/lib/server/evidence";

export const metadata: Metadata = { title: "Evidence pack" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const DAY = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export default async function EvidencePage({ searchParams }: Props) {
  const user = await requireUser();
  const caller = userCaller(user);
  const params = await searchParams;
  const now = Date.now();
  let filters: Filters;
  try {
    filters = parseEvidenceFilters(params, now);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/audit/evidence" label="Show last quarter's evidence pack" />;
  }
  const pack = evidencePack(caller, filters, now);
  const query = new URLSearchParams(evidenceRangeParams(filters));
  if (filters.workflow) query.set("workflow", filters.workflow);
  if (filters.agent) query.set("agent", filters.agent);
  const flagged = pack.releases.filter((r) => r.exceptions.length > 0).length;
  const { workflows } = inventoryFacets();
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
          <dd className={pack.chain.verified ? "text-slate-900" : "font-medium text-rose-700"}>
            {pack.chain.count} events,{" "}
            {pack.chain.verified ? "verified intact from the first to the last" : "BROKEN: run Verify integrity on the audit log"}
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
          agent={filters.agent ?? ""}
          workflows={workflows}
          agents={auditAgentOptions()}
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
        {pack.releases.length} production {pack.releases.length === 1 ? "release" : "releases"}, {flagged} with exceptions
        {pack.exceptions.length > 0 && (
          <>
            :{" "}
            {EXCEPTION_KINDS.map((k) => [k, pack.exceptions.filter((e) => e.kind === k).length] as const)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${n} ${EXCEPTION_LABELS[k]}`)
              .join(", ")}
          </>
        )}
        .
      </p>
      <section aria-labelledby="evidence-exceptions" className="space-y-2">
        <h2 id="evidence-exceptions" className="text-lg font-semibold text-slate-900">
          Exceptions
        </h2>
        <EvidenceExceptions exceptions={pack.exceptions} releases={pack.releases.length} />
      </section>
      <section aria-labelledby="evidence-releases" className="space-y-3">
        <h2 id="evidence-releases" className="text-lg font-semibold text-slate-900">
          Releases
        </h2>
        <p className="text-sm text-slate-600 print:hidden">Releases with exceptions first, then the rest; each group oldest first.</p>
        {pack.releases.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
            No production release in this period.
          </p>
        ) : (
          pack.releases.map((release) => <EvidenceRelease key={release.deployment.id} release={release} />)
        )}
      </section>
    </div>
  );
}
