"use client";

import { Input, Label, Select, Textarea } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { RISK_LEVELS, type RiskLevel } from "@/lib/domain/terms";

export type Person = { email: string; name: string };
export type WorkflowForm = { name: string; owner: string; riskClass: RiskLevel; riskReason: string };

/** The fields of a workflow, shared by the add and change forms; `idPrefix` keeps ids unique when several forms share a page. */
export function WorkflowFields({
  idPrefix,
  form,
  onChange,
  owners,
  fieldErrors,
  reasonHelp,
}: {
  idPrefix: string;
  form: WorkflowForm;
  onChange: (form: WorkflowForm) => void;
  owners: Person[];
  fieldErrors: Record<string, string[]>;
  reasonHelp: string;
}) {
  const id = (field: string) => `${idPrefix}-${field}`;
  const described = (field: string) => ({ "aria-invalid": Boolean(fieldErrors[field]), "aria-describedby": `${id(field)}-error` });
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <div>
        <Label htmlFor={id("name")}>Name</Label>
        <Input
          id={id("name")}
          value={form.name}
          onChange={(e) => onChange({ ...form, name: e.target.value })}
          required
          maxLength={200}
          {...described("name")}
        />
        <FieldError id={`${id("name")}-error`} messages={fieldErrors.name} />
      </div>
      <div>
        <Label htmlFor={id("owner")}>Owner</Label>
        <Select
          id={id("owner")}
          value={form.owner}
          onChange={(e) => onChange({ ...form, owner: e.target.value })}
          required
          {...described("owner")}
        >
          <option value="">Choose a workflow owner…</option>
          {owners.map((p) => (
            <option key={p.email} value={p.email}>
              {p.name} ({p.email})
            </option>
          ))}
        </Select>
        <FieldError id={`${id("owner")}-error`} messages={fieldErrors.owner} />
      </div>
      <div>
        <Label htmlFor={id("class")}>Risk class</Label>
        <Select
          id={id("class")}
          value={form.riskClass}
          onChange={(e) => onChange({ ...form, riskClass: e.target.value as RiskLevel })}
          {...described("riskClass")}
        >
          {RISK_LEVELS.map((level) => (
            <option key={level} value={level}>
              {level}
            </option>
          ))}
        </Select>
        <FieldError id={`${id("class")}-error`} messages={fieldErrors.riskClass} />
      </div>
      <div className="sm:col-span-2">
        <Label htmlFor={id("reason")}>Why this class</Label>
        <Textarea
          id={id("reason")}
          rows={2}
          value={form.riskReason}
          onChange={(e) => onChange({ ...form, riskReason: e.target.value })}
          maxLength={5000}
          aria-invalid={Boolean(fieldErrors.riskReason)}
          aria-describedby={`${id("reason")}-error ${id("reason")}-help`}
        />
        {fieldErrors.riskReason ? (
          <FieldError id={`${id("reason")}-error`} messages={fieldErrors.riskReason} />
        ) : (
          <p id={`${id("reason")}-help`} className="mt-1 text-xs text-slate-500">
            {reasonHelp}
          </p>
        )}
      </div>
    </div>
  );
}
