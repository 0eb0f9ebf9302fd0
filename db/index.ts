import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { databasePath } from "../lib/env";
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
