import { sql } from "drizzle-orm";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import {
  closeDatabase,
  engineOf,
  execute,
  getDb,
  openDatabase,
  openPostgres,
  rows,
  withTransaction,
  writerOf,
  type Connection,
  type DB,
} from "@/db";
import { createFromTemplate, databaseOn, EMPTY_TEMPLATE, ESTATE_TEMPLATE, testStore } from "./test-store";

/**
 * Tampering with the store as someone with write access to the database would, for the tests of what
 * verification finds. The tables guard themselves with triggers; an attacker lifts them first.
 */

/** Lifts the triggers that keep `tables` append-only, inside the transaction `tx` (so a rollback restores them). */
export async function unguard(tx: DB, ...tables: string[]): Promise<void> {
  for (const table of tables) {
    if (engineOf(tx) === "postgres") {
      await execute(sql.raw(`ALTER TABLE "${table}" DISABLE TRIGGER USER`), tx);
      continue;
    }
    const triggers = await rows<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ${table}`, tx);
    for (const { name } of triggers) await execute(sql.raw(`DROP TRIGGER "${name}"`), tx);
  }
}

const UNDO = Symbol("undo");

/**
 * Runs `work` in a transaction that is rolled back after it, whatever it does: a test tampers with the store,
 * checks what verification finds in it (verification reads the transaction's own view), and the tests after
 * it find the store intact. A failed expectation inside passes on as it is.
 */
export async function rolledBack(work: (tx: DB) => Promise<void>, db: DB = getDb()): Promise<void> {
  try {
    await withTransaction(async (tx) => {
      await work(tx);
      throw UNDO;
    }, db);
  } catch (error) {
    if (error !== UNDO) throw error;
  }
}

/** A store of its own to tamper with and hand to another process: the environment that process needs to open it. */
export type StoreCopy = { db: DB; env: Record<string, string>; close: () => Promise<void> };

/**
 * A copy of the store. On SQLite, of this test file's database, in a file of its own. On PostgreSQL, a database
 * made from the demo estate's template: a database that has connections open cannot be copied.
 */
export async function copyOfStore(): Promise<StoreCopy> {
  if (testStore === "postgres") return await postgresFrom(ESTATE_TEMPLATE);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "countersign-copy-")), "copy.db");
  writerOf(getDb()).prepare("VACUUM INTO ?").run(file);
  const connection = openDatabase(file);
  return { db: connection.db, env: { DATABASE_PATH: file, DATABASE_URL: "" }, close: () => closeDatabase(connection) };
}

/** A store with the schema and nothing in it: on SQLite in memory, on PostgreSQL a database made from the empty template. */
export async function emptyStore(): Promise<StoreCopy> {
  if (testStore === "postgres") return await postgresFrom(EMPTY_TEMPLATE);
  const connection = openDatabase(":memory:");
  return { db: connection.db, env: {}, close: () => closeDatabase(connection) };
}

async function postgresFrom(template: string): Promise<StoreCopy> {
  const server = inject("postgresServer");
  // Named like the test files' databases, so that the run's teardown drops it whatever happens.
  const name = `countersign_test_copy_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await createFromTemplate(server, name, template);
  const url = databaseOn(server, name);
  const connection = openPostgres(url, { max: 2 });
  return { db: connection.db, env: { DATABASE_URL: url }, close: () => closeAndDrop(connection, server, name) };
}

async function closeAndDrop(connection: Connection, server: string, name: string): Promise<void> {
  await closeDatabase(connection);
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
