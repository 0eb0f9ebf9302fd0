import type { Metadata } from "next";
import { AuditFilters } from "@/components/audit/audit-filters";
import { AuditTabs } from "@/components/audit/audit-tabs";
import { AuditTable } from "@/components/audit/audit-table";
import { VerifyIntegrity } from "@/components/audit/verify-integrity";
import { BadFilterNotice } from "@/components/ui/bad-filter-notice";
import { Card } from "@/components/ui/card";
import { Pagination } from "@/components/ui/pagination";
import { isAppError } from "@/lib/errors";
import { listAuditEvents, parseAuditFilters, type AuditFilters as Filters } from "@/lib/server/audit";
import { agentOption } from "@/lib/server/agents";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";

export const metadata: Metadata = { title: "Audit trail" };

/** Each event carries its payload, shown twice over (HTML and React payload): 25 to a page keeps the page light (the API's default stays 50). */
const PAGE_SIZE = "25";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const caller = userCaller(await requireUser());
  const params = await searchParams;
  let filters: Filters;
  try {
    filters = parseAuditFilters({ pageSize: PAGE_SIZE, ...params });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/audit" label="Show the whole audit trail" />;
  }
  const { items, total, totalExact } = await listAuditEvents(caller, filters);
  const query = new URLSearchParams(
    Object.entries(params).flatMap(([k, v]) => (typeof v === "string" && v && k !== "page" ? [[k, v]] : [])),
  );
  return (
    <div className="space-y-5">
      <AuditTabs current="log" />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Audit trail</h1>
        <p className="mt-1 text-sm text-slate-600">
          {total.toLocaleString("en-US")}
          {totalExact ? "" : "+"} {total === 1 && totalExact ? "event" : "events"}, newest first. Every change is recorded in the same
          transaction that makes it, each event chained to the one before by its SHA-256 hash; the database refuses to update or delete
          them.
        </p>
      </div>
      <Card title="Integrity">
        <VerifyIntegrity />
      </Card>
      <AuditFilters agent={await agentOption(filters.agent)} />
      {items.length ? (
        <AuditTable items={items} />
      ) : (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <p className="text-base font-medium text-slate-900">No audit events match</p>
          <p className="mt-1 text-sm text-slate-600">
            {[...query.keys()].length ? "Try fewer filters." : "Nothing has been recorded yet."}
          </p>
        </div>
      )}
      <Pagination
        page={filters.page}
        pageSize={filters.pageSize}
        total={total}
        totalIsLowerBound={!totalExact}
        query={query.toString()}
        noun="events"
      />
    </div>
  );
}
