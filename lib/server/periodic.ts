import "server-only";
import { eq } from "drizzle-orm";
import { first, withTransaction } from "@/db";
import { settings } from "@/db/schema";

/** The settings key under which a periodic job's last run is kept. */
export const periodicKey = (job: string) => `periodic:${job}`;

/**
 * Claims this period's run of a background job for this instance: true for exactly one caller per
 * `everyMs`, whichever instance (or process) asks first, false for every other. The last run's time is
 * kept in the store and claimed in a transaction (serializable on PostgreSQL, the single writer on
 * SQLite), so two instances sharing a database never both run retention, staleness or verification for
 * the same period. A run that fails is not retried until the next period: the job's own idempotence
 * (deleting what is past retention, recording what is overdue once) makes that safe.
 */
/** How early a run may come and still be this period's: a twentieth of the period, at most five seconds. */
const slackOf = (everyMs: number) => Math.min(5_000, everyMs / 20);

export async function claimPeriodicRun(job: string, everyMs: number, now = Date.now()): Promise<boolean> {
  const key = periodicKey(job);
  return withTransaction(async (tx) => {
    const last = await first(tx.select({ value: settings.value }).from(settings).where(eq(settings.key, key)));
    const lastRun = last ? Number(last.value) : Number.NEGATIVE_INFINITY;
    // A timer fires a little early or late: a run due within the slack counts as due, or a job ticking once a
    // period would skip every other one. Instances' clocks differ: a run recorded ahead of this clock counts
    // as this period's too, and only one set back more than a period (or set wrong) lets the job run again.
    if (Math.abs(now - lastRun) < everyMs - slackOf(everyMs)) return false;
    await tx
      .insert(settings)
      .values({ key, value: String(now), updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: String(now), updatedAt: now } });
    return true;
  });
}
