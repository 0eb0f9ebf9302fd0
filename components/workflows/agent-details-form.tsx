"use client";

import Link from "next/link";
import { useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { Input, Label, Select, Textarea } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { RISK_LEVELS, type RiskLevel } from "@/lib/domain/terms";
import type { Person } from "./workflow-fields";

export type AgentDetails = {
  name: string;
  description: string;
  engineeringOwner: string;
  rollbackOwner: string;
  workflow: string;
  runtimeNames: string[];
};
type TextFields = Omit<AgentDetails, "runtimeNames">;

/** The runtime names as typed, one a line: blank lines dropped, each trimmed. */
const namesOf = (text: string) =>
  text
    .split("\n")
    .map((n) => n.trim())
    .filter(Boolean);
type WorkflowChoice = { slug: string; name: string; riskClass: RiskLevel };

/** Edits an agent's name, description, owners, workflow and runtime names; only what differs is sent. */
export function AgentDetailsForm({
  slug,
  current,
  workflows,
  engineers,
  people,
  save,
}: {
  slug: string;
  current: AgentDetails;
  workflows: WorkflowChoice[];
  engineers: Person[];
  people: Person[];
  save: (slug: string, input: Partial<AgentDetails>) => Promise<Outcome>;
}) {
  const { runtimeNames: currentNames, ...currentText } = current;
  const [form, setForm] = useState<TextFields>(currentText);
  const [names, setNames] = useState(currentNames.join("\n"));
  const { pending, fieldErrors, run } = useAction();
  const classOf = (s: string) => workflows.find((w) => w.slug === s)?.riskClass ?? "low";
  const movesUp =
    form.workflow !== current.workflow && RISK_LEVELS.indexOf(classOf(form.workflow)) > RISK_LEVELS.indexOf(classOf(current.workflow));
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const diff: Partial<AgentDetails> = Object.fromEntries(
      Object.entries(form).filter(([k, v]) => v !== currentText[k as keyof TextFields]),
    );
    const typed = namesOf(names);
    if (JSON.stringify(typed) !== JSON.stringify(currentNames)) diff.runtimeNames = typed;
    run(() => save(slug, diff));
  };
  // An error about one name (runtimeNames.2) says which name it is about.
  const sent = namesOf(names);
  const nameErrors = Object.entries(fieldErrors).flatMap(([key, messages]) => {
    const item = /^runtimeNames\.(\d+)$/.exec(key);
    if (item) return messages.map((m) => `“${sent[Number(item[1])] ?? ""}”: ${m}`);
    return key === "runtimeNames" ? messages : [];
  });
  const field = (name: keyof AgentDetails) => ({
    id: `agent-${name}`,
    "aria-invalid": Boolean(fieldErrors[name]),
    "aria-describedby": `agent-${name}-error`,
  });
  const withCurrent = (list: Person[], email: string) => (list.some((p) => p.email === email) ? list : [{ email, name: email }, ...list]);
  return (
    <form onSubmit={submit} aria-label="Agent details" className="max-w-2xl space-y-4">
      <div>
        <Label htmlFor="agent-name">Name</Label>
        <Input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required maxLength={200} {...field("name")} />
        <FieldError id="agent-name-error" messages={fieldErrors.name} />
      </div>
      <div>
        <Label htmlFor="agent-description">Description</Label>
        <Textarea
          rows={3}
          value={form.description}
          onChange={(e) => setForm({ ...form, description: e.target.value })}
          maxLength={5000}
          {...field("description")}
        />
        <FieldError id="agent-description-error" messages={fieldErrors.description} />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <Label htmlFor="agent-engineeringOwner">Engineering owner</Label>
          <Select
            value={form.engineeringOwner}
            onChange={(e) => setForm({ ...form, engineeringOwner: e.target.value })}
            {...field("engineeringOwner")}
          >
            {withCurrent(engineers, current.engineeringOwner).map((p) => (
              <option key={p.email} value={p.email}>
                {p.name} ({p.email})
              </option>
            ))}
          </Select>
          <FieldError id="agent-engineeringOwner-error" messages={fieldErrors.engineeringOwner} />
        </div>
        <div>
          <Label htmlFor="agent-rollbackOwner">Rollback owner</Label>
          <Select
            value={form.rollbackOwner}
            onChange={(e) => setForm({ ...form, rollbackOwner: e.target.value })}
            {...field("rollbackOwner")}
          >
            {withCurrent(people, current.rollbackOwner).map((p) => (
              <option key={p.email} value={p.email}>
                {p.name} ({p.email})
              </option>
            ))}
          </Select>
          <FieldError id="agent-rollbackOwner-error" messages={fieldErrors.rollbackOwner} />
        </div>
      </div>
      <div>
        <Label htmlFor="agent-workflow">Workflow</Label>
        <Select value={form.workflow} onChange={(e) => setForm({ ...form, workflow: e.target.value })} {...field("workflow")}>
          {workflows.map((w) => (
            <option key={w.slug} value={w.slug}>
              {w.name} ({w.riskClass})
            </option>
          ))}
        </Select>
        <FieldError id="agent-workflow-error" messages={fieldErrors.workflow} />
        {movesUp && (
          <p role="note" className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset">
            This workflow’s risk class is higher. Saving re-assesses the agent’s open changes under it: where the tier rises or new roles
            must sign, their sign-offs are dismissed and asked again, and an approved change goes back to review.
          </p>
        )}
      </div>
      <div>
        <Label htmlFor="agent-runtimeNames">Runtime names</Label>
        <p id="agent-runtimeNames-hint" className="mb-1 text-xs text-slate-600">
          The names the agent’s runtime gives it in traces (<code>gen_ai.agent.name</code>), one a line, besides its slug{" "}
          <code className="whitespace-nowrap">{slug}</code>. Letters, digits, spaces and <code>_ . - :</code>; at most 20. A name can belong
          to one agent only.
        </p>
        <Textarea
          rows={3}
          value={names}
          onChange={(e) => setNames(e.target.value)}
          {...field("runtimeNames")}
          aria-invalid={nameErrors.length > 0}
          aria-describedby="agent-runtimeNames-hint agent-runtimeNames-error"
          className="font-mono"
        />
        <FieldError id="agent-runtimeNames-error" messages={nameErrors} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save details"}
        </Button>
        <Link href={`/agents/${slug}`} className={buttonClasses("secondary")}>
          Back to the agent
        </Link>
      </div>
    </form>
  );
}
