import pg from "pg";

/**
 * Which engine the integration tests run on: SQLite unless COUNTERSIGN_TEST_STORE=postgres, which `npm run
 * test:postgres` (and .ci/run) sets to run the same tests again on PostgreSQL.
 */
export const testStore: "sqlite" | "postgres" = process.env.COUNTERSIGN_TEST_STORE === "postgres" ? "postgres" : "sqlite";

/** The databases the global setup prepares on the test server: an empty one (migrated) and the demo estate. */
export const EMPTY_TEMPLATE = "countersign_empty";
export const ESTATE_TEMPLATE = "countersign_estate";

/** The URL of `database` on the server at `serverUrl`. */
export function databaseOn(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates `database` as a copy of `template` (dropping any database of that name first). */
export async function createFromTemplate(serverUrl: string, database: string, template: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseOn(serverUrl, "postgres") });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    // FILE_COPY copies the template's files: much faster than WAL_LOG for a database of any size.
    await client.query(`CREATE DATABASE "${database}" TEMPLATE "${template}" STRATEGY FILE_COPY`);
  } finally {
    await client.end();
  }
}
