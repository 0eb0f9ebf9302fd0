import { constants, copyFileSync, existsSync } from "node:fs";
import { inject } from "vitest";
import { closeDatabase, getDb, type Connection } from "@/db";
import { generateEstate, isEmpty } from "@/db/seed/generate";
import { databasePath } from "@/lib/env";
import { DEMO_ESTATE_OPTIONS } from "./demo-estate-template";
import { createFromTemplate, ESTATE_TEMPLATE, testStore } from "./test-store";

export { TEST_UNTIL } from "./demo-estate-template";

const holder = globalThis as typeof globalThis & { countersignDb?: Connection };

/**
 * Gives this test file's database the standard demo estate, once. Before the database is first opened
 * it is a copy of the template the global setup built; a database already opened is seeded in place on
 * SQLite, and on PostgreSQL replaced by a copy of the estate template (the connection reopens on next use).
 */
export async function seedDemoEstate() {
  if (testStore === "postgres") {
    if (!holder.countersignDb || (await isEmpty(getDb()))) {
      if (holder.countersignDb) await closeDatabase(holder.countersignDb);
      holder.countersignDb = undefined;
      const url = new URL(process.env.DATABASE_URL!);
      await createFromTemplate(inject("postgresServer"), url.pathname.slice(1), ESTATE_TEMPLATE);
    }
    return getDb();
  }
  const template = inject("demoEstateTemplate");
  // The file exists once getDb() has opened it; copying over an open database would corrupt it.
  if (template && !existsSync(databasePath)) copyFileSync(template, databasePath, constants.COPYFILE_EXCL);
  const db = getDb();
  if (await isEmpty(db)) await generateEstate(db, DEMO_ESTATE_OPTIONS);
  return db;
}
