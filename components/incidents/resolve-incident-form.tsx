"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { RESOLUTIONS } from "@/lib/domain/terms";
import { utcIso } from "./utc-input";

/** Resolves one incident: how, which change fixed it forward, and when. */
export function ResolveIncidentForm({
  id,
  title,
  resolve,
}: {
  id: string;
  title: string;
  resolve: (id: string, input: Record<string, unknown>) => Promise<Outcome>;
}) {
  const [form, setForm] = useState({ resolution: "rollback", fixChange: "", resolvedAt: "" });
  const { pending, fieldErrors, run } = useAction();
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [key]: e.target.value });
  const prefix = `resolve-${id}`;
  return (
    <details className="group">
      <summary className="cursor-pointer text-sm font-medium text-brand-700 hover:underline">Resolve</summary>
      <form
        aria-label={`Resolve ${title}`}
        className="mt-2 w-64 space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          run(() =>
            resolve(id, { resolution: form.resolution, fixChange: form.fixChange.trim() || null, resolvedAt: utcIso(form.resolvedAt) }),
          );
        }}
      >
        <div>
          <Label htmlFor={`${prefix}-resolution`}>Resolution</Label>
          <Select id={`${prefix}-resolution`} value={form.resolution} onChange={set("resolution")}>
            {RESOLUTIONS.map((r) => (
              <option key={r} value={r}>
                {r.replace("_", " ")}
              </option>
            ))}
          </Select>
        </div>
        <div>
          <Label htmlFor={`${prefix}-fix`}>Fix change</Label>
          <Input
            id={`${prefix}-fix`}
            value={form.fixChange}
            onChange={set("fixChange")}
            placeholder="CR-42 (for a fix forward)"
            aria-describedby={`${prefix}-fix-error`}
          />
          <FieldError id={`${prefix}-fix-error`} messages={fieldErrors.fixChange} />
        </div>
        <div>
          <Label htmlFor={`${prefix}-at`}>Resolved at (UTC)</Label>
          <Input
            id={`${prefix}-at`}
            type="datetime-local"
            value={form.resolvedAt}
            onChange={set("resolvedAt")}
            aria-describedby={`${prefix}-at-error`}
          />
          <FieldError id={`${prefix}-at-error`} messages={fieldErrors.resolvedAt ?? fieldErrors.resolution} />
        </div>
        <Button type="submit" disabled={pending} className="w-full">
          {pending ? "Resolving…" : "Mark resolved"}
        </Button>
      </form>
    </details>
  );
}
