"use client";

import { X } from "lucide-react";
import { Select } from "./field";
import { useUrlFilters } from "./use-url-filters";

type Filters = ReturnType<typeof useUrlFilters>;

/** The bar above a list: its filters, kept in the URL, and "Clear filters" once any is set. */
export function FilterBar({ filters, children }: { filters: Filters; children: React.ReactNode }) {
  const { params, pending, clear } = filters;
  return (
    <div role="search" aria-busy={pending} className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white p-3">
      {children}
      {[...params.keys()].some((k) => k !== "page") && (
        <button
          type="button"
          onClick={clear}
          className="inline-flex h-9 items-center gap-1 rounded-md px-2.5 text-sm text-slate-600 hover:bg-slate-100"
        >
          <X aria-hidden className="size-4" /> Clear filters
        </button>
      )}
    </div>
  );
}

/** A URL filter chosen from a list: "All …" clears it. */
export function FilterSelect({
  filters,
  name,
  label,
  all,
  options,
}: {
  filters: Filters;
  name: string;
  label: string;
  all: string;
  options: { value: string; label: string }[];
}) {
  return (
    <Select
      aria-label={label}
      className="w-full sm:w-auto"
      value={filters.params.get(name) ?? ""}
      onChange={(e) => filters.update({ [name]: e.target.value })}
    >
      <option value="">{all}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </Select>
  );
}
