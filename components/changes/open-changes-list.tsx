import Link from "next/link";
import { ChangeStateBadge } from "@/components/changes/change-state-badge";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ChangeState } from "@/lib/domain/terms";

type OpenChange = { id: string; label: string; title: string; state: ChangeState; baseVersion: number | null; updatedAt: number };

/** Other open changes on the same agent: whichever is released first moves production under the others. */
export function OpenChangesList({ changes, now }: { changes: OpenChange[]; now: number }) {
  return (
    <ul className="divide-y divide-slate-100 text-sm">
      {changes.map((c) => (
        <li key={c.id} className="py-2 first:pt-0 last:pb-0">
          <div className="flex items-center justify-between gap-2">
            <Link href={`/changes/${c.label}`} className="min-w-0 truncate font-medium text-brand-700 hover:underline">
              {c.label} {c.title || "(no title yet)"}
            </Link>
            <ChangeStateBadge state={c.state} />
          </div>
          <p className="text-xs text-slate-500">
            {c.baseVersion ? `based on v${c.baseVersion}` : "a new agent"} · updated <RelativeTime at={c.updatedAt} now={now} />
          </p>
        </li>
      ))}
    </ul>
  );
}
