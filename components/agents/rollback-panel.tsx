"use client";

import { Undo2 } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Label, Select, Textarea } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { SeveritySelect } from "@/components/incidents/severity-select";

type Option = { environment: string; from: number; to: number };
type Rollback = (
  slug: string,
  input: { environment: string; reason: string; severity?: string; expectedVersion?: number },
) => Promise<Outcome>;

/** One action: put the previous approved version back, saying why. In production it also opens or links an incident. */
export function RollbackPanel({ slug, options, rollback }: { slug: string; options: Option[]; rollback: Rollback }) {
  const [environment, setEnvironment] = useState(
    options.find((o) => o.environment === "production")?.environment ?? options[0]?.environment ?? "",
  );
  const [reason, setReason] = useState("");
  const [severity, setSeverity] = useState("sev3");
  const { pending, fieldErrors, run } = useAction();
  const chosen = options.find((o) => o.environment === environment);
  if (!chosen) return <p className="text-sm text-slate-500">No environment has an earlier approved version to roll back to.</p>;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    run(
      () =>
        rollback(slug, {
          environment,
          reason,
          severity: environment === "production" ? severity : undefined,
          expectedVersion: chosen.from,
        }),
      () => setReason(""),
    );
  };
  return (
    <form onSubmit={submit} aria-label="Roll back" className="space-y-3">
      <div>
        <Label htmlFor="rollback-environment">Environment</Label>
        <Select id="rollback-environment" value={environment} onChange={(e) => setEnvironment(e.target.value)}>
          {options.map((o) => (
            <option key={o.environment} value={o.environment}>
              {o.environment}: v{o.from} → v{o.to}
            </option>
          ))}
        </Select>
      </div>
      <div>
        <Label htmlFor="rollback-reason">Reason</Label>
        <Textarea
          id="rollback-reason"
          rows={2}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          required
          placeholder="What went wrong"
          aria-invalid={Boolean(fieldErrors.reason)}
          aria-describedby="rollback-reason-error"
        />
        <FieldError id="rollback-reason-error" messages={fieldErrors.reason} />
      </div>
      {environment === "production" && (
        <div>
          <Label htmlFor="rollback-severity">Incident severity (when a new incident is opened)</Label>
          <SeveritySelect id="rollback-severity" value={severity} onChange={(e) => setSeverity(e.target.value)} />
        </div>
      )}
      <Button type="submit" disabled={pending} className="bg-amber-700 hover:bg-amber-800">
        <Undo2 aria-hidden className="size-4" />
        {pending ? "Rolling back…" : `Roll back ${environment} to v${chosen.to}`}
      </Button>
    </form>
  );
}
