"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { PASSWORD_RULE } from "./password-rule";

/** What a public form's action answers when it does not sign the person in (a success redirects). */
export type PublicFormState = { message?: string; fieldErrors?: Record<string, string[]>; values?: Record<string, string> };

type Field = { name: string; label: string; type: string; autoComplete: string };

const FIELDS: Record<"name" | "email" | "password", Field> = {
  name: { name: "name", label: "Name", type: "text", autoComplete: "name" },
  email: { name: "email", label: "Email", type: "email", autoComplete: "username" },
  password: { name: "password", label: "Password", type: "password", autoComplete: "new-password" },
};

/**
 * The first admin's setup (name, email, password) or an account link (password only). Plain form
 * submission: it works before any script has loaded, and a success signs the person in and redirects.
 */
export function PasswordForm({
  action,
  fields,
  submit,
  pendingLabel,
}: {
  action: (state: PublicFormState, form: FormData) => Promise<PublicFormState>;
  fields: (keyof typeof FIELDS)[];
  submit: string;
  pendingLabel: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {fields.map((key, i) => {
        const f = FIELDS[key];
        return (
          <div key={key}>
            <Label htmlFor={f.name}>{f.label}</Label>
            <Input
              id={f.name}
              name={f.name}
              type={f.type}
              autoComplete={f.autoComplete}
              required
              autoFocus={i === 0}
              defaultValue={key === "password" ? undefined : state.values?.[key]}
              aria-invalid={Boolean(errors[key])}
              aria-describedby={`${f.name}-error${key === "password" ? ` ${f.name}-help` : ""}`}
            />
            {key === "password" && !errors[key] && (
              <p id={`${f.name}-help`} className="mt-1 text-xs text-slate-500">
                {PASSWORD_RULE}
              </p>
            )}
            <FieldError id={`${f.name}-error`} messages={errors[key]} />
          </div>
        );
      })}
      {state.message && (
        <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-200 ring-inset">
          {state.message}
        </p>
      )}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? pendingLabel : submit}
      </Button>
    </form>
  );
}
