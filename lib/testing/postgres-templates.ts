import pg from "pg";
import { copySqliteToPostgres } from "@/db/copy";
import { closeDatabase, migrateStore, openDatabase, openPostgres } from "@/db";
import { databaseOn } from "./test-store";

/**
 * Migrates the empty template and fills the estate template from the SQLite demo estate at `estateFile`,
 * then marks both as templates: no session stays connected to them, so test files can copy them at once.
 */
export async function preparePostgresTemplates(serverUrl: string, estateFile: string, estate: string, empty: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${estate}"`);
    const emptyStore = openPostgres(databaseOn(serverUrl, empty), { max: 1 });
    await migrateStore(emptyStore);
    await closeDatabase(emptyStore);
    const source = openDatabase(estateFile);
    const target = openPostgres(databaseOn(serverUrl, estate), { max: 2 });
    try {
      await copySqliteToPostgres(source, target);
    } finally {
      await closeDatabase(target);
      await closeDatabase(source);
    }
    for (const name of [empty, estate]) await admin.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true`);
  } finally {
    await admin.end();
  }
}

/** Drops the templates and every test file's database, for a server that outlives the run (DATABASE_URL_TEST). */
export async function dropTestDatabases(serverUrl: string, templates: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const name of templates) await admin.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE false`).catch(() => {});
    const { rows } = await admin.query<{ name: string }>("SELECT datname AS name FROM pg_database WHERE datname LIKE 'countersign_test_%'");
    for (const name of [...templates, ...rows.map((r) => r.name)]) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
