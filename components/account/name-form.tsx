"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";

export function NameForm({ name, save }: { name: string; save: (input: { name: string }) => Promise<Outcome> }) {
  const [value, setValue] = useState(name);
  const { pending, fieldErrors, run } = useAction();
  return (
    <form
      aria-label="Your name"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        run(() => save({ name: value }));
      }}
    >
      <div className="w-full max-w-sm">
        <Label htmlFor="account-name">Name</Label>
        <Input
          id="account-name"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
          maxLength={120}
          autoComplete="name"
          aria-invalid={Boolean(fieldErrors.name)}
          aria-describedby="account-name-error"
        />
        <FieldError id="account-name-error" messages={fieldErrors.name} />
      </div>
      <Button type="submit" disabled={pending}>
        Save name
      </Button>
    </form>
  );
}
