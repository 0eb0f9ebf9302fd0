import Database from "better-sqlite3";
import pg from "pg";
import { copySqliteToPostgres } from "../../db/copy";
import { closeDatabase, openDatabase, openPostgres } from "../../db/index";

/** The few reads the benchmark makes of the store under test itself, outside the app: fixtures and row counts. */
export type StoreReader = { query<T>(sql: string): Promise<T[]> };

export function sqliteReader(file: string): StoreReader {
  return {
    async query<T>(sql: string) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    },
  };
}

export function postgresReader(url: string): StoreReader {
  return {
    async query<T>(sql: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows as T[];
      } finally {
        await client.end();
      }
    },
  };
}

export type CopyFigures = { rows: number; auditEvents: number; copySeconds: number; analyseSeconds: number };

/**
 * Copies the benchmark's SQLite copy into an empty PostgreSQL database the way `npm run db:copy` does (migrate,
 * every row in one transaction, the audit chain verified on arrival), then ANALYZEs it: SQLite's store analyses
 * itself when it opens, while a freshly loaded PostgreSQL has no statistics until autovacuum gets round to it,
 * and the first minutes of plans would depend on when that happens.
 */
export async function copyToPostgres(file: string, url: string): Promise<CopyFigures> {
  const source = openDatabase(file);
  const target = openPostgres(url, { max: 2 });
  const started = performance.now();
  try {
    const report = await copySqliteToPostgres(source, target);
    const copySeconds = (performance.now() - started) / 1000;
    const analysing = performance.now();
    // A plain client: the store's pooled sessions are read-only.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("ANALYZE");
    } finally {
      await client.end();
    }
    return {
      rows: report.tables.reduce((sum, t) => sum + t.rows, 0),
      auditEvents: report.auditEvents,
      copySeconds,
      analyseSeconds: (performance.now() - analysing) / 1000,
    };
  } finally {
    await closeDatabase(target);
    await closeDatabase(source);
  }
}

/** The server's version and the settings that decide how much a commit costs: they matter to every write figure. */
export async function describePostgres(url: string): Promise<string> {
  const [row] = await postgresReader(url).query<{ version: string; fsync: string; sync: string }>(
    `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync`,
  );
  return `PostgreSQL ${row?.version} on loopback (fsync ${row?.fsync}, synchronous_commit ${row?.sync}), the app's pool of ${process.env.DATABASE_POOL_SIZE || 10}`;
}

/** The same for SQLite, as db/index.ts opens it. */
export const SQLITE_STORE = "SQLite file (WAL, synchronous=NORMAL, one fsync per group of acknowledged writes)";
