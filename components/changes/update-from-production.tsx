"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import type { MergeConflict, MergeSide } from "@/lib/domain/spec-merge";

type Result = { ok: true; message: string } | { ok: false; message: string; conflicts?: MergeConflict[] };

const show = (value: unknown) => (value === undefined ? "(absent)" : typeof value === "string" ? value : JSON.stringify(value));

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
  const run = (resolutions: Record<string, MergeSide>) =>
    start(async () => {
      const result = await update(changeId, resolutions);
      if (result.ok) {
        toast.success(result.message);
        setConflicts(null);
        router.refresh();
        return;
      }
      if (result.conflicts?.length) setConflicts(result.conflicts);
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
      className="mt-3 space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        run(choices);
      }}
    >
      <p className="text-sm font-medium">Both this change and production changed these fields. Choose what to keep for each:</p>
      {conflicts.map((c) => (
        <fieldset key={c.path} className="rounded-md border border-amber-200 bg-white p-3 text-sm">
          <legend className="px-1 font-medium text-slate-900">{c.label}</legend>
          <p className="text-xs text-slate-500">
            was <span className="font-mono break-all">{show(c.base)}</span>
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
                <span className="font-mono text-xs break-all">{show(side === "ours" ? c.ours : c.theirs)}</span>
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
