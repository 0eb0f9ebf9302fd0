import type { Metadata } from "next";
import { BadFilterNotice } from "@/components/ui/bad-filter-notice";
import { Pagination } from "@/components/ui/pagination";
import { ChangeFilters } from "@/components/changes/change-filters";
import { ChangeTable } from "@/components/changes/change-table";
import { isAppError } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { listChanges, parseChangeFilters, type ChangeFilters as Filters } from "@/lib/server/change-queries";
import { agentOption } from "@/lib/server/agents";

export const metadata: Metadata = { title: "Changes" };

export default async function ChangesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const caller = userCaller(await requireUser());
  const params = await searchParams;
  let filters: Filters;
  try {
    filters = parseChangeFilters(params);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/changes" label="Show all change records" />;
  }
  const { items, total } = await listChanges(caller, filters);
  const query = new URLSearchParams(
    Object.entries(params).flatMap(([k, v]) => (typeof v === "string" && v && k !== "page" ? [[k, v]] : [])),
  );
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Changes</h1>
        <p className="mt-1 text-sm text-slate-600">
          {total} change {total === 1 ? "record" : "records"}. To propose one, open an agent and choose “Propose a change”.
        </p>
      </div>
      <ChangeFilters agent={await agentOption(filters.agent)} />
      {items.length ? (
        <ChangeTable items={items} now={Date.now()} />
      ) : (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <p className="text-base font-medium text-slate-900">No change records match</p>
          <p className="mt-1 text-sm text-slate-600">Try fewer filters.</p>
        </div>
      )}
      <Pagination page={filters.page} pageSize={filters.pageSize} total={total} query={query.toString()} noun="change records" />
    </div>
  );
}
