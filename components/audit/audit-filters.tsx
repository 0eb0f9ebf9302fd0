"use client";

import { Input } from "@/components/ui/field";
import { AgentFilter } from "@/components/filters/agent-filter";
import type { AgentChoice } from "@/components/filters/agent-combobox";
import { FilterBar } from "@/components/ui/filter-bar";
import { useUrlFilters } from "@/components/ui/use-url-filters";

const ACTION_FAMILIES = ["change.", "signoff.", "deployment.", "eval.", "incident.", "agent.", "policy.", "user.", "workflow."];
const ENTITY_TYPES = ["change_record", "agent", "deployment", "eval_run", "incident", "policy", "user", "workflow"];

/**
 * A text filter that reaches the URL when the reader is done typing (Enter or leaving the field), not on
 * every keystroke. Keyed by its URL value, so "Clear filters" and back/forward reset what it shows.
 */
function TextFilter({
  name,
  label,
  placeholder,
  list,
  value,
  update,
}: {
  name: string;
  label: string;
  placeholder: string;
  list?: string;
  value: string;
  update: (changes: Record<string, string>) => void;
}) {
  const commit = (next: string) => {
    if (next.trim() !== value) update({ [name]: next.trim() });
  };
  return (
    <Input
      key={value}
      type="search"
      aria-label={label}
      placeholder={placeholder}
      list={list}
      defaultValue={value}
      className="w-full sm:w-52"
      onBlur={(e) => commit(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit(e.currentTarget.value);
      }}
    />
  );
}

export function AuditFilters({ agent }: { agent: AgentChoice | null }) {
  const filters = useUrlFilters();
  const { params, update } = filters;
  const text = (name: string, label: string, placeholder: string, list?: string) => (
    <TextFilter name={name} label={label} placeholder={placeholder} list={list} value={params.get(name) ?? ""} update={update} />
  );
  return (
    <FilterBar filters={filters}>
      {text("actor", "Actor", "Actor: email or token name")}
      {text("action", "Action", "Action: change. or change.approved", "audit-action-families")}
      {text("entity", "Entity", "Entity: type or type:id", "audit-entity-types")}
      <datalist id="audit-action-families">
        {ACTION_FAMILIES.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <datalist id="audit-entity-types">
        {ENTITY_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <AgentFilter filters={filters} selected={agent} includeRetired />
      <label className="inline-flex items-center gap-1.5 text-sm text-slate-600">
        From
        <Input
          type="date"
          aria-label="From (UTC)"
          className="w-auto"
          value={params.get("from") ?? ""}
          onChange={(e) => update({ from: e.target.value })}
        />
      </label>
      <label className="inline-flex items-center gap-1.5 text-sm text-slate-600">
        to
        <Input
          type="date"
          aria-label="To (UTC, inclusive)"
          className="w-auto"
          value={params.get("to") ?? ""}
          onChange={(e) => update({ to: e.target.value })}
        />
      </label>
    </FilterBar>
  );
}
