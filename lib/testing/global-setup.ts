import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { writeDemoEstateTemplate } from "./demo-estate-template";

declare module "vitest" {
  export interface ProvidedContext {
    /** The demo estate, built once per run; `seedDemoEstate()` copies it into each test file's database. */
    demoEstateTemplate: string;
  }
}

// Seeding the demo estate takes seconds of CPU; doing it once per run instead of once per test file
// keeps the suite's length, and its hook times, independent of how many files use the estate.
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-template-"));
  const file = path.join(dir, "demo-estate.db");
  await writeDemoEstateTemplate(file);
  project.provide("demoEstateTemplate", file);
  return () => rmSync(dir, { recursive: true, force: true });
}
