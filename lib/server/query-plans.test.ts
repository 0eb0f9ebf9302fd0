import { beforeAll, describe, expect, it } from "vitest";
import { forgetPreparedStatements, sqliteConnection } from "@/db";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as } from "@/lib/testing/release-fixtures";
import { testStore } from "@/lib/testing/test-store";
import { openRetroSignoffs, overdueRetroSignoffCount } from "./retro-signoffs";
import { mySignoffCounts, mySignoffQueue } from "./signoffs";

/*
 * What every page pays for must not grow with the length of history. These reads run on every page
 * (the navigation's badges) or list open work: none of them may scan a table that history fills.
 * The plans are SQLite's own, for the statements the use cases really run, with the statistics the
 * database keeps (ANALYZE after seeding, PRAGMA optimize at open).
 */

const HISTORY_TABLES = ["change_records", "signoffs", "deployments", "audit_events", "agent_versions", "eval_runs", "incidents"];

beforeAll(async () => {
  if (testStore === "postgres") return;
  await seedDemoEstate();
});

/**
 * The statements `read` prepares, each with SQLite's plan for it. Reads outside a transaction run on the
 * store's reading connection, writes on the writing one: both are watched.
 */
async function plansOf(read: () => Promise<unknown>): Promise<{ sql: string; plan: string[] }[]> {
  const { sqlite, reader } = sqliteConnection();
  const connections = reader === sqlite ? [sqlite] : [sqlite, reader];
  // Statements the store already prepared are reused without preparing them again: forget them, so each is seen.
  connections.forEach(forgetPreparedStatements);
  const originals = connections.map((connection) => connection.prepare.bind(connection));
  const seen: string[] = [];
  connections.forEach((connection, i) => {
    connection.prepare = ((source: string) => {
      seen.push(source);
      return originals[i]!(source);
    }) as typeof connection.prepare;
  });
  try {
    await read();
  } finally {
    connections.forEach((connection, i) => (connection.prepare = originals[i]!));
  }
  const prepare = originals[0]!;
  return seen.map((sql) => ({
    sql,
    // The plan is made when the statement is prepared; the values bound do not change it.
    plan: (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array<null>(sql.split("?").length - 1).fill(null)) as { detail: string }[]).map(
      (row) => row.detail,
    ),
  }));
}

async function fullScans(read: () => Promise<unknown>): Promise<string[]> {
  return (await plansOf(read)).flatMap(({ sql, plan }) =>
    plan.filter((step) => HISTORY_TABLES.some((table) => new RegExp(`^SCAN ${table}\\b`).test(step))).map((step) => `${step} in ${sql}`),
  );
}

// SQLite's planner and its EXPLAIN QUERY PLAN; PostgreSQL plans from its own statistics, with another EXPLAIN.
describe.skipIf(testStore === "postgres")("reads that every page or the open-work lists make", () => {
  it("statistics exist for the planner", () => {
    expect(sqliteConnection().sqlite.prepare("SELECT COUNT(*) AS n FROM sqlite_stat1").get()).toMatchObject({ n: expect.any(Number) });
  });

  it.each([
    ["the sign-off badge", async () => await mySignoffCounts(await as("security@countersign.test"))],
    ["a page of the sign-off queue", async () => await mySignoffQueue(await as("owner@countersign.test"), { page: 1, pageSize: 50 })],
    ["the overdue retro sign-off badge", async () => await overdueRetroSignoffCount(await as("auditor@countersign.test"))],
    ["the open retro sign-offs", async () => await openRetroSignoffs(await as("ops@countersign.test"))],
  ])("%s scans no history table", async (_name, read) => {
    expect(await fullScans(read)).toEqual([]);
  });

  it("the queue asks whether the person already decided through the (change, signer) index", async () => {
    const plans = (await plansOf(async () => await mySignoffCounts(await as("security@countersign.test")))).flatMap((p) => p.plan);
    expect(plans.some((step) => /signoffs_change_idx \(change_record_id=\? AND signer_id=\?\)/.test(step))).toBe(true);
  });
});
