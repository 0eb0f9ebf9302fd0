import type { Metadata } from "next";
import Link from "next/link";
import { Download, FileUp, Plus } from "lucide-react";
import { InventoryFilters } from "@/components/agents/inventory-filters";
import { InventoryTable } from "@/components/agents/inventory-table";
import { Pagination } from "@/components/ui/pagination";
import { buttonClasses } from "@/components/ui/button";
import { PLATFORM_LABELS, PLATFORMS } from "@/lib/domain/terms";
import { isAppError } from "@/lib/errors";
import { listAgents, parseAgentFilters, workflowFacets, type AgentFilters } from "@/lib/server/agents";
import { requireUser } from "@/lib/server/auth";
import { canRegisterAgents } from "@/lib/server/agent-registration";
import { postureDays } from "@/lib/server/inventory-posture";
import { userCaller } from "@/lib/server/caller";
import { BadFilterNotice } from "@/components/ui/bad-filter-notice";

export const metadata: Metadata = { title: "Agents" };

type SearchParams = Record<string, string | string[] | undefined>;

/** The inventory's rows are twelve columns wide: 25 to a page keeps the page light (the API's default stays 50). */
const PAGE_SIZE = "25";

export default async function AgentsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requireUser();
  const params = await searchParams;
  let filters: AgentFilters;
  try {
    filters = parseAgentFilters({ pageSize: PAGE_SIZE, ...params });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return <BadFilterNotice message={error.message} href="/agents" label="Show all agents" />;
  }
  const now = Date.now();
  const { items, total } = await listAgents(userCaller(user), filters, { now });
  const workflows = await workflowFacets();
  const query = new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (typeof v === "string" && v ? [[k, v]] : [])));
  query.delete("page");
  const filtered = Boolean(
    filters.q || filters.platform || filters.workflow || filters.risk || filters.status || filters.drift || filters.observed,
  );

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Agents</h1>
          <p className="mt-1 text-sm text-slate-600">
            {total} {total === 1 ? "agent" : "agents"}
            {filtered ? (total === 1 ? " matches these filters" : " match these filters") : " in the inventory"} — what each one runs in
            development, staging and production.
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {canRegisterAgents(user) && (
            <Link href="/agents/new" className={buttonClasses("primary")}>
              <Plus aria-hidden className="size-4" /> Register agent
            </Link>
          )}
          {canRegisterAgents(user) && (
            <Link href="/agents/import" className={buttonClasses("secondary")}>
              <FileUp aria-hidden className="size-4" /> Import from a platform
            </Link>
          )}
          <a href={`/agents/export?${query}`} className={buttonClasses("secondary")} download>
            <Download aria-hidden className="size-4" /> Export CSV
          </a>
        </div>
      </div>
      <InventoryFilters
        platforms={PLATFORMS.map((p) => ({ value: p, label: PLATFORM_LABELS[p] }))}
        workflows={workflows.map((w) => ({ value: w.slug, label: w.name }))}
      />
      <InventoryTable
        items={items}
        filters={filters}
        query={query.toString()}
        filtered={filtered}
        now={now}
        postureDays={postureDays}
        canRegister={canRegisterAgents(user)}
      />
      <Pagination page={filters.page} pageSize={filters.pageSize} total={total} query={query.toString()} />
    </div>
  );
}
