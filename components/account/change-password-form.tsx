"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { PASSWORD_RULE } from "./password-rule";

type Change = (input: { currentPassword: string; newPassword: string }) => Promise<Outcome>;
const EMPTY = { currentPassword: "", newPassword: "" };

export function ChangePasswordForm({ change }: { change: Change }) {
  const [form, setForm] = useState(EMPTY);
  const { pending, fieldErrors, run } = useAction();
  return (
    <form
      aria-label="Change your password"
      className="max-w-sm space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        run(
          () => change(form),
          () => setForm(EMPTY),
        );
      }}
    >
      <div>
        <Label htmlFor="current-password">Current password</Label>
        <Input
          id="current-password"
          type="password"
          autoComplete="current-password"
          value={form.currentPassword}
          onChange={(e) => setForm({ ...form, currentPassword: e.target.value })}
          required
          aria-invalid={Boolean(fieldErrors.currentPassword)}
          aria-describedby="current-password-error"
        />
        <FieldError id="current-password-error" messages={fieldErrors.currentPassword} />
      </div>
      <div>
        <Label htmlFor="new-password">New password</Label>
        <Input
          id="new-password"
          type="password"
          autoComplete="new-password"
          value={form.newPassword}
          onChange={(e) => setForm({ ...form, newPassword: e.target.value })}
          required
          aria-invalid={Boolean(fieldErrors.newPassword)}
          aria-describedby="new-password-error new-password-help"
        />
        {!fieldErrors.newPassword && (
          <p id="new-password-help" className="mt-1 text-xs text-slate-500">
            {PASSWORD_RULE} Your other sessions end.
          </p>
        )}
        <FieldError id="new-password-error" messages={fieldErrors.newPassword} />
      </div>
      <Button type="submit" disabled={pending}>
        Change password
      </Button>
    </form>
  );
}
