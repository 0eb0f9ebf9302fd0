import { getDb } from "@/db";
import { generateEstate, isEmpty } from "@/db/seed/generate";

/** The history's fixed end for tests: the same estate, hashes and counts on every run. */
export const TEST_UNTIL = Date.UTC(2026, 10, 21);

/** Seeds this test file's database with the standard demo estate, once. */
export async function seedDemoEstate() {
  const db = getDb();
  if (isEmpty(db)) await generateEstate(db, { agents: 24, months: 12, until: TEST_UNTIL, seed: 1 });
  return db;
}
