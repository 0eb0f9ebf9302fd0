import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { createFromTemplate, databaseOn, EMPTY_TEMPLATE, testStore } from "./test-store";

// Each test file gets its own database: a copy of the demo estate when the file calls seedDemoEstate()
// first, otherwise an empty one. On SQLite a file, created and migrated on first use; on PostgreSQL a
// database made from the empty template the global setup migrated.
process.env.DATABASE_PATH = path.join(mkdtempSync(path.join(tmpdir(), "countersign-test-")), "countersign.db");
if (testStore === "postgres") {
  const server = inject("postgresServer");
  const database = `countersign_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await createFromTemplate(server, database, EMPTY_TEMPLATE);
  process.env.DATABASE_URL = databaseOn(server, database);
  process.env.AUTH_SECRET ??= "countersign-test-secret";
}
