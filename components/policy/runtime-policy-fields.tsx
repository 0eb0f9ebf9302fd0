"use client";

import { Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/field";
import type { HarmMetric } from "@/lib/domain/harm-thresholds";
import type { RuntimePolicy } from "@/lib/domain/signoff-policy";
import { SEVERITIES, type Severity } from "@/lib/domain/terms";
import type { FieldErrors } from "@/lib/errors";

const COMPARATORS = [">", ">=", "<", "<="] as const;

/** The policy's runtime part: which incident a breach opens in production, and the thresholds every release is held to. */
export function RuntimePolicyFields({
  runtime,
  errors,
  onChange,
}: {
  runtime: RuntimePolicy;
  errors: FieldErrors;
  onChange: (runtime: RuntimePolicy) => void;
}) {
  const setThreshold = (i: number, patch: Partial<HarmMetric>) =>
    onChange({ ...runtime, defaultThresholds: runtime.defaultThresholds.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const severityField = (key: "authorityBreachIncident" | "harmBreachIncident", label: string) => (
    <div>
      <Label htmlFor={`runtime-${key}`}>{label}</Label>
      <Select
        id={`runtime-${key}`}
        value={runtime[key] ?? ""}
        onChange={(e) => onChange({ ...runtime, [key]: (e.target.value || null) as Severity | null })}
      >
        <option value="">No incident (flag only)</option>
        {SEVERITIES.map((s) => (
          <option key={s} value={s}>
            Open a {s} incident
          </option>
        ))}
      </Select>
    </div>
  );
  return (
    <Card title="Runtime evidence in production">
      <div className="grid gap-3 sm:grid-cols-2">
        {severityField("authorityBreachIncident", "An authority breach (ungranted, forbidden, approval skipped, over a limit)")}
        {severityField("harmBreachIncident", "A harm threshold crossed")}
      </div>
      <h3 className="mt-5 text-sm font-semibold text-slate-900">Thresholds every release is held to</h3>
      <p className="text-xs text-slate-600">
        Besides the harm metrics its change declares. Rates are percentages, read once 20 decisions are in the window.
      </p>
      <ul className="mt-2 space-y-2" aria-label="Default thresholds">
        {runtime.defaultThresholds.map((t, i) => (
          <li key={i} className="flex flex-wrap items-end gap-2">
            <div className="min-w-40 flex-1">
              <Label htmlFor={`threshold-name-${i}`}>Metric</Label>
              <Input id={`threshold-name-${i}`} value={t.name} onChange={(e) => setThreshold(i, { name: e.target.value })} />
            </div>
            <div>
              <Label htmlFor={`threshold-comparator-${i}`}>Breached when</Label>
              <Select
                id={`threshold-comparator-${i}`}
                value={t.comparator}
                onChange={(e) => setThreshold(i, { comparator: e.target.value as HarmMetric["comparator"] })}
              >
                {COMPARATORS.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </Select>
            </div>
            <div className="w-24">
              <Label htmlFor={`threshold-value-${i}`}>Threshold</Label>
              <Input
                id={`threshold-value-${i}`}
                type="number"
                value={t.threshold}
                onChange={(e) => setThreshold(i, { threshold: Number(e.target.value) })}
              />
            </div>
            <div className="w-24">
              <Label htmlFor={`threshold-window-${i}`}>Over</Label>
              <Input
                id={`threshold-window-${i}`}
                value={t.window}
                onChange={(e) => setThreshold(i, { window: e.target.value })}
                placeholder="7d"
              />
            </div>
            <Button
              type="button"
              variant="ghost"
              aria-label={`Remove threshold ${t.name}`}
              onClick={() => onChange({ ...runtime, defaultThresholds: runtime.defaultThresholds.filter((_, j) => j !== i) })}
            >
              <Trash2 aria-hidden className="size-4" />
            </Button>
            {Object.entries(errors)
              .filter(([k]) => k.startsWith(`runtime.defaultThresholds.${i}.`))
              .map(([k, m]) => (
                <p key={k} role="alert" className="w-full text-xs text-rose-700">
                  {m.join("; ")}
                </p>
              ))}
          </li>
        ))}
      </ul>
      <Button
        type="button"
        variant="secondary"
        className="mt-3"
        onClick={() =>
          onChange({
            ...runtime,
            defaultThresholds: [...runtime.defaultThresholds, { name: "", comparator: ">", threshold: 0, window: "7d" }],
          })
        }
      >
        <Plus aria-hidden className="size-4" /> Add threshold
      </Button>
    </Card>
  );
}
