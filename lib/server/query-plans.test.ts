import { beforeAll, describe, expect, it } from "vitest";
import { getConnection } from "@/db";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as } from "@/lib/testing/release-fixtures";
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
  await seedDemoEstate();
});

/** The statements `read` prepares, each with SQLite's plan for it. */
function plansOf(read: () => unknown): { sql: string; plan: string[] }[] {
  const { sqlite } = getConnection();
  const prepare = sqlite.prepare.bind(sqlite);
  const seen: string[] = [];
  sqlite.prepare = ((source: string) => {
    seen.push(source);
    return prepare(source);
  }) as typeof sqlite.prepare;
  try {
    read();
  } finally {
    sqlite.prepare = prepare;
  }
  return seen.map((sql) => ({
    sql,
    // The plan is made when the statement is prepared; the values bound do not change it.
    plan: (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array<null>(sql.split("?").length - 1).fill(null)) as { detail: string }[]).map(
      (row) => row.detail,
    ),
  }));
}

function fullScans(read: () => unknown): string[] {
  return plansOf(read).flatMap(({ sql, plan }) =>
    plan.filter((step) => HISTORY_TABLES.some((table) => new RegExp(`^SCAN ${table}\\b`).test(step))).map((step) => `${step} in ${sql}`),
  );
}

describe("reads that every page or the open-work lists make", () => {
  it("statistics exist for the planner", () => {
    expect(getConnection().sqlite.prepare("SELECT COUNT(*) AS n FROM sqlite_stat1").get()).toMatchObject({ n: expect.any(Number) });
  });

  it.each([
    ["the sign-off badge", () => mySignoffCounts(as("security@countersign.test"))],
    ["a page of the sign-off queue", () => mySignoffQueue(as("owner@countersign.test"), { page: 1, pageSize: 50 })],
    ["the overdue retro sign-off badge", () => overdueRetroSignoffCount(as("auditor@countersign.test"))],
    ["the open retro sign-offs", () => openRetroSignoffs(as("ops@countersign.test"))],
  ])("%s scans no history table", (_name, read) => {
    expect(fullScans(read)).toEqual([]);
  });

  it("the queue asks whether the person already decided through the (change, signer) index", () => {
    const plans = plansOf(() => mySignoffCounts(as("security@countersign.test"))).flatMap((p) => p.plan);
    expect(plans.some((step) => /signoffs_change_idx \(change_record_id=\? AND signer_id=\?\)/.test(step))).toBe(true);
  });
});
