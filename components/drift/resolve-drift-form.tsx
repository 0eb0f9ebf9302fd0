"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Textarea } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction } from "@/components/ui/use-action";
import { DRIFT_ACTIONS, MAX_ACCEPTANCE_DAYS, type DriftAction } from "@/lib/domain/drift";
import { DRIFT_ACTION_LABELS } from "./drift-labels";
import type { DriftResolutionInput, ResolveDriftOutcome } from "./drift-types";

const HINTS: Record<DriftAction, string> = {
  adopt: "Opens a change record proposing what was observed; it goes through review like any change.",
  restore: "You are putting the approved version back; the next in-sync observation closes the record.",
  accept: "Live with the difference for a while; the record opens again on the expiry date if the agent still drifts.",
};

/**
 * How an owner resolves one open drift record: the action, why, and (for accepting the risk) until when.
 * Adopting lands on the new change record.
 */
export function ResolveDriftForm({
  record,
  expiryRange,
  resolve,
}: {
  record: { id: string; label: string; resolution: { action: DriftAction } | null; resolvedAt: number | null };
  /** The dates an acceptance may run to (UTC calendar days), from tomorrow to 90 days out. */
  expiryRange: { min: string; max: string };
  resolve: (ref: string, input: DriftResolutionInput) => Promise<ResolveDriftOutcome>;
}) {
  const router = useRouter();
  const [action, setAction] = useState<DriftAction>(record.resolution?.action === "adopt" ? "restore" : "adopt");
  const [reason, setReason] = useState("");
  const [expiresOn, setExpiresOn] = useState("");
  const { pending, fieldErrors, run } = useAction();
  const id = (name: string) => `drift-${record.id}-${name}`;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    let change: string | undefined;
    run(
      async () => {
        const result = await resolve(record.label, {
          action,
          reason,
          expiresOn: action === "accept" ? expiresOn : "",
          seenResolvedAt: record.resolvedAt,
        });
        if (result.ok) change = result.change;
        return result;
      },
      () => {
        setReason("");
        if (change) router.push(`/changes/${change}`);
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label={`Resolve ${record.label}`} className="space-y-3 border-t border-amber-200 pt-4">
      <fieldset>
        <legend className="mb-1.5 text-sm font-medium text-slate-700">{record.resolution ? "Change the resolution" : "Resolve it"}</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-1">
          {DRIFT_ACTIONS.map((a) => (
            <label key={a} className="flex items-center gap-1.5 text-sm text-slate-800">
              <input type="radio" name={id("action")} value={a} checked={action === a} onChange={() => setAction(a)} />
              {DRIFT_ACTION_LABELS[a]}
            </label>
          ))}
        </div>
        <p className="mt-1 text-xs text-slate-500">{HINTS[action]}</p>
        <FieldError id={id("action-error")} messages={fieldErrors.action} />
      </fieldset>
      <div>
        <Label htmlFor={id("reason")} required>
          Reason
        </Label>
        <Textarea
          id={id("reason")}
          rows={2}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          required
          aria-invalid={Boolean(fieldErrors.reason)}
          aria-describedby={fieldErrors.reason ? id("reason-error") : undefined}
        />
        <FieldError id={id("reason-error")} messages={fieldErrors.reason} />
      </div>
      {action === "accept" && (
        <div>
          <Label htmlFor={id("expires")} required>
            Accept until (UTC)
          </Label>
          <Input
            id={id("expires")}
            type="date"
            className="w-auto"
            value={expiresOn}
            min={expiryRange.min}
            max={expiryRange.max}
            onChange={(e) => setExpiresOn(e.target.value)}
            required
            aria-invalid={Boolean(fieldErrors.expiresAt)}
            aria-describedby={[id("expires-hint"), fieldErrors.expiresAt ? id("expires-error") : ""].join(" ").trim()}
          />
          <p id={id("expires-hint")} className="mt-1 text-xs text-slate-500">
            At most {MAX_ACCEPTANCE_DAYS} days from today.
          </p>
          <FieldError id={id("expires-error")} messages={fieldErrors.expiresAt} />
        </div>
      )}
      <Button type="submit" disabled={pending}>
        {pending ? "Resolving…" : "Resolve drift"}
      </Button>
    </form>
  );
}
