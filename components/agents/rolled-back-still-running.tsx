"use client";

import { AlertTriangle, Undo2 } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { UtcTime } from "@/components/ui/utc-time";

type Item = {
  environment: string;
  version: number;
  rolledBackAt: number;
  rolledBackBy: string;
  change: { label: string; title: string } | null;
  incident: { id: string; title: string } | null;
  rollBackTo: number | null;
};
type RollBack = (slug: string, environments: { environment: string; expectedVersion: number }[]) => Promise<Outcome>;

const names = (items: { environment: string }[]) => items.map((i) => i.environment).join(" and ");
const atStart = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Development or staging still running a version production rolled back: they test against what production
 * refused. One action rolls them all back to their previous approved version.
 */
export function RolledBackStillRunning({
  slug,
  items,
  canRollBack,
  rollBack,
}: {
  slug: string;
  items: Item[];
  canRollBack: boolean;
  rollBack: RollBack;
}) {
  const { pending, run } = useAction();
  if (items.length === 0) return null;
  // Environments running the same version share one production rollback: say it once.
  const groups = [...new Set(items.map((i) => i.version))].map((v) => items.filter((i) => i.version === v));
  const possible = items.filter((i) => i.rollBackTo !== null);
  const stuck = items.filter((i) => i.rollBackTo === null);
  return (
    <section
      aria-label="Still running a version rolled back in production"
      className="flex gap-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950"
    >
      <AlertTriangle aria-hidden className="mt-0.5 size-5 shrink-0 text-amber-600" />
      <div className="min-w-0 flex-1 space-y-2">
        <ul className="space-y-1">
          {groups.map((g) => (
            <li key={g[0]!.version}>
              <span className="font-semibold">{atStart(names(g))}</span> still {g.length > 1 ? "run" : "runs"} v{g[0]!.version}, which was
              rolled back in production on <UtcTime at={g[0]!.rolledBackAt} /> by {g[0]!.rolledBackBy}
              <Context item={g[0]!} slug={slug} />.
            </li>
          ))}
        </ul>
        {stuck.length > 0 && (
          <p className="text-amber-900">
            {atStart(names(stuck))} {stuck.length > 1 ? "have" : "has"} no earlier approved version to roll back to: promote a fix there
            instead.
          </p>
        )}
        {possible.length > 0 &&
          (canRollBack ? (
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1 pt-1">
              <Button
                type="button"
                disabled={pending}
                className="h-auto min-h-9 bg-amber-700 py-1.5 text-left whitespace-normal hover:bg-amber-800"
                onClick={() =>
                  run(() =>
                    rollBack(
                      slug,
                      possible.map((i) => ({ environment: i.environment, expectedVersion: i.version })),
                    ),
                  )
                }
              >
                <Undo2 aria-hidden className="size-4" />
                {pending ? "Rolling back…" : `Roll back ${names(possible)} too`}
              </Button>
              <span className="text-xs text-amber-900">
                restores {possible.map((i) => `${i.environment} v${i.rollBackTo}`).join(", ")}; no new incident is opened
              </span>
            </div>
          ) : (
            <p className="text-xs text-amber-900">
              The agent&apos;s rollback owner or operations can roll {possible.length > 1 ? "them" : "it"} back.
            </p>
          ))}
      </div>
    </section>
  );
}

/** The change whose release was rolled back, and the incident raised on it. */
function Context({ item, slug }: { item: Item; slug: string }) {
  if (!item.change) return null;
  return (
    <>
      {" "}
      (
      <Link href={`/changes/${item.change.label}`} className="underline">
        {item.change.label}
      </Link>
      {item.incident && (
        <>
          , incident{" "}
          <Link href={`/incidents?agent=${slug}`} className="underline">
            “{item.incident.title}”
          </Link>
        </>
      )}
      )
    </>
  );
}
