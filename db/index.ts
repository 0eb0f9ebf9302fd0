import Database from "better-sqlite3";
import type { SQL } from "drizzle-orm";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { AsyncLocalStorage } from "node:async_hooks";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { existsSync, fsync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { databasePath, databaseUrl } from "../lib/env";
import { AppError } from "../lib/errors";
import { storeEngine, type StoreEngine } from "./engine";
import { pgTables } from "./pg-schema";
import * as tables from "./tables";

/**
 * The handle the use cases query through. It is typed as SQLite's; on PostgreSQL it is drizzle's
 * PostgreSQL handle over the twin tables (db/schema.ts hands out whichever the store uses), whose query
 * builder has the same shape. Engine-specific calls (`all`, `run`, `$client`) are for this module only:
 * raw SQL goes through `rows()` and `execute()`.
 */
export type DB = BetterSQLite3Database<typeof tables> & { $client: Database.Database };
/**
 * The embedded store. `sqlite` is the writing connection, `reader` a second connection to the same file
 * that only reads (the same one for an in-memory database), and `db` the handle the use cases query
 * through: inside `withTransaction` its statements run on the writer, in the transaction; outside, on the
 * reader, which sees only committed data and refuses writes.
 */
export type SqliteConnection = { engine: "sqlite"; sqlite: Database.Database; reader: Database.Database; db: DB };
/**
 * The shared store. `pool` holds the connections; `db` runs each statement on the connection of this
 * async context's transaction or snapshot, and outside one on any pooled connection, whose sessions are
 * read-only: a write outside `withTransaction` is refused, as on SQLite.
 */
export type PostgresConnection = { engine: "postgres"; pool: pg.Pool; url: string; db: DB };
export type Connection = SqliteConnection | PostgresConnection;

const migrationsFolder = path.join(process.cwd(), "db", "migrations");
const pgMigrationsFolder = path.join(process.cwd(), "db", "migrations-pg");

/**
 * The store's bookkeeping lives on globalThis, like the connection itself: the server bundles this
 * module into more than one chunk (instrumentation, routes), and every copy must see the same open
 * transactions, the same writer queue and the same handles.
 */
type Shared = {
  connections: WeakMap<DB, Connection>;
  writers: WeakMap<DB, Database.Database>;
  pools: WeakMap<DB, pg.Pool>;
  writerQueues: WeakMap<Database.Database, Promise<unknown>>;
  transactions: AsyncLocalStorage<OpenTransaction>;
  lent: AsyncLocalStorage<Connection>;
  syncers: WeakMap<Database.Database, Syncer>;
};
const shared = ((globalThis as typeof globalThis & { countersignStore?: Shared }).countersignStore ??= {
  connections: new WeakMap(),
  writers: new WeakMap(),
  pools: new WeakMap(),
  writerQueues: new WeakMap(),
  transactions: new AsyncLocalStorage(),
  lent: new AsyncLocalStorage(),
  syncers: new WeakMap(),
});

/** Opens (creating if needed) a database file, sets the pragmas durability needs, and migrates it. */
export function openDatabase(file: string): SqliteConnection {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  // Commits are written to the log without waiting for the disk; `durable()` waits for it, once for
  // every write acknowledged together (group commit), on libuv's pool instead of the request thread.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  const migrator = drizzle(sqlite, { schema: tables });
  // SQLite rebuilds a table to change a column; that is only safe with foreign keys off, and the
  // pragma is ignored inside the migration's transaction. So: off, migrate, check the keys, on.
  sqlite.pragma("foreign_keys = OFF");
  const applied = appliedMigrations(sqlite);
  migrate(migrator, { migrationsFolder });
  // Keys can only break while a migration runs with them off: check them then, not at every start
  // (on a large database the check reads every row of every table).
  if (appliedMigrations(sqlite) !== applied) {
    const broken = sqlite.pragma("foreign_key_check") as unknown[];
    if (broken.length > 0) throw new Error(`Migration left ${broken.length} broken foreign keys in ${file}; the database was not opened.`);
  }
  sqlite.pragma("foreign_keys = ON");
  keepStatisticsCurrent(sqlite);
  const reader = sqlite.memory || sqlite.readonly ? sqlite : openReader(sqlite);
  const connection: SqliteConnection = { engine: "sqlite", sqlite, reader, db: routedHandle(sqlite, reader) };
  connections.set(connection.db, connection);
  return connection;
}

const connections = shared.connections;

/** Closes a connection: both handles on a SQLite file, or every pooled PostgreSQL connection. */
export async function closeDatabase(connection: Connection): Promise<void> {
  if (connection.engine === "postgres") return connection.pool.end();
  const { sqlite, reader } = connection;
  if (reader !== sqlite) reader.close();
  sqlite.close();
}

// PostgreSQL hands bigint (count(*), sums of bigint columns) and numeric as strings, to keep precision
// past 2^53. Countersign's integers are counts and epoch milliseconds, well inside it: numbers, as on SQLite.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * Opens a pool of connections to the PostgreSQL database at `url`. Connections are made when first
 * needed; `migrateStore` brings the schema up to date before the store is used.
 */
export function openPostgres(url: string, options: { max?: number } = {}): PostgresConnection {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? Number(process.env.DATABASE_POOL_SIZE || 10),
    // Sessions are read-only unless a transaction says otherwise: only `withTransaction` writes.
    // A lock waited on for a minute (another writer stuck, or a transaction waiting on one this process holds)
    // fails as a storage failure instead of hanging the request.
    options: "-c default_transaction_read_only=on -c lock_timeout=60000",
    // Waiting a minute for a free connection (every one busy) fails the request as a storage failure, never hangs it.
    connectionTimeoutMillis: 60_000,
  });
  // An idle connection that the server drops (a restart, a failover) is replaced on next use, not fatal.
  pool.on("error", (error) => console.error("A pooled PostgreSQL connection failed; it will be replaced", error));
  const connection: PostgresConnection = { engine: "postgres", pool, url, db: routedPgHandle(pool) };
  connections.set(connection.db, connection);
  return connection;
}

