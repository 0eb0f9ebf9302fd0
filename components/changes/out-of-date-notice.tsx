import { RelativeTime } from "@/components/ui/relative-time";

/**
 * Says plainly that production moved under a change: what it was based on, what production runs now
 * and since which change, and what releasing it as it stands would do there.
 */
export function OutOfDateNotice({
  label,
  baseVersion,
  production,
  escalations,
  now,
  action,
}: {
  label: string;
  baseVersion: number | null;
  production: { number: number; changeLabel: string | null; since: number };
  escalations: string[];
  now: number;
  action: React.ReactNode;
}) {
  return (
    <section role="status" aria-label="Out of date" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
      <p className="font-medium">
        Out of date: {label} is {baseVersion ? `based on v${baseVersion}` : "proposed as a new agent"}; production runs v{production.number}
        {production.changeLabel ? ` since ${production.changeLabel}` : ""} (<RelativeTime at={production.since} now={now} />
        ).
      </p>
      <p className="mt-1">
        Its diff and risk tier below are computed against v{production.number}; the sign-offs asked are those of its last review. It cannot
        be approved, nor promoted to staging or production, until it is updated from production and reviewed on the result.
      </p>
      {escalations.length > 0 && (
        <div className="mt-2">
          <p>Released as it stands, it would escalate in production:</p>
          <ul className="mt-1 list-disc pl-5">
            {escalations.map((e) => (
              <li key={e} className="break-words">
                {e}
              </li>
            ))}
          </ul>
        </div>
      )}
      {action ? <div className="mt-3">{action}</div> : <p className="mt-2 text-xs">Its author can update it from production.</p>}
    </section>
  );
}
