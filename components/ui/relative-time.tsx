import { formatDistanceStrict } from "date-fns";

/** "3 days ago", with the exact UTC time on hover. `now` is the request time, passed down so one page uses one clock. */
export function RelativeTime({ at, now, empty = "—" }: { at: number | null | undefined; now: number; empty?: string }) {
  if (at === null || at === undefined) return <span className="text-slate-400">{empty}</span>;
  const iso = new Date(at).toISOString();
  return (
    <time dateTime={iso} title={iso.replace("T", " ").slice(0, 16) + " UTC"}>
      {formatDistanceStrict(at, now, { addSuffix: true })}
    </time>
  );
}
