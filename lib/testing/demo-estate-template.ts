import { existsSync } from "node:fs";
import { closeDatabase, openDatabase } from "@/db";
import { generateEstate, type SeedOptions } from "@/db/seed/generate";

/** The history's fixed end for tests: the same estate, hashes and counts on every run. */
export const TEST_UNTIL = Date.UTC(2026, 10, 21);

/** The standard demo estate every integration test starts from. */
export const DEMO_ESTATE_OPTIONS: SeedOptions = { agents: 24, months: 12, until: TEST_UNTIL, seed: 1 };

/**
 * Builds the demo estate into `file` (migrated, then seeded) and closes it, so the file alone holds
 * everything and can be copied: the write-ahead log is folded back in and removed on close.
 */
export async function writeDemoEstateTemplate(file: string): Promise<void> {
  const connection = openDatabase(file);
  const { db } = connection;
  try {
    await generateEstate(db, DEMO_ESTATE_OPTIONS);
    connection.sqlite.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    await closeDatabase(connection);
  }
  if (existsSync(`${file}-wal`))
    throw new Error(`The demo estate template ${file} still has a write-ahead log after closing; it cannot be copied safely.`);
}
