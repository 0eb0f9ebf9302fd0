import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { engineOf, getDb, type DB } from "@/db";

/**
 * The few places where the evidence and metrics queries say something only one engine understands. Both
 * engines run the same SQL otherwise; these keep SQLite's plans as they were measured (its planner takes
 * hints PostgreSQL has no syntax for, and needs none: it plans from statistics).
 */

/** Any handle the store gave out (a transaction's, a snapshot's): the engine is the store's. */
type Handle = Pick<DB, "select">;
const onSqlite = (db: Handle) => engineOf(db as DB) === "sqlite";

/** `INDEXED BY index` on SQLite, for a table whose best index its planner would miss; nothing on PostgreSQL. */
export function indexedBy(index: string, db: Handle = getDb()): SQL {
  return onSqlite(db) ? sql.raw(`INDEXED BY ${index}`) : sql``;
}

/** The same as `indexedBy`, as text, for SQL written as a string. */
export function indexedByText(index: string, db: Handle = getDb()): string {
  return onSqlite(db) ? `INDEXED BY ${index}` : "";
}

/**
 * A text column that SQLite must not look rows up by (`+column`, its way of saying so), compared as it is.
 * PostgreSQL has no unary plus on text, and chooses its index by the statistics anyway.
 */
export function unindexed(column: SQL, db: Handle = getDb()): SQL {
  return onSqlite(db) ? sql`+${column}` : column;
}

/** How many elements a JSON array column holds: SQLite stores it as text, PostgreSQL as jsonb. */
export function jsonArrayLength(column: SQL, db: Handle = getDb()): SQL<number> {
  return onSqlite(db) ? sql<number>`json_array_length(${column})` : sql<number>`jsonb_array_length(${column})`;
}

/**
 * The mean of a floating-point column. SQLite's AVG overflows to infinity (the caller then divides value by
 * value); PostgreSQL's refuses to overflow with an error, so it averages in numeric, whose range is unbounded.
 */
export function floatMean(column: SQL, db: Handle = getDb()): SQL<number | null> {
  return onSqlite(db) ? sql<number | null>`AVG(${column})` : sql<number | null>`AVG(CAST(${column} AS numeric))`;
}
