import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { closeDatabase, getConnection, getDb, openDatabase, type SqliteConnection } from "@/db";
import { copySqliteToPostgres } from "@/db/copy";
import { generateEstate, type SeedOptions } from "@/db/seed/generate";

const run = promisify(execFile);

/** Generates an estate into a new SQLite file (in a process of its own: see generate-estate.ts) and opens it. */
export async function generateEstateFile(options: SeedOptions): Promise<SqliteConnection> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "countersign-generated-")), "estate.db");
  const script = path.join(process.cwd(), "lib/testing/generate-estate.ts");
  await run(process.execPath, ["--conditions=react-server", "--import", "tsx", script, file, JSON.stringify(options)], {
    env: { ...process.env, DATABASE_URL: "", DATABASE_PATH: file },
    maxBuffer: 16 * 1024 * 1024,
  });
  return openDatabase(file);
}

/**
 * Fills this test file's empty database with a generated estate. On SQLite the generator writes it in place;
 * on PostgreSQL it is generated into a SQLite file and copied across, as `npm run db:seed` does there.
 */
export async function seedGeneratedEstate(options: SeedOptions): Promise<void> {
  const connection = getConnection();
  if (connection.engine === "sqlite") {
    await generateEstate(getDb(), options);
    return;
  }
  const source = await generateEstateFile(options);
  try {
    await copySqliteToPostgres(source, connection);
  } finally {
    await closeDatabase(source);
    rmSync(path.dirname(source.sqlite.name), { recursive: true, force: true });
  }
}
