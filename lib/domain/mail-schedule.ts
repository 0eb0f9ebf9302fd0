/** When mail is sent: retries after a failure, and the daily digest. Times are UTC epoch milliseconds. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The first retry comes a minute after a failure; each later one waits twice as long, at most four hours. */
export const FIRST_RETRY_MS = MINUTE;
export const LONGEST_RETRY_MS = 4 * HOUR;
/** A mail not sent within a day of being queued is given up on (marked failed, its error kept). */
export const GIVE_UP_AFTER_MS = DAY;

/** How long to wait after the `failures`-th failed attempt (1 for the first). */
export function retryDelay(failures: number): number {
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`failures is a whole number from 1, not ${failures}`);
  return Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30), LONGEST_RETRY_MS);
}

/** After a failed attempt: when to try again, or null to give up because the next try would fall past the day. */
export function nextAttemptAfterFailure(mail: { queuedAt: number; failures: number }, now: number): number | null {
  const next = now + retryDelay(mail.failures);
  return next - mail.queuedAt > GIVE_UP_AFTER_MS ? null : next;
}

/** The latest digest time at or before `now`: today at `hour` UTC, or yesterday's when that is still to come. */
export function latestDigestSlot(now: number, hour: number): number {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`A digest hour is 0 to 23, not ${hour}`);
  const today = Math.floor(now / DAY) * DAY + hour * HOUR;
  return today <= now ? today : today - DAY;
}

/**
 * Whether a digest is due: its latest slot has passed since the last one was made. A server down at the
 * slot catches up once when it is back; a day is never sent twice, whatever the restarts.
 */
export function digestDue(lastDigestAt: number, hour: number, now: number): boolean {
  return lastDigestAt < latestDigestSlot(now, hour);
}
