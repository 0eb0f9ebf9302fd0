"use client";

import { AgentFilter } from "@/components/filters/agent-filter";
import type { AgentChoice } from "@/components/filters/agent-combobox";
import { FilterBar, FilterSelect } from "@/components/ui/filter-bar";
import { useUrlFilters } from "@/components/ui/use-url-filters";
import { CHANGE_STATES, RISK_LEVELS } from "@/lib/domain/terms";
import { STATE_LABEL } from "./change-state-badge";

export function ChangeFilters({ agent }: { agent: AgentChoice | null }) {
  const filters = useUrlFilters();
  const { params, update } = filters;
  const toggle = (key: string, label: string) => (
    <label className="inline-flex h-9 items-center gap-2 rounded-md border border-slate-300 bg-white px-3 text-sm">
      <input
        type="checkbox"
        checked={params.get(key) === "1"}
        onChange={(e) => update({ [key]: e.target.checked ? "1" : "" })}
        className="size-4 accent-brand-600"
      />
      {label}
    </label>
  );
  return (
    <FilterBar filters={filters}>
      <FilterSelect
        filters={filters}
        name="state"
        label="State"
        all="All states"
        options={CHANGE_STATES.map((s) => ({ value: s, label: STATE_LABEL[s] }))}
      />
      <AgentFilter filters={filters} selected={agent} includeRetired />
      <FilterSelect
        filters={filters}
        name="risk"
        label="Risk tier"
        all="All risk tiers"
        options={RISK_LEVELS.map((r) => ({ value: r, label: r[0]!.toUpperCase() + r.slice(1) }))}
      />
      {toggle("needsMySignoff", "Needs my sign-off")}
      {toggle("mine", "Mine")}
    </FilterBar>
  );
}
