"use client";

import { Search, X } from "lucide-react";
import { useEffect, useState } from "react";
import { useUrlFilters } from "@/components/ui/use-url-filters";
import { Input, Select } from "@/components/ui/field";
import { RISK_LEVELS } from "@/lib/domain/terms";

type Option = { value: string; label: string };

/** No status in the URL is the default view: the agents that run or are about to. */
const STATUS_OPTIONS: Option[] = [
  { value: "", label: "Active and proposed" },
  { value: "active", label: "Active" },
  { value: "proposed", label: "Proposed" },
  { value: "withdrawn", label: "Withdrawn" },
  { value: "retired", label: "Retired" },
  { value: "all", label: "All" },
];

/** Posture is two URL filters (drift=open, observed=stale) chosen from one list. */
const POSTURE_OPTIONS: Option[] = [
  { value: "", label: "Any posture" },
  { value: "drift", label: "Open drift" },
  { value: "stale", label: "Unobserved in production" },
];

/** Filters live in the URL, so a filtered view can be bookmarked, shared and exported. */
export function InventoryFilters({ platforms, workflows }: { platforms: Option[]; workflows: Option[] }) {
  const { params, pending, update, clear } = useUrlFilters();
  const [q, setQ] = useState(params.get("q") ?? "");

  // Search as the person types, once they pause.
  useEffect(() => {
    if (q === (params.get("q") ?? "")) return;
    const timer = setTimeout(() => update({ q: q.trim() }), 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the typed text should restart the timer
  }, [q]);

  const active = ["q", "platform", "workflow", "risk", "status", "drift", "observed"].some((k) => params.get(k));
  const posture = params.get("drift") ? "drift" : params.get("observed") ? "stale" : "";

  return (
    <div role="search" aria-busy={pending} className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white p-3">
      <div className="relative w-full sm:w-auto sm:min-w-56 sm:flex-1">
        <Search aria-hidden className="pointer-events-none absolute top-2.5 left-3 size-4 text-slate-400" />
        <Input
          type="search"
          aria-label="Search agents"
          placeholder="Search by name, slug or description"
          className="pl-9"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && update({ q: q.trim() })}
        />
      </div>
      <Select
        aria-label="Platform"
        className="w-full sm:w-auto"
        value={params.get("platform") ?? ""}
        onChange={(e) => update({ platform: e.target.value })}
      >
        <option value="">All platforms</option>
        {platforms.map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
      </Select>
      <Select
        aria-label="Workflow"
        className="w-full sm:w-auto"
        value={params.get("workflow") ?? ""}
        onChange={(e) => update({ workflow: e.target.value })}
      >
        <option value="">All workflows</option>
        {workflows.map((w) => (
          <option key={w.value} value={w.value}>
            {w.label}
          </option>
        ))}
      </Select>
      <Select
        aria-label="Risk class"
        className="w-full sm:w-auto"
        value={params.get("risk") ?? ""}
        onChange={(e) => update({ risk: e.target.value })}
      >
        <option value="">All risk classes</option>
        {RISK_LEVELS.map((r) => (
          <option key={r} value={r}>
            {r[0]!.toUpperCase() + r.slice(1)} risk
          </option>
        ))}
      </Select>
      <Select
        aria-label="Status"
        className="w-full sm:w-auto"
        value={params.get("status") ?? ""}
        onChange={(e) => update({ status: e.target.value })}
      >
        {STATUS_OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
      <Select
        aria-label="Posture"
        className="w-full sm:w-auto"
        value={posture}
        onChange={(e) => update({ drift: e.target.value === "drift" ? "open" : "", observed: e.target.value === "stale" ? "stale" : "" })}
      >
        {POSTURE_OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
      {active && (
        <button
          type="button"
          onClick={() => {
            setQ("");
            clear();
          }}
          className="inline-flex h-9 items-center gap-1 rounded-md px-2.5 text-sm text-slate-600 hover:bg-slate-100"
        >
          <X aria-hidden className="size-4" /> Clear filters
        </button>
      )}
    </div>
  );
}
