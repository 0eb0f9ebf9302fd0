"use client";

import { Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Input, Label, Select } from "@/components/ui/field";
import type { AgentSpec, ToolAction } from "@/lib/domain/spec";
import { FieldError } from "@/components/ui/field-error";

const AUTONOMY = [
  ["read_only", "Read-only"],
  ["bounded", "Bounded"],
  ["autonomous", "Autonomous"],
] as const;

type Props = { spec: AgentSpec; onChange: (spec: AgentSpec) => void; errors: Record<string, string[]> };

const small = "h-8 text-xs";

/** The proposed spec as structured controls: model, autonomy ladder, instructions, tools and actions, forbidden list, human in the loop, retention. */
export function SpecForm({ spec, onChange, errors }: Props) {
  const set = (patch: Partial<AgentSpec>) => onChange({ ...spec, ...patch });
  const setTool = (t: number, patch: Partial<AgentSpec["tools"][number]>) =>
    set({ tools: spec.tools.map((tool, i) => (i === t ? { ...tool, ...patch } : tool)) });
  const setAction = (t: number, a: number, patch: Partial<ToolAction>) =>
    setTool(t, { actions: spec.tools[t]!.actions.map((action, i) => (i === a ? ({ ...action, ...patch } as ToolAction) : action)) });
  const err = (path: string) => errors[`spec.${path}`];

  return (
    <div className="space-y-6">
      <fieldset>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Model</legend>
        <div className="grid gap-3 sm:grid-cols-3">
          {(["provider", "name", "version"] as const).map((key) => (
            <div key={key}>
              <Label htmlFor={`model-${key}`}>
                {key === "version" ? "Version (empty = floating)" : key[0]!.toUpperCase() + key.slice(1)}
              </Label>
              <Input
                id={`model-${key}`}
                value={spec.model[key]}
                onChange={(e) => set({ model: { ...spec.model, [key]: e.target.value } })}
              />
              <FieldError messages={err(`model.${key}`)} />
            </div>
          ))}
        </div>
        {!spec.model.version.trim() && (
          <p className="mt-2 text-xs text-amber-700">
            A floating model version lets the provider change behaviour without a change record.
          </p>
        )}
      </fieldset>

      <fieldset>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Autonomy</legend>
        <div role="radiogroup" aria-label="Autonomy" className="inline-flex rounded-md border border-slate-300 bg-white p-0.5">
          {AUTONOMY.map(([value, label]) => (
            <label
              key={value}
              className={cn(
                "cursor-pointer rounded px-3 py-1.5 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-brand-500",
                spec.autonomy === value ? "bg-brand-600 text-white" : "text-slate-700 hover:bg-slate-100",
              )}
            >
              <input
                type="radio"
                name="autonomy"
                value={value}
                checked={spec.autonomy === value}
                onChange={() => set({ autonomy: value })}
                className="sr-only"
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>

      <div>
        <Label htmlFor="instructions">Instructions</Label>
        <textarea
          id="instructions"
          value={spec.instructions}
          onChange={(e) => set({ instructions: e.target.value })}
          rows={8}
          className="w-full rounded-md border border-slate-300 bg-white p-3 font-mono text-xs leading-5 focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 focus:outline-none"
        />
        <FieldError messages={err("instructions")} />
      </div>

      <fieldset>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Tools and actions</legend>
        <div className="space-y-4">
          {spec.tools.map((tool, t) => (
            <div key={t} className="rounded-md border border-slate-200 p-3">
              <div className="flex items-end gap-2">
                <div className="flex-1">
                  <Label htmlFor={`tool-${t}`}>System</Label>
                  <Input
                    id={`tool-${t}`}
                    value={tool.system}
                    onChange={(e) => setTool(t, { system: e.target.value })}
                    className="font-mono"
                  />
                </div>
                <Button
                  type="button"
                  variant="ghost"
                  aria-label={`Remove system ${tool.system}`}
                  onClick={() => set({ tools: spec.tools.filter((_, i) => i !== t) })}
                >
                  <Trash2 aria-hidden className="size-4" />
                </Button>
              </div>
              <FieldError messages={err(`tools.${t}.system`) ?? err(`tools.${t}.actions`)} />
              <div className="mt-3 overflow-x-auto">
                <table className="w-full min-w-[620px] text-left text-xs">
                  <caption className="sr-only">Actions on {tool.system}</caption>
                  <thead className="text-slate-500">
                    <tr>
                      <th className="pb-1 font-medium">Action</th>
                      <th className="pb-1 font-medium">Access</th>
                      <th className="pb-1 font-medium">Approval</th>
                      <th className="pb-1 font-medium">Limit</th>
                      <th className="pb-1 font-medium">Unit</th>
                      <th className="pb-1" />
                    </tr>
                  </thead>
                  <tbody>
                    {tool.actions.map((action, a) => {
                      const name = action.name || `action ${a + 1}`;
                      return (
                        <tr key={a} className="align-top">
                          <td className="py-1 pr-2">
                            <Input
                              aria-label={`Action name (${tool.system} ${a + 1})`}
                              value={action.name}
                              onChange={(e) => setAction(t, a, { name: e.target.value })}
                              className={cn(small, "font-mono")}
                            />
                            <FieldError messages={err(`tools.${t}.actions.${a}.name`)} />
                          </td>
                          <td className="py-1 pr-2">
                            <Select
                              aria-label={`Access for ${name}`}
                              value={action.access}
                              onChange={(e) => setAction(t, a, { access: e.target.value as ToolAction["access"] })}
                              className={small}
                            >
                              <option value="read">read</option>
                              <option value="write">write</option>
                              <option value="admin">admin</option>
                            </Select>
                          </td>
                          <td className="py-1 pr-2">
                            <Select
                              aria-label={`Approval for ${name}`}
                              value={action.approval}
                              onChange={(e) => setAction(t, a, { approval: e.target.value as ToolAction["approval"] })}
                              className={small}
                            >
                              <option value="required">required</option>
                              <option value="none">none</option>
                            </Select>
                          </td>
                          <td className="py-1 pr-2">
                            <Input
                              aria-label={`Limit for ${name}`}
                              type="number"
                              min={0}
                              step="any"
                              placeholder="unlimited"
                              value={action.limit?.amount ?? ""}
                              onChange={(e) => {
                                const amount = e.target.value === "" ? undefined : Number(e.target.value);
                                setAction(t, a, {
                                  limit: amount === undefined ? undefined : { amount, unit: action.limit?.unit ?? "USD" },
                                });
                              }}
                              className={cn(small, "w-28")}
                            />
                            <FieldError messages={err(`tools.${t}.actions.${a}.limit.amount`)} />
                          </td>
                          <td className="py-1 pr-2">
                            <Input
                              aria-label={`Limit unit for ${name}`}
                              value={action.limit?.unit ?? ""}
                              disabled={!action.limit}
                              onChange={(e) => action.limit && setAction(t, a, { limit: { ...action.limit, unit: e.target.value } })}
                              className={cn(small, "w-24")}
                            />
                          </td>
                          <td className="py-1">
                            <Button
                              type="button"
                              variant="ghost"
                              className="h-8 px-2"
                              aria-label={`Remove ${name}`}
                              onClick={() => setTool(t, { actions: tool.actions.filter((_, i) => i !== a) })}
                            >
                              <Trash2 aria-hidden className="size-3.5" />
                            </Button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <Button
                type="button"
                variant="ghost"
                className="mt-1 h-8 text-xs"
                onClick={() => setTool(t, { actions: [...tool.actions, { name: "", access: "read", approval: "none" }] })}
              >
                <Plus aria-hidden className="size-3.5" /> Add action to {tool.system || "this system"}
              </Button>
            </div>
          ))}
          <Button
            type="button"
            variant="secondary"
            onClick={() => set({ tools: [...spec.tools, { system: "", actions: [{ name: "", access: "read", approval: "none" }] }] })}
          >
            <Plus aria-hidden className="size-4" /> Add system
          </Button>
        </div>
      </fieldset>

      <fieldset>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Forbidden actions</legend>
        <div className="space-y-2">
          {spec.forbidden.map((entry, i) => (
            <div key={i}>
              <div className="flex gap-2">
                <Input
                  aria-label={`Forbidden action ${i + 1}`}
                  placeholder="system:action"
                  value={entry}
                  onChange={(e) => set({ forbidden: spec.forbidden.map((f, j) => (j === i ? e.target.value : f)) })}
                  className="font-mono"
                />
                <Button
                  type="button"
                  variant="ghost"
                  aria-label={`Remove forbidden ${entry}`}
                  onClick={() => set({ forbidden: spec.forbidden.filter((_, j) => j !== i) })}
                >
                  <Trash2 aria-hidden className="size-4" />
                </Button>
              </div>
              <FieldError messages={err(`forbidden.${i}`)} />
            </div>
          ))}
          <Button type="button" variant="ghost" className="h-8 text-xs" onClick={() => set({ forbidden: [...spec.forbidden, ""] })}>
            <Plus aria-hidden className="size-3.5" /> Add forbidden action
          </Button>
        </div>
      </fieldset>

      <fieldset>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Human in the loop</legend>
        <label className="mb-2 flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            className="size-4 accent-brand-600"
            checked={Boolean(spec.humanInTheLoop)}
            onChange={(e) =>
              set({
                humanInTheLoop: e.target.checked
                  ? { reviewer: "", surface: "", canOverride: true, captureCorrections: true, stopAskingRule: "" }
                  : undefined,
              })
            }
          />
          A person reviews this agent&apos;s actions
        </label>
        {spec.humanInTheLoop && (
          <div className="grid gap-3 sm:grid-cols-2">
            {(["reviewer", "surface", "stopAskingRule"] as const).map((key) => (
              <div key={key} className={key === "stopAskingRule" ? "sm:col-span-2" : ""}>
                <Label htmlFor={`hitl-${key}`}>
                  {
                    {
                      reviewer: "Reviewer (role or person)",
                      surface: "Where the review happens",
                      stopAskingRule: "Stop asking when (empty = always ask)",
                    }[key]
                  }
                </Label>
                <Input
                  id={`hitl-${key}`}
                  value={spec.humanInTheLoop![key] ?? ""}
                  onChange={(e) => set({ humanInTheLoop: { ...spec.humanInTheLoop!, [key]: e.target.value } })}
                />
                <FieldError messages={err(`humanInTheLoop.${key}`)} />
              </div>
            ))}
            {(["canOverride", "captureCorrections"] as const).map((key) => (
              <label key={key} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  className="size-4 accent-brand-600"
                  checked={spec.humanInTheLoop![key]}
                  onChange={(e) => set({ humanInTheLoop: { ...spec.humanInTheLoop!, [key]: e.target.checked } })}
                />
                {key === "canOverride" ? "The reviewer can override the agent" : "Corrections are captured"}
              </label>
            ))}
          </div>
        )}
      </fieldset>

      <div className="max-w-xs">
        <Label htmlFor="retention">Trace retention (days)</Label>
        <Input
          id="retention"
          type="number"
          min={0}
          value={spec.traceRetentionDays}
          onChange={(e) => set({ traceRetentionDays: e.target.value === "" ? 0 : Number(e.target.value) })}
        />
        <FieldError messages={err("traceRetentionDays")} />
      </div>
    </div>
  );
}
