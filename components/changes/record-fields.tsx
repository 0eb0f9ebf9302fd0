"use client";

import { Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select, Textarea } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";

export type RecordFields = {
  title: string;
  rationale: string;
  roleImpacts: { role: string; impact: "gains" | "loses" | "changes"; description: string }[];
  harmMetrics: { name: string; comparator: ">" | ">=" | "<" | "<="; threshold: string; window: string }[];
  evidence: { pullRequest: string; evalReport: string; traceSample: string };
  rollbackPlan: string;
  rollbackOwner: string;
  monitoring: string;
  emergency: boolean;
  emergencyJustification: string;
  raisedTier: string;
  tierRaisedReason: string;
};

/** The attested fields of a change record: why, who is affected, how harm is measured, the evidence, and the way back. */
export function RecordFieldsForm({
  value,
  onChange,
  errors,
  people,
}: {
  value: RecordFields;
  onChange: (v: RecordFields) => void;
  errors: Record<string, string[]>;
  people: { email: string; name: string }[];
}) {
  const set = (patch: Partial<RecordFields>) => onChange({ ...value, ...patch });
  const rowError = (prefix: string, i: number) =>
    Object.entries(errors)
      .filter(([k]) => k.startsWith(`${prefix}.${i}.`))
      .flatMap(([, m]) => m);
  return (
    <div className="space-y-5">
      <p className="text-xs text-slate-500">
        Fields marked <span className="text-rose-600">*</span> are needed to submit for review; a draft saves without them.
      </p>
      <div>
        <Label htmlFor="title" required>
          Title
        </Label>
        <Input
          id="title"
          value={value.title}
          onChange={(e) => set({ title: e.target.value })}
          aria-invalid={Boolean(errors.title)}
          aria-describedby="title-error"
        />
        <FieldError id="title-error" messages={errors.title} />
      </div>
      <div>
        <Label htmlFor="rationale">Rationale</Label>
        <Textarea id="rationale" rows={3} value={value.rationale} onChange={(e) => set({ rationale: e.target.value })} />
      </div>

      <fieldset>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Role impacts</legend>
        {value.roleImpacts.map((r, i) => (
          <div key={i} className="mb-2">
            <div className="flex flex-wrap gap-2">
              <Input
                aria-label={`Role impact ${i + 1}: role`}
                placeholder="Role, e.g. Tier-2 support"
                value={r.role}
                onChange={(e) => set({ roleImpacts: value.roleImpacts.map((x, j) => (j === i ? { ...x, role: e.target.value } : x)) })}
                className="w-48"
              />
              <Select
                aria-label={`Role impact ${i + 1}: impact`}
                value={r.impact}
                onChange={(e) =>
                  set({ roleImpacts: value.roleImpacts.map((x, j) => (j === i ? { ...x, impact: e.target.value as typeof r.impact } : x)) })
                }
                className="w-32"
              >
                <option value="gains">gains work</option>
                <option value="loses">loses work</option>
                <option value="changes">changes work</option>
              </Select>
              <Input
                aria-label={`Role impact ${i + 1}: how`}
                placeholder="How"
                value={r.description}
                onChange={(e) =>
                  set({ roleImpacts: value.roleImpacts.map((x, j) => (j === i ? { ...x, description: e.target.value } : x)) })
                }
                className="min-w-48 flex-1"
              />
              <Button
                type="button"
                variant="ghost"
                aria-label={`Remove role impact ${i + 1}`}
                onClick={() => set({ roleImpacts: value.roleImpacts.filter((_, j) => j !== i) })}
              >
                <Trash2 aria-hidden className="size-4" />
              </Button>
            </div>
            <FieldError messages={rowError("roleImpacts", i)} />
          </div>
        ))}
        <Button
          type="button"
          variant="ghost"
          className="h-8 text-xs"
          onClick={() => set({ roleImpacts: [...value.roleImpacts, { role: "", impact: "changes", description: "" }] })}
        >
          <Plus aria-hidden className="size-3.5" /> Add role impact
        </Button>
      </fieldset>

      <fieldset>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Harm metrics</legend>
        {value.harmMetrics.map((m, i) => (
          <div key={i} className="mb-2">
            <div className="flex flex-wrap gap-2">
              <Input
                aria-label={`Harm metric ${i + 1}: name`}
                placeholder="e.g. refund reversal rate"
                value={m.name}
                onChange={(e) => set({ harmMetrics: value.harmMetrics.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })}
                className="min-w-48 flex-1"
              />
              <Select
                aria-label={`Harm metric ${i + 1}: comparator`}
                value={m.comparator}
                onChange={(e) =>
                  set({
                    harmMetrics: value.harmMetrics.map((x, j) =>
                      j === i ? { ...x, comparator: e.target.value as typeof m.comparator } : x,
                    ),
                  })
                }
                className="w-20"
              >
                {[">", ">=", "<", "<="].map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </Select>
              <Input
                aria-label={`Harm metric ${i + 1}: threshold`}
                type="number"
                step="any"
                placeholder="2"
                value={m.threshold}
                onChange={(e) => set({ harmMetrics: value.harmMetrics.map((x, j) => (j === i ? { ...x, threshold: e.target.value } : x)) })}
                className="w-24"
              />
              <Input
                aria-label={`Harm metric ${i + 1}: window`}
                placeholder="7d"
                value={m.window}
                onChange={(e) => set({ harmMetrics: value.harmMetrics.map((x, j) => (j === i ? { ...x, window: e.target.value } : x)) })}
                className="w-20"
              />
              <Button
                type="button"
                variant="ghost"
                aria-label={`Remove harm metric ${i + 1}`}
                onClick={() => set({ harmMetrics: value.harmMetrics.filter((_, j) => j !== i) })}
              >
                <Trash2 aria-hidden className="size-4" />
              </Button>
            </div>
            <FieldError messages={rowError("harmMetrics", i)} />
          </div>
        ))}
        <FieldError messages={errors.harmMetrics} />
        <Button
          type="button"
          variant="ghost"
          className="h-8 text-xs"
          onClick={() => set({ harmMetrics: [...value.harmMetrics, { name: "", comparator: ">", threshold: "", window: "7d" }] })}
        >
          <Plus aria-hidden className="size-3.5" /> Add harm metric
        </Button>
      </fieldset>

      <fieldset className="grid gap-3 sm:grid-cols-3">
        <legend className="mb-2 text-sm font-semibold text-slate-900">Evidence</legend>
        {(["pullRequest", "evalReport", "traceSample"] as const).map((key) => (
          <div key={key}>
            <Label htmlFor={`evidence-${key}`}>
              {{ pullRequest: "Pull request", evalReport: "Eval report", traceSample: "Trace sample" }[key]}
            </Label>
            <Input
              id={`evidence-${key}`}
              type="url"
              placeholder="https://…"
              value={value.evidence[key]}
              onChange={(e) => set({ evidence: { ...value.evidence, [key]: e.target.value } })}
            />
            <FieldError messages={errors[`evidence.${key}`]} />
          </div>
        ))}
      </fieldset>

      <div>
        <Label htmlFor="rollbackPlan" required>
          Rollback plan
        </Label>
        <Textarea
          id="rollbackPlan"
          rows={3}
          value={value.rollbackPlan}
          onChange={(e) => set({ rollbackPlan: e.target.value })}
          aria-invalid={Boolean(errors.rollbackPlan)}
        />
        <FieldError messages={errors.rollbackPlan} />
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <Label htmlFor="rollbackOwner" required>
            Rollback owner
          </Label>
          <Select
            id="rollbackOwner"
            value={value.rollbackOwner}
            onChange={(e) => set({ rollbackOwner: e.target.value })}
            aria-invalid={Boolean(errors.rollbackOwner)}
          >
            <option value="">Choose a person</option>
            {people.map((p) => (
              <option key={p.email} value={p.email}>
                {p.name} ({p.email})
              </option>
            ))}
          </Select>
          <FieldError messages={errors.rollbackOwner} />
        </div>
        <div>
          <Label htmlFor="monitoring">Monitoring / runbook link</Label>
          <Input id="monitoring" value={value.monitoring} onChange={(e) => set({ monitoring: e.target.value })} />
        </div>
      </div>

      <fieldset className="space-y-2">
        <legend className="mb-1 text-sm font-semibold text-slate-900">Urgency and risk</legend>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            className="size-4 accent-brand-600"
            checked={value.emergency}
            onChange={(e) => set({ emergency: e.target.checked })}
          />
          Emergency change (released with one approval; full sign-off due within 48 hours)
        </label>
        {value.emergency && (
          <div>
            <Label htmlFor="justification">Why it cannot wait</Label>
            <Input
              id="justification"
              value={value.emergencyJustification}
              onChange={(e) => set({ emergencyJustification: e.target.value })}
            />
            <FieldError messages={errors["emergency.justification"]} />
          </div>
        )}
        <div className="grid gap-3 sm:grid-cols-[12rem_1fr]">
          <div>
            <Label htmlFor="raisedTier">Raise the risk tier to</Label>
            <Select id="raisedTier" value={value.raisedTier} onChange={(e) => set({ raisedTier: e.target.value })}>
              <option value="">Keep the computed tier</option>
              <option value="medium">medium</option>
              <option value="high">high</option>
              <option value="critical">critical</option>
            </Select>
          </div>
          {value.raisedTier && (
            <div>
              <Label htmlFor="tierReason">Why</Label>
              <Input id="tierReason" value={value.tierRaisedReason} onChange={(e) => set({ tierRaisedReason: e.target.value })} />
              <FieldError messages={errors["raiseTier.reason"]} />
            </div>
          )}
        </div>
      </fieldset>
    </div>
  );
}
