import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { existsSync, fsync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { databasePath } from "../lib/env";
import { AppError } from "../lib/errors";
import { backfillDerivedTables } from "./derived";
import * as schema from "./schema";

export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export type Connection = { sqlite: Database.Database; db: DB };

const migrationsFolder = path.join(process.cwd(), "db", "migrations");

/** Opens (creating if needed) a database file, sets the pragmas durability needs, and migrates it. */
export function openDatabase(file: string): Connection {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  // Commits are written to the log without waiting for the disk; `durable()` waits for it, once for
  // every write acknowledged together (group commit), on libuv's pool instead of the request thread.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  // SQLite rebuilds a table to change a column; that is only safe with foreign keys off, and the
  // pragma is ignored inside the migration's transaction. So: off, migrate, check the keys, on.
  sqlite.pragma("foreign_keys = OFF");
  const applied = appliedMigrations(sqlite);
  migrate(db, { migrationsFolder });
  // Keys can only break while a migration runs with them off: check them then, not at every start
  // (on a large database the check reads every row of every table).
  if (appliedMigrations(sqlite) !== applied) {
    const broken = sqlite.pragma("foreign_key_check") as unknown[];
    if (broken.length > 0) throw new Error(`Migration left ${broken.length} broken foreign keys in ${file}; the database was not opened.`);
  }
  sqlite.pragma("foreign_keys = ON");
  backfillDerivedTables(sqlite);
  keepStatisticsCurrent(sqlite);
  return { sqlite, db };
}

function appliedMigrations(sqlite: Database.Database): number {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  return table ? (sqlite.prepare("SELECT COUNT(*) AS n FROM __drizzle_migrations").get() as { n: number }).n : 0;
}

/**
 * The query planner chooses indexes from statistics; without them it can pick one that reads 25,000
 * rows instead of 5. `analysis_limit` keeps ANALYZE to a sample per index (milliseconds, whatever the
 * size), and `PRAGMA optimize` re-analyses only the tables whose statistics have gone stale: at open,
 * then hourly for as long as the process keeps the connection.
 */
export function keepStatisticsCurrent(sqlite: Database.Database): void {
  if (sqlite.readonly) return;
  sqlite.pragma("analysis_limit = 400");
  const analysed = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").get() !== undefined;
  if (analysed) sqlite.pragma("optimize = 0x10002");
  else sqlite.exec("ANALYZE");
  const hourly = setInterval(() => {
    if (sqlite.open) sqlite.pragma("optimize");
    else clearInterval(hourly);
  }, 3_600_000);
  hourly.unref();
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
 * Runs `work` with `db` as the process's connection, for the use cases (which read `getDb()`) acting on a
 * database other than the one at DATABASE_PATH: the seed sends the demo estate's runtime traffic through
 * them into the file it is building. `work` is synchronous, so nothing else runs while the connection is lent.
 */
export function withConnection<T>(db: DB, work: () => T): T {
  const previous = holder.countersignDb;
  holder.countersignDb = { db, sqlite: db.$client };
  try {
    const result = work();
    if (result instanceof Promise) throw new Error("withConnection runs synchronous work only");
    return result;
  } finally {
    if (previous) holder.countersignDb = previous;
    else delete holder.countersignDb;
  }
}

type Syncer = { file: string; fd: number | null; running: Promise<void> | null; next: Promise<void> | null; failed: string | null };
const syncers = new WeakMap<Database.Database, Syncer>();

/**
 * Resolves once every transaction committed on this connection before the call is on disk: call it
 * before acknowledging a write. The database runs `synchronous=NORMAL` in WAL mode, so a commit is in
 * the write-ahead log (safe from a crash of the process) but not yet flushed to the disk (a power cut
 * could lose it). This flushes the log with one fsync for all the writes that wait together, off the
 * event loop, where `synchronous=FULL` would block it for one fsync per commit.
 *
 * A flush that fails is final for this process: after a failed fsync the operating system may drop the
 * unwritten pages and report the next fsync as a success, so nothing written later could be confirmed
 * either. The connection turns read-only (writes are refused, "nothing was changed"), the health check
 * says why, and the writes waiting on that flush are told they were saved but not confirmed.
 */
export function durable(sqlite: Database.Database = getConnection().sqlite): Promise<void> {
  if (sqlite.memory) return Promise.resolve();
  let syncer = syncers.get(sqlite);
  if (!syncer) syncers.set(sqlite, (syncer = { file: `${sqlite.name}-wal`, fd: null, running: null, next: null, failed: null }));
  const s = syncer;
  if (s.failed) return Promise.reject(unconfirmed(s.failed));
  // A flush already under way may have started before this caller's commit: wait for the one after it.
  if (s.running)
    return (s.next ??= s.running
      .catch(() => undefined)
      .then(() => {
        s.next = null;
        return durable(sqlite);
      }));
  s.running = flushLog(s)
    .catch((error: unknown) => {
      s.failed = storageFailure(error) ?? "the write-ahead log could not be flushed to disk";
      console.error("Flushing the write-ahead log failed; the database takes no more writes until restarted", error);
      if (sqlite.open) sqlite.pragma("query_only = ON");
      throw unconfirmed(s.failed);
    })
    .finally(() => (s.running = null));
  return s.running;
}

/** Why this connection's writes can no longer be confirmed on disk (a flush failed), or null. */
export function durabilityFailure(sqlite: Database.Database = getConnection().sqlite): string | null {
  return syncers.get(sqlite)?.failed ?? null;
}

function unconfirmed(reason: string): AppError {
  return new AppError(
    "storage_unavailable",
    `Saved, but the disk did not confirm it (${reason}): it could be lost if the server loses power. Check that it is there before you try again; Countersign takes no more writes until it is restarted with the disk fixed.`,
    { reason, saved: true },
  );
}

function flushLog(s: Syncer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.fd === null) {
      // The log exists from the first write on, for as long as the connection is open.
      if (!existsSync(s.file)) return resolve();
      s.fd = openSync(s.file, "r");
    }
    fsync(s.fd, (error) => (error ? reject(error) : resolve()));
  });
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
  // From flushing the write-ahead log to disk (`durable`).
  ["ENOSPC", "the disk holding the database is full"],
  ["EIO", "the database file could not be read or written (I/O error)"],
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
