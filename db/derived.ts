import { eq } from "drizzle-orm";
import { rebuildDoraFacts } from "./dora-facts";
import { first, getDb, withTransaction, type DB } from "./index";
import { settings } from "./schema";

/*
 * Tables derived from the history (dora_facts and its day sums) are kept current by the use cases that
 * write the history, in the same transaction. A database that was written before they existed, or before
 * their rules last changed, is brought up to date once, when the store is prepared at start (after
 * migrating), never inside a request. A marker in `settings` records which version of the rules the
 * tables were built with.
 */

/** Bump when the derivation or the columns of the derived tables change: the next start rebuilds them. */
export const DERIVED_TABLES_VERSION = "dora-facts-2";
const MARKER = "derived_tables_version";

async function builtWith(db: DB): Promise<string | undefined> {
  return (await first(db.select({ value: settings.value }).from(settings).where(eq(settings.key, MARKER))))?.value;
}

/** Rebuilds the derived tables when the marker says they were not built by these rules; returns whether it did. */
export async function backfillDerivedTables(db: DB = getDb()): Promise<boolean> {
  if ((await builtWith(db)) === DERIVED_TABLES_VERSION) return false;
  return withTransaction(async (tx) => {
    // Another process may have built them while this one waited for the lock.
    if ((await builtWith(tx)) === DERIVED_TABLES_VERSION) return false;
    await rebuildDoraFacts(tx);
    const now = Date.now();
    await tx
      .insert(settings)
      .values({ key: MARKER, value: DERIVED_TABLES_VERSION, updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: DERIVED_TABLES_VERSION, updatedAt: now } });
    return true;
  }, db);
}
