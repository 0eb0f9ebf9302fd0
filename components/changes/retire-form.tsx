"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Input, Label, Select, Textarea } from "@/components/ui/field";

export type RetireFields = { title: string; rationale: string; rollbackPlan: string; rollbackOwner: string; monitoring: string };
type Result = { ok: true; label: string } | { ok: false; message: string; fieldErrors?: Record<string, string[]> };

/** A retire change's own fields: no spec (it retires the one production runs), the reason, and the way back. */
export function RetireForm({
  initial,
  people,
  submitLabel,
  send,
}: {
  initial: RetireFields;
  people: { email: string; name: string }[];
  submitLabel: string;
  send: (fields: RetireFields) => Promise<Result>;
}) {
  const router = useRouter();
  const [fields, setFields] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [pending, start] = useTransition();
  const set = (patch: Partial<RetireFields>) => setFields((f) => ({ ...f, ...patch }));
  const field = (name: keyof RetireFields, label: string, control: React.ReactNode, required = true) => (
    <div>
      <Label htmlFor={name} required={required}>
        {label}
      </Label>
      {control}
      <FieldError id={`${name}-error`} messages={errors[name]} />
    </div>
  );
  const described = (name: keyof RetireFields) => ({
    id: name,
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `${name}-error` : undefined,
  });

  return (
    <form
      className="space-y-4"
      onSubmit={(event) => {
        event.preventDefault();
        start(async () => {
          const result = await send(fields);
          if (result.ok) {
            toast.success(`${result.label} saved`);
            router.push(`/changes/${result.label}`);
            return;
          }
          setErrors(result.fieldErrors ?? {});
          toast.error(result.message);
        });
      }}
    >
      {field("title", "Title", <Input {...described("title")} value={fields.title} onChange={(e) => set({ title: e.target.value })} />)}
      {field(
        "rationale",
        "Why the agent is retired, and who takes over its work",
        <Textarea {...described("rationale")} rows={4} value={fields.rationale} onChange={(e) => set({ rationale: e.target.value })} />,
      )}
      {field(
        "rollbackPlan",
        "Rollback plan: how to bring it back if retiring it was a mistake",
        <Textarea
          {...described("rollbackPlan")}
          rows={3}
          value={fields.rollbackPlan}
          onChange={(e) => set({ rollbackPlan: e.target.value })}
        />,
      )}
      {field(
        "rollbackOwner",
        "Rollback owner",
        <Select {...described("rollbackOwner")} value={fields.rollbackOwner} onChange={(e) => set({ rollbackOwner: e.target.value })}>
          <option value="">Choose a person…</option>
          {people.map((p) => (
            <option key={p.email} value={p.email}>
              {p.name} ({p.email})
            </option>
          ))}
        </Select>,
      )}
      {field(
        "monitoring",
        "Monitoring: what tells you the work is covered without it",
        <Textarea {...described("monitoring")} rows={2} value={fields.monitoring} onChange={(e) => set({ monitoring: e.target.value })} />,
        false,
      )}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
