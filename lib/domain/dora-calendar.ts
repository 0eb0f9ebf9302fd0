/** The UTC calendar the DORA metrics are bucketed by: days, ISO weeks (from Monday) and months. */

export const DAY = 24 * 3_600_000;
export const WEEK = 7 * DAY;

/** Monday 00:00 UTC of the ISO week holding `t`. */
export function isoWeekStart(t: number): number {
  const midnight = Math.floor(t / DAY) * DAY;
  // getUTCDay counts from Sunday; ISO weeks start on Monday.
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return midnight - sinceMonday * DAY;
}

/** The Mondays of the ISO weeks overlapping [from, to), oldest first. */
export function isoWeekStarts(range: { from: number; to: number }): number[] {
  const starts: number[] = [];
  for (let monday = isoWeekStart(range.from); monday < range.to; monday += WEEK) starts.push(monday);
  return starts;
}

/** The calendar months overlapping [from, to), each as its own [from, to). */
export function monthsOverlapping(range: { from: number; to: number }): { from: number; to: number }[] {
  const first = new Date(range.from);
  const monthStart = (offset: number) => Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + offset, 1);
  const months: { from: number; to: number }[] = [];
  for (let i = 0; monthStart(i) < range.to; i++) months.push({ from: monthStart(i), to: monthStart(i + 1) });
  return months;
}

/** How many distinct UTC days the instants fall on. */
export function utcDays(times: number[]): number {
  return new Set(times.map((t) => Math.floor(t / DAY))).size;
}

/** YYYY-MM-DD of an instant, in UTC. */
export function isoDate(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
