import type { Metadata } from "next";
import { IncidentFilters } from "@/components/incidents/incident-filters";
import { IncidentTable } from "@/components/incidents/incident-table";
import { OpenIncidentForm } from "@/components/incidents/open-incident-form";
import { ResolveIncidentForm } from "@/components/incidents/resolve-incident-form";
import { BadFilterNotice } from "@/components/ui/bad-filter-notice";
import { Pagination } from "@/components/ui/pagination";
import { isAppError } from "@/lib/errors";
import { agentOption } from "@/lib/server/agents";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { canHandleIncidents, listIncidents, parseIncidentFilters, type IncidentFilters as Filters } from "@/lib/server/incidents";
import { openIncidentAction, resolveIncidentAction } from "./actions";

export const metadata: Metadata = { title: "Incidents" };

/** Incidents per page on screen (the API's default stays 50): forty keep the page under 200 KB. */
const PAGE_SIZE = "40";

export default async function IncidentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const caller = userCaller(await requireUser());
  const params = await searchParams;
  let filters: Filters;
  try {
    filters = parseIncidentFilters({ pageSize: PAGE_SIZE, ...params });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/incidents" label="Show all incidents" />;
  }
  const { items, total } = await listIncidents(caller, filters);
  const agent = await agentOption(filters.agent);
  const handles = canHandleIncidents(caller);
  const query = new URLSearchParams(
    Object.entries(params).flatMap(([k, v]) => (typeof v === "string" && v && k !== "page" ? [[k, v]] : [])),
  );
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Incidents</h1>
        <p className="mt-1 text-sm text-slate-600">
          {total} {total === 1 ? "incident" : "incidents"}, open ones first. A rollback from an agent’s page opens or links one for you.
        </p>
      </div>
      {handles && (
        <details className="group rounded-lg border border-slate-200 bg-white" open={items.length === 0 && query.size === 0}>
          <summary className="cursor-pointer list-none px-4 py-3 text-sm font-semibold text-slate-900 marker:hidden">
            <span className="text-brand-700 group-open:hidden">+ </span>Open an incident
          </summary>
          <div className="border-t border-slate-100 p-4">
            <OpenIncidentForm defaultAgent={agent} open={openIncidentAction} />
          </div>
        </details>
      )}
      <IncidentFilters agent={agent} />
      {items.length ? (
        <div className="rounded-lg border border-slate-200 bg-white px-4">
          <IncidentTable
            incidents={items}
            now={Date.now()}
            caption="Incidents"
            actions={
              handles
                ? (i) => i.resolvedAt === null && <ResolveIncidentForm id={i.id} title={i.title} resolve={resolveIncidentAction} />
                : undefined
            }
          />
        </div>
      ) : (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <p className="text-base font-medium text-slate-900">No incidents match</p>
          <p className="mt-1 text-sm text-slate-600">{[...query.keys()].length ? "Try fewer filters." : "Nothing has gone wrong yet."}</p>
        </div>
      )}
      <Pagination page={filters.page} pageSize={filters.pageSize} total={total} query={query.toString()} noun="incidents" />
    </div>
  );
}
