import type Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { rebuildDoraFacts } from "./dora-facts";
import * as schema from "./schema";

/*
 * Tables derived from the history (dora_facts and its day sums) are kept current by the use cases that
 * write the history, in the same transaction. A database that was written before they existed, or before
 * their rules last changed, is brought up to date once, when it is opened after migrating, never inside a
 * request. A marker in `settings` records which version of the rules the tables were built with.
 */

/** Bump when the derivation or the columns of the derived tables change: the next open rebuilds them. */
export const DERIVED_TABLES_VERSION = "dora-facts-2";
const MARKER = "derived_tables_version";

/** Rebuilds the derived tables when the marker says they were not built by these rules; returns whether it did. */
export function backfillDerivedTables(sqlite: Database.Database): boolean {
  const marker = sqlite.prepare("SELECT value FROM settings WHERE key = ?").pluck();
  if (marker.get(MARKER) === DERIVED_TABLES_VERSION) return false;
  const db = drizzle(sqlite, { schema });
  return db.transaction(
    (tx) => {
      // Another process may have built them while this one waited for the lock.
      if (marker.get(MARKER) === DERIVED_TABLES_VERSION) return false;
      rebuildDoraFacts(tx);
      sqlite
        .prepare(
          "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .run(MARKER, DERIVED_TABLES_VERSION, Date.now());
      return true;
    },
    { behavior: "immediate" },
  );
}
