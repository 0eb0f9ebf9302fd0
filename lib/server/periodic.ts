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
export async function claimPeriodicRun(job: string, everyMs: number, now = Date.now()): Promise<boolean> {
  const key = periodicKey(job);
  return withTransaction(async (tx) => {
    const last = await first(tx.select({ value: settings.value }).from(settings).where(eq(settings.key, key)));
    const lastRun = last ? Number(last.value) : Number.NEGATIVE_INFINITY;
    // A clock set back (or a run recorded in the future) must not stop the job for good.
    if (now - lastRun < everyMs && lastRun <= now) return false;
    await tx
      .insert(settings)
      .values({ key, value: String(now), updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: String(now), updatedAt: now } });
    return true;
  });
}
