import { sql } from "drizzle-orm";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { execute, rows, withTransaction } from "@/db";
import { doraMetrics, type DoraRange } from "@/lib/domain/dora";
import { doraNumbersFor, type MetricsScope } from "@/lib/server/metrics";

import { scopedHistory, withoutItems } from "@/lib/testing/dora-reference";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { TEST_UNTIL } from "@/lib/testing/demo-estate-template";
import { testStore } from "@/lib/testing/test-store";
import { backfillDerivedTables, DERIVED_TABLES_VERSION } from "./derived";

/*
 * A database written before dora_facts existed (with a year of history) is brought up to date at start:
 * the migration adds the tables, and the backfill (run by migrate, prepare and the server's start, not by
 * opening the database) fills them once, before any request, so the first report is as fast as any other
 * and gives the figures doraMetrics gives.
 */

const DAY = 86_400_000;
const migrationsFolder = testStore === "postgres" ? "migrations-pg" : "migrations";
const migrations = readdirSync(path.join(process.cwd(), "db", migrationsFolder)).filter((f) => f.endsWith(".sql"));

const count = async (query: string) => (await rows<{ n: number }>(sql.raw(`SELECT COUNT(*) AS n FROM ${query}`)))[0]!.n;
/** The migrations the store has applied: drizzle keeps them in its own schema on PostgreSQL. */
const applied = () => count(testStore === "postgres" ? "drizzle.__drizzle_migrations" : "__drizzle_migrations");

/**
 * The demo estate as an upgrade finds it: the migration has just added the derived tables, so they are
 * empty, and no marker says they were built.
 */
async function previousSchemaEstate() {
  await seedDemoEstate();
  expect(await applied()).toBe(migrations.length);
  await withTransaction(async (tx) => {
    await execute(sql`DELETE FROM dora_facts`, tx);
    await execute(sql`DELETE FROM dora_days`, tx);
    await execute(sql`DELETE FROM settings WHERE key = 'derived_tables_version'`, tx);
  });
}

describe("upgrading a database that has history but no derived tables", () => {
  it("backfills them once at start, and the figures equal doraMetrics", async () => {
    await previousSchemaEstate();
    // Opening the database leaves them alone; the start builds them.
    expect(await count("dora_facts")).toBe(0);
    expect(await backfillDerivedTables()).toBe(true);
    const production = await count("deployments WHERE environment = 'production'");
    expect(production).toBeGreaterThan(100);
    expect(await count("dora_facts")).toBe(production);
    expect(await count("dora_days")).toBeGreaterThan(0);
    expect(await rows(sql`SELECT value FROM settings WHERE key = 'derived_tables_version'`)).toEqual([{ value: DERIVED_TABLES_VERSION }]);
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
