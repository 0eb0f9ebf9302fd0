import Database from "better-sqlite3";
import { constants, copyFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { sqliteConnection } from "@/db";
import { doraMetrics, type DoraRange } from "@/lib/domain/dora";
import { doraNumbersFor, type MetricsScope } from "@/lib/server/metrics";

import { databasePath } from "@/lib/env";
import { scopedHistory, withoutItems } from "@/lib/testing/dora-reference";
import { TEST_UNTIL } from "@/lib/testing/demo-estate-template";
import { backfillDerivedTables, DERIVED_TABLES_VERSION } from "./derived";

/*
 * A database written before dora_facts existed (with a year of history) is brought up to date at start:
 * the migration adds the tables, and the backfill (run by migrate, prepare and the server's start, not by
 * opening the database) fills them once, before any request, so the first report is as fast as any other
 * and gives the figures doraMetrics gives.
 */

const DAY = 86_400_000;
const migrations = readdirSync(path.join(process.cwd(), "db", "migrations")).filter((f) => f.endsWith(".sql"));

/**
 * The demo estate as an upgrade finds it: the migration has just added the derived tables, so they are
 * empty, and no marker says they were built.
 */
function previousSchemaEstate(file: string) {
  copyFileSync(inject("demoEstateTemplate"), file, constants.COPYFILE_EXCL);
  const sqlite = new Database(file);
  const applied = sqlite.prepare("SELECT COUNT(*) FROM __drizzle_migrations").pluck().get() as number;
  expect(applied).toBe(migrations.length);
  sqlite.exec("DELETE FROM dora_facts; DELETE FROM dora_days; DELETE FROM settings WHERE key = 'derived_tables_version'");
  sqlite.close();
}

describe("upgrading a database that has history but no derived tables", () => {
  it("backfills them once at start, and the figures equal doraMetrics", async () => {
    previousSchemaEstate(databasePath);
    const { sqlite } = sqliteConnection();
    const count = (q: string) => sqlite.prepare(q).pluck().get() as number;
    expect(count("SELECT COUNT(*) FROM __drizzle_migrations")).toBe(migrations.length);
    // Opening the database leaves them alone; the start builds them.
    expect(count("SELECT COUNT(*) FROM dora_facts")).toBe(0);
    expect(await backfillDerivedTables()).toBe(true);
    expect(count("SELECT COUNT(*) FROM deployments WHERE environment = 'production'")).toBeGreaterThan(100);
    expect(count("SELECT COUNT(*) FROM dora_facts")).toBe(count("SELECT COUNT(*) FROM deployments WHERE environment = 'production'"));
    expect(count("SELECT COUNT(*) FROM dora_days")).toBeGreaterThan(0);
    expect(sqlite.prepare("SELECT value FROM settings WHERE key = 'derived_tables_version'").pluck().get()).toBe(DERIVED_TABLES_VERSION);
    // Built once: starting again leaves the tables alone.
    expect(await backfillDerivedTables()).toBe(false);

    const end = Math.floor(TEST_UNTIL / DAY) * DAY + DAY;
    const ranges: DoraRange[] = [
      { from: end - 182 * DAY, to: end },
      { from: end - 730 * DAY, to: end },
      { from: TEST_UNTIL - 97 * DAY + 12_345, to: TEST_UNTIL - 3 * DAY - 999 },
    ];
    const scopes: MetricsScope[] = [{}, { workflow: "refunds" }, { platform: "servicenow" }, { risk: "high" }];
    for (const scope of scopes)
      for (const range of ranges) {
        const reference = withoutItems(doraMetrics({ ...(await scopedHistory(scope)), range }));
        expect(await doraNumbersFor(scope, range)).toEqual(reference);
        expect(await doraNumbersFor(scope, range, 0)).toEqual(reference);
      }
  });
});
