"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction } from "@/components/ui/use-action";
import type { Role } from "@/lib/domain/terms";
import { OneTimeLink } from "./one-time-link";
import { RoleCheckboxes } from "./role-checkboxes";

export type LinkOutcome =
  | { ok: true; message: string; url: string; emailedTo: string | null }
  | { ok: false; message: string; fieldErrors?: Record<string, string[]> };
type Add = (input: { email: string; name: string; roles: Role[] }) => Promise<LinkOutcome>;

const EMPTY = { email: "", name: "", roles: [] as Role[] };

/** Adds a person; their invitation link comes back once, for the admin to pass on (and is emailed to them when email is set up). */
export function AddPersonForm({ add }: { add: Add }) {
  const [form, setForm] = useState(EMPTY);
  const [invited, setInvited] = useState<{ email: string; url: string; emailedTo: string | null } | null>(null);
  const { pending, fieldErrors, run } = useAction();
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const sent = form;
    run(
      async () => {
        const result = await add(sent);
        if (result.ok) setInvited({ email: sent.email.trim().toLowerCase(), url: result.url, emailedTo: result.emailedTo });
        return result;
      },
      // Cleared once the page has refreshed, and only if nobody has started typing the next person meanwhile.
      () => setForm((current) => (current === sent ? EMPTY : current)),
    );
  };
  const roleErrors = Object.entries(fieldErrors).flatMap(([key, messages]) =>
    key === "roles" || key.startsWith("roles.") ? messages : [],
  );
  return (
    <div className="space-y-5">
      {invited && (
        <OneTimeLink
          title={`Invitation link for ${invited.email}`}
          url={invited.url}
          emailedTo={invited.emailedTo}
          onDone={() => setInvited(null)}
        />
      )}
      <form onSubmit={submit} aria-label="Add a person" className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <div>
            <Label htmlFor="person-email">Email</Label>
            <Input
              id="person-email"
              type="email"
              value={form.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
              required
              aria-invalid={Boolean(fieldErrors.email)}
              aria-describedby="person-email-error"
            />
            <FieldError id="person-email-error" messages={fieldErrors.email} />
          </div>
          <div>
            <Label htmlFor="person-name">Name</Label>
            <Input
              id="person-name"
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
              required
              maxLength={120}
              aria-invalid={Boolean(fieldErrors.name)}
              aria-describedby="person-name-error"
            />
            <FieldError id="person-name-error" messages={fieldErrors.name} />
          </div>
        </div>
        <RoleCheckboxes
          idPrefix="new-role"
          value={form.roles}
          onChange={(roles) => setForm({ ...form, roles })}
          describedBy="new-roles-error"
        />
        <FieldError id="new-roles-error" messages={roleErrors} />
        <Button type="submit" disabled={pending}>
          {pending ? "Adding…" : "Add person"}
        </Button>
      </form>
    </div>
  );
}
