import { constants, copyFileSync, existsSync } from "node:fs";
import { inject } from "vitest";
import { getDb } from "@/db";
import { generateEstate, isEmpty } from "@/db/seed/generate";
import { databasePath } from "@/lib/env";
import { DEMO_ESTATE_OPTIONS } from "./demo-estate-template";

export { TEST_UNTIL } from "./demo-estate-template";

/**
 * Gives this test file's database the standard demo estate, once. Before the database is first opened
 * it is a copy of the template the global setup built; a database already opened is seeded in place.
 */
export async function seedDemoEstate() {
  const template = inject("demoEstateTemplate");
  // The file exists once getDb() has opened it; copying over an open database would corrupt it.
  if (template && !existsSync(databasePath)) copyFileSync(template, databasePath, constants.COPYFILE_EXCL);
  const db = getDb();
  if (await isEmpty(db)) await generateEstate(db, DEMO_ESTATE_OPTIONS);
  return db;
}
