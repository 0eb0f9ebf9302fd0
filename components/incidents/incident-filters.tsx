"use client";

import { FilterBar, FilterSelect } from "@/components/ui/filter-bar";
import { useUrlFilters } from "@/components/ui/use-url-filters";
import { SEVERITIES } from "@/lib/domain/terms";

export function IncidentFilters({ agents }: { agents: { slug: string; name: string }[] }) {
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
      <FilterSelect
        filters={filters}
        name="agent"
        label="Agent"
        all="All agents"
        options={agents.map((a) => ({ value: a.slug, label: a.name }))}
      />
    </FilterBar>
  );
}
