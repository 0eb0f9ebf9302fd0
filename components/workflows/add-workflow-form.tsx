"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { WorkflowFields, type Person, type WorkflowForm } from "./workflow-fields";

const EMPTY: WorkflowForm = { name: "", owner: "", riskClass: "medium", riskReason: "" };

/** Adds a workflow; its slug is made from the name. */
export function AddWorkflowForm({ owners, add }: { owners: Person[]; add: (input: WorkflowForm) => Promise<Outcome> }) {
  const [form, setForm] = useState(EMPTY);
  const { pending, fieldErrors, run } = useAction();
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    run(
      () => add(form),
      () => setForm(EMPTY),
    );
  };
  return (
    <form onSubmit={submit} aria-label="Add a workflow" className="space-y-4">
      <WorkflowFields
        idPrefix="new-workflow"
        form={form}
        onChange={setForm}
        owners={owners}
        fieldErrors={fieldErrors}
        reasonHelp="Required: what makes the workflow this risky, e.g. “moves money” or “regulated customer communication”."
      />
      {owners.length === 0 && (
        <p className="text-sm text-amber-800">Nobody holds the workflow owner role yet: give it to someone on the People page first.</p>
      )}
      <Button type="submit" disabled={pending}>
        {pending ? "Adding…" : "Add workflow"}
      </Button>
    </form>
  );
}
