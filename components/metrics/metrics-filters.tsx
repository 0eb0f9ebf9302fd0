"use client";

import { useEffect, useState } from "react";
import type { AgentChoice } from "@/components/filters/agent-combobox";
import { AgentFilter } from "@/components/filters/agent-filter";
import { Input } from "@/components/ui/field";
import { FilterBar, FilterSelect } from "@/components/ui/filter-bar";
import { useUrlFilters } from "@/components/ui/use-url-filters";

type Option = { value: string; label: string };
type Filters = ReturnType<typeof useUrlFilters>;

/**
 * The dashboard's range and scope, kept in the URL so a view can be shared. The dates show the range
 * in force (the default one until someone picks dates); both are inclusive, in UTC.
 */
export function MetricsFilters({
  from,
  to,
  workflows,
  platforms,
  risks,
  agent,
}: {
  from: string;
  to: string;
  workflows: Option[];
  platforms: Option[];
  risks: Option[];
  /** The URL's agent, looked up on the server; the picker searches the rest. */
  agent: AgentChoice | null;
}) {
  const filters = useUrlFilters();
  return (
    <FilterBar filters={filters}>
      <DateFilter filters={filters} name="from" label="From" shown={from} />
      <DateFilter filters={filters} name="to" label="To" shown={to} />
      <FilterSelect filters={filters} name="workflow" label="Workflow" all="All workflows" options={workflows} />
      <FilterSelect filters={filters} name="platform" label="Platform" all="All platforms" options={platforms} />
      <FilterSelect filters={filters} name="risk" label="Risk tier" all="All risk tiers" options={risks} />
      <AgentFilter filters={filters} selected={agent} includeRetired />
    </FilterBar>
  );
}

const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && v >= "2000-01-01";

/** A date kept in the URL once the person pauses: typing a date segment by segment must not reload the page at every digit. */
function DateFilter({ filters, name, label, shown }: { filters: Filters; name: string; label: string; shown: string }) {
  const [value, setValue] = useState(shown);
  const [synced, setSynced] = useState(shown);
  // The range changed elsewhere (Clear filters, the other date, back button): show it.
  if (synced !== shown) {
    setSynced(shown);
    setValue(shown);
  }
  const commit = (next: string) => {
    if (isDate(next) && next !== shown) filters.update({ [name]: next });
  };

  useEffect(() => {
    if (!isDate(value) || value === shown) return;
    const timer = setTimeout(() => filters.update({ [name]: value }), 600);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the typed date should restart the timer
  }, [value]);

  return (
    <label className="inline-flex w-full items-center gap-2 text-sm text-slate-600 sm:w-auto">
      <span className="w-10 shrink-0 sm:w-auto">{label}</span>
      <Input
        type="date"
        required
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => commit(value)}
        onKeyDown={(e) => e.key === "Enter" && commit(value)}
        className="sm:w-40"
      />
    </label>
  );
}
