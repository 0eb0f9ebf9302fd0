"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import type { MergeConflict, MergeSide } from "@/lib/domain/spec-merge";

type Result = { ok: true; message: string } | { ok: false; message: string; conflicts?: MergeConflict[] };

type Action = { name: string; access: string; approval: string; limit?: { amount: number; unit: string } };
const isAction = (v: unknown): v is Action => typeof v === "object" && v !== null && "access" in v && "approval" in v;

/** A field's value as a reviewer reads it: an action as its access, approval and limit; absent as "not granted". */
function show(value: unknown, path: string): string {
  if (value === undefined) return path.startsWith("forbidden.") ? "not forbidden" : path.startsWith("tools.") ? "not granted" : "(none)";
  if (value === true && path.startsWith("forbidden.")) return "forbidden";
  if (isAction(value))
    return `${value.access}, approval ${value.approval}${value.limit ? `, limit ${value.limit.amount} ${value.limit.unit}` : ", no limit"}`;
  return typeof value === "string" ? value : JSON.stringify(value, null, 1);
}

/**
 * The author's "Update from production": re-applies the change's own edits on top of what production
 * runs now. Where both changed the same field, the author chooses, field by field, and updates again.
 */
export function UpdateFromProduction({
  changeId,
  update,
}: {
  changeId: string;
  update: (changeId: string, resolutions: Record<string, MergeSide>) => Promise<Result>;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [conflicts, setConflicts] = useState<MergeConflict[] | null>(null);
  const [choices, setChoices] = useState<Record<string, MergeSide>>({});
  const form = useRef<HTMLFormElement>(null);
  // The choices appear where the button was: take keyboard and screen-reader users there.
  useEffect(() => {
    if (conflicts) form.current?.focus();
  }, [conflicts]);
  const run = (resolutions: Record<string, MergeSide>) =>
    start(async () => {
      const result = await update(changeId, resolutions);
      if (result.ok) {
        toast.success(result.message);
        setConflicts(null);
        router.refresh();
        return;
      }
      // A conflict is a question for the author, not a failure.
      if (result.conflicts?.length) return setConflicts(result.conflicts);
      toast.error(result.message);
    });
  const unresolved = conflicts?.filter((c) => !choices[c.path]).length ?? 0;

  if (!conflicts) {
    return (
      <Button type="button" onClick={() => run({})} disabled={pending}>
        {pending ? "Updating…" : "Update from production"}
      </Button>
    );
  }
  return (
    <form
      ref={form}
      tabIndex={-1}
      aria-label="Resolve the conflicts with production"
      className="mt-3 space-y-3 outline-none"
      onSubmit={(e) => {
        e.preventDefault();
        run(choices);
      }}
    >
      <p className="text-sm font-medium">Both this change and production changed these fields. Choose what to keep for each:</p>
      {/* Announced to screen readers as the choices appear. */}
      <p className="sr-only" role="status">
        {conflicts.length} field{conflicts.length > 1 ? "s" : ""} to choose
      </p>
      {conflicts.map((c) => (
        <fieldset key={c.path} className="rounded-md border border-amber-200 bg-white p-3 text-sm">
          <legend className="px-1 font-medium text-slate-900">{c.label}</legend>
          <p className="text-xs text-slate-500">
            was <span className="font-mono break-words">{show(c.base, c.path)}</span>
          </p>
          {(["ours", "theirs"] as const).map((side) => (
            <label key={side} className="mt-1.5 flex items-start gap-2">
              <input
                type="radio"
                name={c.path}
                value={side}
                checked={choices[c.path] === side}
                onChange={() => setChoices((prev) => ({ ...prev, [c.path]: side }))}
                className="mt-1"
              />
              <span className="min-w-0">
                {side === "ours" ? "Keep this change's" : "Take production's"}:{" "}
                <span className="font-mono text-xs break-words">{show(side === "ours" ? c.ours : c.theirs, c.path)}</span>
              </span>
            </label>
          ))}
        </fieldset>
      ))}
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={pending || unresolved > 0}>
          {pending ? "Updating…" : "Update with these choices"}
        </Button>
        <Button type="button" variant="ghost" onClick={() => setConflicts(null)} disabled={pending}>
          Cancel
        </Button>
        {unresolved > 0 && <span className="text-xs text-slate-600">{unresolved} still to choose</span>}
      </div>
    </form>
  );
}