/**
 * Brings a store's schema up to date. SQLite is migrated as it opens; PostgreSQL here, under an
 * advisory lock, so that instances starting together migrate once and the others wait for it.
 */
export async function migrateStore(connection: Connection): Promise<void> {
  if (connection.engine === "sqlite") return;
  const client = new pg.Client({ connectionString: connection.url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migratePg(drizzlePg(client), { migrationsFolder: pgMigrationsFolder });
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL cannot hold the NUL character (U+0000) in text or JSON, where SQLite can: a request carrying one is
 * refused as invalid input, with nothing changed, rather than failing as a server error.
 */
function refuseUnstorableText(error: unknown): never {
  const e = pgError(error);
  if (e?.code === "22021" || e?.code === "22P05")
    throw new AppError("validation_failed", "Text cannot contain the NUL character (\\u0000). Nothing was changed.", {
      reason: "nul_character",
    });
  // jsonb refuses half of a UTF-16 surrogate pair ("\ud800" alone): text no one means to send, refused as invalid input.
  if (e?.code === "22P02" && /surrogate/i.test(`${e.message} ${(e as { detail?: string }).detail ?? ""}`))
    throw new AppError(
      "validation_failed",
      "Text cannot contain half of a UTF-16 surrogate pair (an unpaired \\ud800–\\udfff). Nothing was changed.",
      {
        reason: "unpaired_surrogate",
      },
    );
  throw error;
}

/** Advisory lock keys: 64-bit numbers no other application is likely to take on the same database. */
const MIGRATION_LOCK = 0x43534d49; // "CSMI"
export const AUDIT_CHAIN_LOCK = 0x43534143; // "CSAC"
const WRITER_LOCK = 0x43535752; // "CSWR"

/** Which engine a handle belongs to. */
export function engineOf(db: DB = getDb()): StoreEngine {
  return shared.pools.has(db) ? "postgres" : "sqlite";
}

function openReader(writer: Database.Database): Database.Database {
  const reader = new Database(writer.name, { fileMustExist: true });
  reader.pragma("busy_timeout = 5000");
  // Every write goes through `withTransaction`, on the writer: a write outside one is a bug, refused here.
  reader.pragma("query_only = ON");
  return reader;
}

/**
 * The transaction (or read snapshot) open in this async context, if any: `withTransaction` and
 * `withSnapshot` set it, and the handle's statements (through whichever variable the code holds it) run
 * on its connection.
 */
type OpenTransaction = {
  /** The store it belongs to: a SQLite writing connection or a PostgreSQL pool. */
  writer: Database.Database | pg.Pool;
  /** Where its statements run: the SQLite writer or snapshot connection, or a pooled PostgreSQL connection. */
  connection: Database.Database | pg.PoolClient;
  /** A read snapshot, where writing is refused. */
  readOnly: boolean;
  /** Savepoints opened so far: names are never reused. */
  savepoints: number;
  /** Set when the transaction or snapshot has ended: a timer or callback it left behind no longer belongs to it. */
  ended: boolean;
};
const currentTransaction = shared.transactions;

/**
 * A drizzle handle whose statements run on the connection of this async context's open transaction or
 * snapshot, and on the reader outside one. `$client` is that same connection, for raw SQL.
 */
function routedHandle(writer: Database.Database, reader: Database.Database): DB {
  const route = () => {
    const open = currentTransaction.getStore();
    return open?.writer === writer && !open.ended ? (open.connection as Database.Database) : reader;
  };
  const client = { prepare: (source: string) => prepared(route(), source) } as unknown as Database.Database;
  const db = drizzle(client, { schema: tables }) as DB;
  Object.defineProperty(db, "$client", { get: route });
  writers.set(db, writer);
  return db;
}

/** Statements already prepared on each SQLite connection, by their SQL: the same queries run on every request. */
const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();
const STATEMENTS_KEPT = 500;

/**
 * A prepared statement for `source` on `connection`, prepared once and reused (SQLite compiles a statement
 * in about as long as it takes to run a small one). Drizzle switches a statement to arrays with `raw()` for
 * some calls and not back: a reused one is switched back first. The oldest are dropped past STATEMENTS_KEPT,
 * since texts with a varying number of parameters (IN lists) differ.
 */
function prepared(connection: Database.Database, source: string): Database.Statement {
  let cache = statementCache.get(connection);
  if (!cache) statementCache.set(connection, (cache = new Map()));
  const kept = cache.get(source);
  if (kept) {
    if (kept.reader) kept.raw(false);
    return kept;
  }
  const statement = connection.prepare(source);
  if (cache.size >= STATEMENTS_KEPT) cache.delete(cache.keys().next().value!);
  cache.set(source, statement);
  return statement;
}

/** Forgets the statements kept for `connection`: the next use of each prepares it again (for tools that watch preparation, such as the query-plan tests). */
export function forgetPreparedStatements(connection: Database.Database): void {
  statementCache.delete(connection);
}

/** The PostgreSQL handle: statements run on this context's transaction's connection, or on the pool. */
function routedPgHandle(pool: pg.Pool): DB {
  const route = (): pg.Pool | pg.PoolClient => {
    const open = currentTransaction.getStore();
    return open?.writer === pool && !open.ended ? (open.connection as pg.PoolClient) : pool;
  };
  // drizzle calls `query` only; each call goes where the context says.
  const client = {
    query: (...args: unknown[]) => (route().query as (...a: unknown[]) => Promise<unknown>)(...args).catch(refuseUnstorableText),
  };
  const db = drizzlePg(client as unknown as pg.Pool, { schema: pgTables }) as unknown as DB;
  Object.defineProperty(db, "$client", { get: route });
  shared.pools.set(db, pool);
  return db;
}

const writers = shared.writers;
/** One writer at a time per connection: a transaction's statements are awaited, so others wait their turn here. */
const writerQueues = shared.writerQueues;

/**
 * Runs `work` in one transaction and returns what it returns. On SQLite this is `BEGIN IMMEDIATE …
 * COMMIT` on the writing connection, one transaction at a time in this process (others wait their
 * turn), and other processes wait on SQLite's lock. If `work` throws, everything it wrote is rolled
 * back and the error passes on. Called inside another transaction, it runs as a savepoint of it:
 * its writes roll back alone if it throws, and commit with the outer transaction.
 *
 * Inside, every statement made through the store's handle (`getDb()`, or `tx`) belongs to the
 * transaction; outside, statements only read committed data.
 */
export async function withTransaction<T>(work: (tx: DB) => Promise<T>, db: DB = getConnection().db): Promise<T> {
  const pool = shared.pools.get(db);
  if (pool) return pgTransaction(work, db, pool);
  const writer = writers.get(db);
  if (!writer) throw new Error("withTransaction needs a handle from openDatabase()");
  const open = currentTransaction.getStore();
  if (open?.ended) return currentTransaction.exit(() => withTransaction(work, db));
  if (open?.writer === writer && open.readOnly) throw new Error("A write cannot start inside a read snapshot");
  if (open?.writer === writer) {
    // Savepoints nest: run nested transactions one after another, never side by side (Promise.all) in one transaction.
    const savepoint = `nested_${++open.savepoints}`;
    writer.exec(`SAVEPOINT ${savepoint}`);
    try {
      const result = await work(db);
      writer.exec(`RELEASE ${savepoint}`);
      return result;
    } catch (error) {
      // A storage failure may have rolled the whole transaction back already: the original error is what matters.
      try {
        if (writer.inTransaction) writer.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      } catch (cleanup) {
        console.error("Rolling back a savepoint failed", cleanup);
      }
      throw error;
    }
  }
  const previous = writerQueues.get(writer) ?? Promise.resolve();
  let release!: () => void;
  const turn = new Promise<void>((resolve) => (release = resolve));
  writerQueues.set(
    writer,
    previous.then(() => turn),
  );
  await previous;
  try {
    const state: OpenTransaction = { writer, connection: writer, readOnly: false, savepoints: 0, ended: false };
    return await currentTransaction.run(state, async () => {
      writer.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(db);
        writer.exec("COMMIT");
        return result;
      } catch (error) {
        try {
          if (writer.inTransaction) writer.exec("ROLLBACK");
        } catch (cleanup) {
          console.error("Rolling back a transaction failed", cleanup);
        }
        throw error;
      } finally {
        state.ended = true;
      }
    });
  } finally {
    release();
  }
}

/**
 * Runs `work` on one consistent view of the store, for a long read (an evidence pack, an export) that
 * must not mix data from before and after a write: on SQLite a read transaction on a connection of its
 * own, so writers go on meanwhile. Inside a transaction, `work` reads the transaction's own view.
 */
export async function withSnapshot<T>(work: (db: DB) => Promise<T>, db: DB = getConnection().db): Promise<T> {
  const pool = shared.pools.get(db);
  if (pool) return pgSnapshot(work, db, pool);
  const writer = writers.get(db);
  if (!writer) throw new Error("withSnapshot needs a handle from openDatabase()");
  const open = currentTransaction.getStore();
  if (open?.ended) return currentTransaction.exit(() => withSnapshot(work, db));
  if (open?.writer === writer) return work(db);
  if (writer.memory) return withTransaction(work, db);
  const snapshot = new Database(writer.name, { readonly: true, fileMustExist: true });
  try {
    snapshot.pragma("busy_timeout = 5000");
    const state: OpenTransaction = { writer, connection: snapshot, readOnly: true, savepoints: 0, ended: false };
    return await currentTransaction.run(state, async () => {
      snapshot.exec("BEGIN");
      try {
        return await work(db);
      } finally {
        state.ended = true;
        if (snapshot.inTransaction) snapshot.exec("COMMIT");
      }
    });
  } finally {
    snapshot.close();
  }
}

/**
 * Runs `work` outside this context's read snapshot, if it is in one: for a record a long read keeps
 * whatever it reads (the audit verifier's verdict on the events it checked). Inside a write transaction,
 * or outside both, `work` runs where it is.
 */
export function outsideSnapshot<T>(work: () => T): T {
  const open = currentTransaction.getStore();
  return open && (open.ended || open.readOnly) ? currentTransaction.exit(work) : work();
}

/** PostgreSQL error codes after which the whole transaction is run again: it lost a race, it did nothing wrong. */
const RETRYABLE = new Set(["40001", "40P01"]); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 30;

function pgError(error: unknown): (Error & { code: string; constraint?: string }) | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ("code" in e && typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e as Error & { code: string };
  }
  return null;
}

/**
 * Whether a transaction lost a race and is run again: a serialization failure or deadlock, or a second
 * event numbered like one another instance committed meanwhile (its snapshot predates that commit).
 */
function retryable(error: unknown): boolean {
  const e = pgError(error);
  return !!e && (RETRYABLE.has(e.code) || (e.code === "23505" && e.constraint === "audit_events_pkey"));
}

/**
 * A PostgreSQL transaction: SERIALIZABLE, so concurrent transactions (from this instance or another) behave
 * as if run one after another, or one of them fails with a serialization failure. That one is rolled back
 * and run again from the start, after a short random pause, up to MAX_ATTEMPTS times: `work` must do
 * nothing but read and write the store (anything else it does happens once per attempt).
 */
async function pgTransaction<T>(work: (tx: DB) => Promise<T>, db: DB, pool: pg.Pool): Promise<T> {
  const open = currentTransaction.getStore();
  if (open?.ended) return currentTransaction.exit(() => pgTransaction(work, db, pool));
  if (open?.writer === pool && open.readOnly) throw new Error("A write cannot start inside a read snapshot");
  if (open?.writer === pool) {
    const client = open.connection as pg.PoolClient;
    const savepoint = `nested_${++open.savepoints}`;
    await client.query(`SAVEPOINT ${savepoint}`);
    try {
      const result = await work(db);
      await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (error) {
      // After a serialization failure the whole transaction is lost: the outer one retries.
      if (!retryable(error))
        await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`).catch((cleanup: unknown) => {
          console.error("Rolling back a savepoint failed", cleanup);
        });
      throw error;
    }
  }
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    const state: OpenTransaction = { writer: pool, connection: client, readOnly: false, savepoints: 0, ended: false };
    let broken = false;
    let locked = false;
    try {
      // Writers from every instance queue here, before the transaction (and its snapshot) begins: nearly every
      // write appends to the one audit chain, so running them side by side would only make all but one fail
      // and start again. Serializable isolation stays the guarantee; the queue keeps retries rare.
      await client.query("SELECT pg_advisory_lock($1)", [WRITER_LOCK]);
      locked = true;
      return await currentTransaction.run(state, async () => {
        await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE");
        try {
          const result = await work(db);
          await client.query("COMMIT");
          return result;
        } catch (error) {
          try {
            await client.query("ROLLBACK");
          } catch (cleanup) {
            broken = true;
            console.error("Rolling back a transaction failed", cleanup);
          }
          throw error;
        } finally {
          state.ended = true;
        }
      });
    } catch (error) {
      if (!retryable(error) || attempt >= MAX_ATTEMPTS) throw error;
    } finally {
      // A connection that cannot give the lock back is closed, which gives it back.
      if (locked && !broken) await client.query("SELECT pg_advisory_unlock($1)", [WRITER_LOCK]).catch(() => (broken = true));
      client.release(broken || undefined);
    }
    // Backing off by a random, growing pause keeps transactions that collided from colliding again.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 5 * 2 ** attempt)));
  }
}

/** A PostgreSQL read snapshot: one REPEATABLE READ, READ ONLY transaction on a connection of its own. */
async function pgSnapshot<T>(work: (db: DB) => Promise<T>, db: DB, pool: pg.Pool): Promise<T> {
  const open = currentTransaction.getStore();
  if (open?.ended) return currentTransaction.exit(() => pgSnapshot(work, db, pool));
  if (open?.writer === pool) return work(db);
  const client = await pool.connect();
  const state: OpenTransaction = { writer: pool, connection: client, readOnly: true, savepoints: 0, ended: false };
  let broken = false;
  try {
    return await currentTransaction.run(state, async () => {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        return await work(db);
      } finally {
        state.ended = true;
        await client.query("COMMIT").catch((error: unknown) => {
          broken = true;
          console.error("Ending a read snapshot failed", error);
        });
      }
    });
  } finally {
    client.release(broken || undefined);
  }
}

/** Rows of a raw SQL query, on either engine. Name camelCase columns in double quotes: PostgreSQL folds the rest to lower case. */
export async function rows<T>(query: SQL, db: DB = getDb()): Promise<T[]> {
  if (shared.pools.has(db)) return (await (db as unknown as NodePgDatabase).execute(query)).rows as T[];
  return db.all<T>(query);
}

/** Runs a raw SQL statement on either engine; returns how many rows it changed. */
export async function execute(query: SQL, db: DB = getDb()): Promise<number> {
  if (shared.pools.has(db)) return (await (db as unknown as NodePgDatabase).execute(query)).rowCount ?? 0;
  return db.run(query).changes;
}

/** The connection a handle writes with: for bulk loading (the seed) and maintenance, outside the use cases. */
export function writerOf(db: DB): Database.Database {
  if (shared.pools.has(db)) throw new Error("writerOf is for a SQLite store; this handle is PostgreSQL's");
  const writer = writers.get(db);
  if (!writer) throw new Error("writerOf needs a handle from openDatabase()");
  return writer;
}

/** The first row a query returns, or undefined: only one row is read. */
export async function first<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  // Only a SELECT is limited: an UPDATE … RETURNING keeps every row it was asked to change.
  const select = "groupBy" in query && "limit" in query && typeof query.limit === "function";
  const limited = select ? (query.limit as (n: number) => PromiseLike<T[]>)(1) : query;
  return (await limited)[0];
}

/** How many rows an INSERT, UPDATE or DELETE changed. */
export function changedRows(result: { changes: number } | { rowCount: number | null }): number {
  return "changes" in result ? result.changes : (result.rowCount ?? 0);
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
const lentConnection = shared.lent;

export function getConnection(): Connection {
  const lent = lentConnection.getStore();
  if (lent) return lent;
  holder.countersignDb ??= storeEngine === "postgres" && databaseUrl ? openPostgres(databaseUrl) : openDatabase(databasePath);
  return holder.countersignDb;
}

/** This process's store, which a caller that works on SQLite's files (backups, tests of the file itself) needs to be SQLite. */
export function sqliteConnection(): SqliteConnection {
  const connection = getConnection();
  if (connection.engine !== "sqlite") throw new Error("This works on the embedded SQLite store only; this process runs on PostgreSQL");
  return connection;
}

/** The store's handle for this process (or for the connection `withConnection` lends). */
export function getDb(): DB {
  return getConnection().db;
}

/**
 * Runs `work` with `connection` as the store, for the use cases (which read `getDb()`) acting on a
 * database other than the one at DATABASE_PATH: the seed sends the demo estate's runtime traffic through
 * them into the file it is building. Only `work` and what it awaits see the lent connection.
 */
export function withConnection<T>(db: DB, work: () => Promise<T>): Promise<T> {
  const connection = connections.get(db);
  if (!connection) throw new Error("withConnection needs a handle from openDatabase()");
  return lentConnection.run(connection, work);
}

type Syncer = { file: string; fd: number | null; running: Promise<void> | null; next: Promise<void> | null; failed: string | null };
const syncers = shared.syncers;

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
export function durable(sqlite: Database.Database | null = sqliteOf(getConnection())): Promise<void> {
  // PostgreSQL confirms a commit once it is on disk (synchronous_commit), before COMMIT returns.
  if (!sqlite || sqlite.memory) return Promise.resolve();
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
export function durabilityFailure(sqlite: Database.Database | null = sqliteOf(getConnection())): string | null {
  return sqlite ? (syncers.get(sqlite)?.failed ?? null) : null;
}

/** The SQLite writing connection of an embedded store, or null for PostgreSQL. */
export function sqliteOf(connection: Connection): Database.Database | null {
  return connection.engine === "sqlite" ? connection.sqlite : null;
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
  // PostgreSQL: the server cannot be reached, is shutting down, is full, or has no connection to spare.
  ["ECONNREFUSED", "the database server refused the connection (is it running?)"],
  ["ECONNRESET", "the connection to the database server was lost"],
  ["ENOTFOUND", "the database server's host name could not be resolved"],
  ["08", "the connection to the database server failed"],
  ["57P", "the database server is shutting down or restarting"],
  ["53100", "the disk holding the database is full"],
  ["53300", "the database server has no connection to spare"],
  ["55P03", "the database stayed locked by another writer past the lock timeout"],
  ["25006", "the database server is read-only (a standby, or in recovery)"],
];

/** What the pg pool throws when no connection frees up within `connectionTimeoutMillis`: it carries no code. */
const POOL_TIMEOUT = "timeout exceeded when trying to connect";

/** Why the storage failed, when `error` (or what it wraps, as Drizzle's query errors do) is a storage failure; otherwise null. */
export function storageFailure(error: unknown): string | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message === POOL_TIMEOUT) return "every connection to the database server stayed busy past the connection timeout";
    const code = "code" in e && typeof e.code === "string" ? e.code : "";
    const sqlState = /^[0-9A-Z]{5}$/.test(code);
    const match = STORAGE_FAILURES.find(
      ([prefix]) => code === prefix || code.startsWith(`${prefix}_`) || (sqlState && /^[0-9]/.test(prefix) && code.startsWith(prefix)),
    );
    if (match) return match[1];
  }
  return null;
}
