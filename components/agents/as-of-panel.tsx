import { buttonClasses } from "@/components/ui/button";
import { Label } from "@/components/ui/field";
import { UtcTime } from "@/components/ui/utc-time";
import type { ComponentProps } from "react";
import { EnvironmentsPanel } from "./environments-panel";

type Environments = ComponentProps<typeof EnvironmentsPanel>["environments"];

/** "What ran on date D": pick an instant (UTC) and see each environment's version then, and who approved it. */
export function AsOfPanel({
  slug,
  at,
  environments,
  error,
  now,
}: {
  slug: string;
  at: number | null;
  environments: Environments | null;
  error: string | null;
  now: number;
}) {
  const value = at === null ? "" : new Date(at).toISOString().slice(0, 19);
  return (
    <div className="space-y-4">
      <form action={`/agents/${slug}`} className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1">
          <Label htmlFor="as-of">Date and time (UTC)</Label>
          <input
            id="as-of"
            name="at"
            type="datetime-local"
            step={1}
            defaultValue={value}
            required
            className="h-9 w-full rounded-md border border-slate-300 bg-white px-3 text-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 focus:outline-none"
          />
        </div>
        <button type="submit" className={buttonClasses("secondary")}>
          Show what ran
        </button>
      </form>
      {error && (
        <p role="alert" className="text-sm text-rose-700">
          {error}
        </p>
      )}
      {at !== null && environments && (
        <div aria-label="As of result">
          <p className="mb-3 text-sm text-slate-700">
            As of <UtcTime at={at} seconds />:
          </p>
          <EnvironmentsPanel environments={environments} now={now} showApprovals />
        </div>
      )}
    </div>
  );
}
