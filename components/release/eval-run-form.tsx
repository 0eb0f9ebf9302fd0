"use client";

import { CopyText } from "@/components/ui/copy-text";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";

type Record_ = (changeId: string, input: Record<string, unknown>) => Promise<Outcome>;

const EMPTY = { environment: "staging", suite: "", passed: "", failed: "0", regressions: "0", reportUrl: "" };

/** Records an eval run for the change's exact spec; the numbers are checked by the server too. */
export function EvalRunForm({
  changeId,
  agent,
  specHash,
  suggestedSuite,
  record,
}: {
  changeId: string;
  agent: string;
  specHash: string;
  suggestedSuite: string;
  record: Record_;
}) {
  const [form, setForm] = useState({ ...EMPTY, suite: suggestedSuite });
  const { pending, fieldErrors, run } = useAction();
  const set = (key: keyof typeof EMPTY) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [key]: e.target.value });
  const number = (v: string) => (v.trim() === "" ? undefined : Number(v));
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    run(
      () =>
        record(changeId, {
          agent,
          specHash,
          environment: form.environment,
          suite: form.suite,
          passed: number(form.passed),
          failed: number(form.failed),
          regressions: number(form.regressions),
          reportUrl: form.reportUrl.trim() || null,
        }),
      () => setForm({ ...EMPTY, suite: form.suite }),
    );
  };
  const field = (key: keyof typeof EMPTY, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <div>
      <Label htmlFor={`eval-${key}`}>{label}</Label>
      <Input
        id={`eval-${key}`}
        value={form[key]}
        onChange={set(key)}
        aria-invalid={Boolean(fieldErrors[key])}
        aria-describedby={`eval-${key}-error`}
        {...props}
      />
      <FieldError id={`eval-${key}-error`} messages={fieldErrors[key]} />
    </div>
  );
  return (
    <form onSubmit={submit} className="space-y-3" aria-label="Record an eval run">
      <div className="space-y-1 text-xs text-slate-500">
        <p>For this exact spec:</p>
        <CopyText value={specHash} label="spec hash" />
        <p>
          A CI pipeline records the same with <span className="font-mono">POST /api/v1/evals</span>, this full spec hash and a token with
          the evals:write scope.
        </p>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <Label htmlFor="eval-environment">Environment</Label>
          <Select id="eval-environment" value={form.environment} onChange={set("environment")}>
            <option value="development">development</option>
            <option value="staging">staging</option>
            <option value="production">production</option>
          </Select>
        </div>
        {field("suite", "Suite", { required: true })}
        {field("passed", "Passed", { type: "number", min: 0, required: true, inputMode: "numeric" })}
        {field("failed", "Failed", { type: "number", min: 0, required: true, inputMode: "numeric" })}
        {field("regressions", "Regressions", { type: "number", min: 0, inputMode: "numeric" })}
        {field("reportUrl", "Report link", { type: "url", placeholder: "https://…" })}
      </div>
      <FieldError messages={fieldErrors.specHash ?? fieldErrors.body} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Recording…" : "Record eval run"}
      </Button>
    </form>
  );
}
