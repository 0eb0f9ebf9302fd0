import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { writeDemoEstateTemplate } from "./demo-estate-template";
import { startTestPostgres } from "./postgres";
import { databaseOn, EMPTY_TEMPLATE, ESTATE_TEMPLATE, testStore } from "./test-store";

declare module "vitest" {
  export interface ProvidedContext {
    /** The demo estate, built once per run; `seedDemoEstate()` copies it into each test file's database. */
    demoEstateTemplate: string;
    /** On PostgreSQL runs, the test server's URL, holding the empty and demo-estate template databases. */
    postgresServer: string;
  }
}

// Seeding the demo estate takes seconds of CPU; doing it once per run instead of once per test file
// keeps the suite's length, and its hook times, independent of how many files use the estate.
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-template-"));
  const file = path.join(dir, "demo-estate.db");
  await writeDemoEstateTemplate(file);
  project.provide("demoEstateTemplate", file);
  if (testStore === "sqlite") return () => rmSync(dir, { recursive: true, force: true });

  // PostgreSQL: a throwaway server with two template databases, the empty schema and the demo estate
  // copied from the SQLite template (the same rows, keys and audit chain); each test file copies one.
  const server = await startTestPostgres(EMPTY_TEMPLATE);
  const serverUrl = databaseOn(server.url, "postgres");
  const { preparePostgresTemplates } = await import("./postgres-templates");
  await preparePostgresTemplates(serverUrl, file, ESTATE_TEMPLATE, EMPTY_TEMPLATE);
  project.provide("postgresServer", serverUrl);
  return async () => {
    const { dropTestDatabases } = await import("./postgres-templates");
    await dropTestDatabases(serverUrl, [ESTATE_TEMPLATE, EMPTY_TEMPLATE]);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
