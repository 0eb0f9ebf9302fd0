"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { WorkflowFields, type Person, type WorkflowForm } from "./workflow-fields";

/**
 * Renames a workflow, changes its owner or its risk class. Only what differs is sent; a new class goes
 * with its reason, which the admin must write afresh.
 */
export function ChangeWorkflowForm({
  slug,
  current,
  owners,
  change,
}: {
  slug: string;
  current: WorkflowForm;
  owners: Person[];
  change: (slug: string, input: Partial<WorkflowForm>) => Promise<Outcome>;
}) {
  const [form, setForm] = useState(current);
  const { pending, fieldErrors, run } = useAction();
  const classChanges = form.riskClass !== current.riskClass;
  // A new class asks for a new reason: choosing one clears the old reason; going back restores it.
  const pick = (next: WorkflowForm) => {
    if (next.riskClass === form.riskClass) return setForm(next);
    if (next.riskClass === current.riskClass) return setForm({ ...next, riskReason: current.riskReason });
    setForm({ ...next, riskReason: form.riskReason === current.riskReason ? "" : form.riskReason });
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const diff: Partial<WorkflowForm> = {};
    if (form.name !== current.name) diff.name = form.name;
    if (form.owner !== current.owner) diff.owner = form.owner;
    if (classChanges) diff.riskClass = form.riskClass;
    // A blank reason is left out, so the server's answer says a new class needs one.
    if (form.riskReason.trim() && (classChanges || form.riskReason !== current.riskReason)) diff.riskReason = form.riskReason;
    run(() => change(slug, diff));
  };
  // The owner may no longer hold the role; keep them choosable so the form shows the truth.
  const choices = owners.some((p) => p.email === current.owner) ? owners : [{ email: current.owner, name: current.owner }, ...owners];
  return (
    <form onSubmit={submit} aria-label={`Change ${current.name}`} className="space-y-4">
      <WorkflowFields
        idPrefix={`workflow-${slug}`}
        form={form}
        onChange={pick}
        owners={choices}
        fieldErrors={fieldErrors}
        reasonHelp={
          classChanges
            ? `Required: why ${current.name} is now ${form.riskClass}. Changes already in review keep the tier they were assessed with.`
            : "Changing the class asks for a new reason."
        }
      />
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Save changes"}
      </Button>
    </form>
  );
}
