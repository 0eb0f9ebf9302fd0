"use client";

import { AgentFilter } from "@/components/filters/agent-filter";
import type { AgentChoice } from "@/components/filters/agent-combobox";
import { FilterBar, FilterSelect } from "@/components/ui/filter-bar";
import { useUrlFilters } from "@/components/ui/use-url-filters";
import { SEVERITIES } from "@/lib/domain/terms";

export function IncidentFilters({ agent }: { agent: AgentChoice | null }) {
  const filters = useUrlFilters();
  return (
    <FilterBar filters={filters}>
      <FilterSelect
        filters={filters}
        name="open"
        label="Status"
        all="Open and resolved"
        options={[
          { value: "true", label: "Open" },
          { value: "false", label: "Resolved" },
        ]}
      />
      <FilterSelect
        filters={filters}
        name="severity"
        label="Severity"
        all="All severities"
        options={SEVERITIES.map((s) => ({ value: s, label: s.toUpperCase() }))}
      />
      <AgentFilter filters={filters} selected={agent} includeRetired />
    </FilterBar>
  );
}
