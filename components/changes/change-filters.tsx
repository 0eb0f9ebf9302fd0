"use client";

import { X } from "lucide-react";
import { Select } from "@/components/ui/field";
import { useUrlFilters } from "@/components/ui/use-url-filters";
import { CHANGE_STATES, RISK_LEVELS } from "@/lib/domain/terms";
import { STATE_LABEL } from "./change-state-badge";

export function ChangeFilters({ agents }: { agents: { slug: string; name: string }[] }) {
  const { params, pending, update, clear } = useUrlFilters();
  const toggle = (key: string, label: string) => (
    <label className="inline-flex h-9 items-center gap-2 rounded-md border border-slate-300 bg-white px-3 text-sm">
      <input type="checkbox" checked={params.get(key) === "1"} onChange={(e) => update({ [key]: e.target.checked ? "1" : "" })} className="size-4 accent-brand-600" />
      {label}
    </label>
  );
  return (
    <div role="search" aria-busy={pending} className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white p-3">
      <Select aria-label="State" className="w-full sm:w-auto" value={params.get("state") ?? ""} onChange={(e) => update({ state: e.target.value })}>
        <option value="">All states</option>
        {CHANGE_STATES.map((s) => (
          <option key={s} value={s}>
            {STATE_LABEL[s]}
          </option>
        ))}
      </Select>
      <Select aria-label="Agent" className="w-full sm:w-auto" value={params.get("agent") ?? ""} onChange={(e) => update({ agent: e.target.value })}>
        <option value="">All agents</option>
        {agents.map((a) => (
          <option key={a.slug} value={a.slug}>
            {a.name}
          </option>
        ))}
      </Select>
      <Select aria-label="Risk tier" className="w-full sm:w-auto" value={params.get("risk") ?? ""} onChange={(e) => update({ risk: e.target.value })}>
        <option value="">All risk tiers</option>
        {RISK_LEVELS.map((r) => (
          <option key={r} value={r}>
            {r[0]!.toUpperCase() + r.slice(1)}
          </option>
        ))}
      </Select>
      {toggle("needsMySignoff", "Needs my sign-off")}
      {toggle("mine", "Mine")}
      {[...params.keys()].some((k) => k !== "page") && (
        <button type="button" onClick={clear} className="inline-flex h-9 items-center gap-1 rounded-md px-2.5 text-sm text-slate-600 hover:bg-slate-100">
          <X aria-hidden className="size-4" /> Clear filters
        </button>
      )}
    </div>
  );
}
