import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { databasePath } from "../lib/env";
import { backfillDerivedTables } from "./derived";
import * as schema from "./schema";

export type DB = BetterSQLite3Database<typeof schema>;
export type Connection = { sqlite: Database.Database; db: DB };

const migrationsFolder = path.join(process.cwd(), "db", "migrations");

/** Opens (creating if needed) a database file, sets the pragmas durability needs, and migrates it. */
export function openDatabase(file: string): Connection {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  // SQLite rebuilds a table to change a column; that is only safe with foreign keys off, and the
  // pragma is ignored inside the migration's transaction. So: off, migrate, check every key, on.
  sqlite.pragma("foreign_keys = OFF");
  migrate(db, { migrationsFolder });
  const broken = sqlite.pragma("foreign_key_check") as unknown[];
  if (broken.length > 0) throw new Error(`Migration left ${broken.length} broken foreign keys in ${file}; the database was not opened.`);
  sqlite.pragma("foreign_keys = ON");
  backfillDerivedTables(sqlite);
  return { sqlite, db };
}

// One connection per process; kept on globalThis so dev-server reloads do not open more.
const holder = globalThis as typeof globalThis & { countersignDb?: Connection };

export function getConnection(): Connection {
  holder.countersignDb ??= openDatabase(databasePath);
  return holder.countersignDb;
}

export function getDb(): DB {
  return getConnection().db;
}

/**
 * SQLite result codes that mean the storage itself failed (disk full, read-only, I/O, locked past the
 * busy timeout, damaged), as opposed to a bug. The reason is said plainly so an operator knows what to fix.
 */
const STORAGE_FAILURES: [prefix: string, reason: string][] = [
  ["SQLITE_FULL", "the disk holding the database is full"],
  ["SQLITE_READONLY", "the database is read-only"],
  ["SQLITE_IOERR", "the database file could not be read or written (I/O error)"],
  ["SQLITE_CANTOPEN", "the database file cannot be opened"],
  ["SQLITE_BUSY", "the database stayed locked by another process past the busy timeout"],
  ["SQLITE_CORRUPT", "the database file is damaged"],
  ["SQLITE_NOTADB", "the database file is damaged"],
];

/** Why the storage failed, when `error` (or what it wraps, as Drizzle's query errors do) is a storage failure; otherwise null. */
export function storageFailure(error: unknown): string | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = "code" in e && typeof e.code === "string" ? e.code : "";
    const match = STORAGE_FAILURES.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
    if (match) return match[1];
  }
  return null;
}
