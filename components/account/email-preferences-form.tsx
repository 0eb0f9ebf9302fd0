"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Label, Select } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import {
  EMAIL_DELIVERIES,
  EMAIL_DELIVERY_LABELS,
  NOTIFICATION_KIND_LABELS,
  NOTIFICATION_KINDS,
  type EmailPreferences,
} from "@/lib/domain/mail-preferences";

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const hourLabel = (h: number) => `${String(h).padStart(2, "0")}:00 UTC`;

/** How and about what you are emailed; saved even while the installation sends no email. */
export function EmailPreferencesForm({
  preferences,
  emailConfigured,
  save,
}: {
  preferences: EmailPreferences;
  emailConfigured: boolean;
  save: (input: EmailPreferences) => Promise<Outcome>;
}) {
  const [value, setValue] = useState(preferences);
  const { pending, fieldErrors, run } = useAction();
  const off = value.delivery === "off";
  return (
    <form
      aria-label="Email"
      className="space-y-5"
      onSubmit={(e) => {
        e.preventDefault();
        run(() => save(value));
      }}
    >
      {!emailConfigured && (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950">
          Email is not set up on this installation; ask an admin. You can still choose now: your choices apply once it is.
        </p>
      )}
      <fieldset aria-describedby="email-delivery-error">
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Email me</legend>
        <ul className="flex flex-wrap gap-x-5 gap-y-2">
          {EMAIL_DELIVERIES.map((delivery) => (
            <li key={delivery} className="flex items-center gap-1.5">
              <input
                type="radio"
                name="email-delivery"
                id={`email-delivery-${delivery}`}
                className="size-4 accent-brand-600"
                checked={value.delivery === delivery}
                onChange={() => setValue({ ...value, delivery })}
              />
              <label htmlFor={`email-delivery-${delivery}`} className="text-sm text-slate-800">
                {EMAIL_DELIVERY_LABELS[delivery]}
              </label>
            </li>
          ))}
        </ul>
        <FieldError id="email-delivery-error" messages={fieldErrors.delivery} />
      </fieldset>
      {value.delivery === "daily_digest" && (
        <div className="w-full max-w-56">
          <Label htmlFor="email-digest-hour">Digest sent at</Label>
          <Select
            id="email-digest-hour"
            value={value.digestHour}
            onChange={(e) => setValue({ ...value, digestHour: Number(e.target.value) })}
            aria-invalid={Boolean(fieldErrors.digestHour)}
            aria-describedby="email-digest-hour-hint email-digest-hour-error"
          >
            {HOURS.map((h) => (
              <option key={h} value={h}>
                {hourLabel(h)}
              </option>
            ))}
          </Select>
          <p id="email-digest-hour-hint" className="mt-1 text-xs text-slate-500">
            Lists what waits for your sign-off, and what happened since the last one. Nothing new, no email.
          </p>
          <FieldError id="email-digest-hour-error" messages={fieldErrors.digestHour} />
        </div>
      )}
      <fieldset disabled={off} aria-describedby="email-kinds-error" className="disabled:opacity-60">
        <legend className="mb-1.5 text-sm font-medium text-slate-700">About</legend>
        <ul className="grid gap-x-6 gap-y-2 sm:grid-cols-2">
          {NOTIFICATION_KINDS.map((kind) => (
            <li key={kind} className="flex items-center gap-1.5">
              <input
                type="checkbox"
                id={`email-kind-${kind}`}
                className="size-4 accent-brand-600"
                checked={value.kinds.includes(kind)}
                onChange={(e) =>
                  setValue({ ...value, kinds: e.target.checked ? [...value.kinds, kind] : value.kinds.filter((k) => k !== kind) })
                }
              />
              <label htmlFor={`email-kind-${kind}`} className="text-sm text-slate-800">
                {NOTIFICATION_KIND_LABELS[kind]}
              </label>
            </li>
          ))}
        </ul>
        <FieldError id="email-kinds-error" messages={fieldErrors.kinds} />
      </fieldset>
      <p className="text-xs text-slate-500">Everything still shows under the bell in the app, whatever you choose here.</p>
      <Button type="submit" disabled={pending}>
        Save email preferences
      </Button>
    </form>
  );
}
