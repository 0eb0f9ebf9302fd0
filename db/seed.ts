import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { databasePath, databaseUrl, demoEstateEnabled } from "../lib/env";
import { eq, sql } from "drizzle-orm";
import { spawnSync } from "node:child_process";
import { copySqliteToPostgres } from "./copy";
import { redactUrl as redact } from "./engine";
import { backfillDerivedTables } from "./derived";
import { closeDatabase, first, migrateStore, openDatabase, openPostgres, rows, type Connection, type DB } from "./index";
import { users } from "./schema";
import { DEMO_PASSWORD, DEMO_USERS } from "./seed/estate";
import { generateEstate, isEmpty, startOfTodayUtc } from "./seed/generate";

const usage = `Usage: npm run db:seed -- [--reset] [--if-empty] [--agents N] [--months M] [--until YYYY-MM-DD] [--seed S]

  --reset      delete the database at DATABASE_PATH and build the demo estate afresh (SQLite only)
  --if-empty   seed only when the database holds no data (what \`npm start\` does)
  --print-logins  with --if-empty, list the demo logins when the demo estate is present
  --agents N   number of agents (default 24; larger estates are for benchmarks)
  --months M   months of history (default 12)
  --until D    the day the history ends (default: today, UTC)
  --seed S     random seed (default 1); the same options give the same estate and hashes`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1 (got "${value}")`);
  return n;
}

function printLogins() {
  console.log(`\nDemo logins (password for all: ${DEMO_PASSWORD}):`);
  for (const u of DEMO_USERS) console.log(`  ${u.email.padEnd(30)} ${u.roles.join(", ")}`);
}

async function hasDemoUsers(db: DB): Promise<boolean> {
  return (await first(db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_USERS[0]!.email)))) !== undefined;
}

async function main() {
  const { values } = parseArgs({
    options: {
      reset: { type: "boolean", default: false },
      "if-empty": { type: "boolean", default: false },
      "print-logins": { type: "boolean", default: false },
      agents: { type: "string" },
      months: { type: "string" },
      until: { type: "string" },
      seed: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return console.log(usage);
  const until = values.until ? Date.parse(`${values.until}T00:00:00Z`) : startOfTodayUtc();
  if (Number.isNaN(until)) throw new Error(`--until must be a date like 2026-11-21 (got "${values.until}")`);
  const options = {
    agents: positive("agents", values.agents, 24),
    months: positive("months", values.months, 12),
    seed: positive("seed", values.seed, 1),
    until,
  };

  if (values.reset && databaseUrl)
    throw new Error("--reset deletes a SQLite file; on PostgreSQL, drop and create the database yourself, then seed it.");
  if (values.reset) {
    for (const suffix of ["", "-wal", "-shm"]) if (existsSync(databasePath + suffix)) rmSync(databasePath + suffix);
  }
  const connection: Connection = databaseUrl ? openPostgres(databaseUrl, { max: 2 }) : openDatabase(databasePath);
  const where = databaseUrl ? redact(databaseUrl) : databasePath;
  const { db } = connection;
  try {
    await migrateStore(connection);
    // Derived tables built by older rules are rebuilt now, once, not during a request. (An empty PostgreSQL
    // database is left empty for the copy that seeds it, which brings the estate's own bookkeeping.)
    const empty = await isEmpty(db);
    if (connection.engine === "sqlite" || !empty) await backfillDerivedTables(db);
    if (!empty) {
      if (values["if-empty"]) {
        console.log(`Database ready: ${where}`);
        if (values["print-logins"] && (await hasDemoUsers(db))) printLogins();
        return;
      }
      throw new Error(`${where} already holds data. Run \`npm run db:seed -- --reset\` to rebuild the demo estate.`);
    }
    if (values["if-empty"] && !demoEstateEnabled) {
      await backfillDerivedTables(db);
      console.log(`Database ready: ${where} (empty: COUNTERSIGN_DEMO=off, so no demo estate).`);
      console.log("Open the app to set up the first admin at /setup, or run `npm run admin:create -- --email … --name …`.");
      return;
    }
    const started = performance.now();
    const summary = connection.engine === "sqlite" ? await generateEstate(db, options) : await seedPostgres(connection, options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`Demo estate written to ${where} in ${seconds}s:`);
    console.log(
      "  " +
        Object.entries(summary)
          .map(([k, v]) => `${v} ${k}`)
          .join(", "),
    );
    printLogins();
  } finally {
    await closeDatabase(connection);
  }
}

/**
 * The demo estate on PostgreSQL: generated into a temporary SQLite file by this same script in a process of
 * its own (the generator bulk-loads through SQLite's connection, and a process's tables are one engine's),
 * then copied across as `npm run db:copy` does, the audit chain verified on arrival.
 */
async function seedPostgres(
  target: Extract<Connection, { engine: "postgres" }>,
  options: { agents: number; months: number; seed: number; until: number },
) {
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-seed-"));
  const file = path.join(dir, "estate.db");
  try {
    const until = new Date(options.until).toISOString().slice(0, 10);
    const args = ["--conditions=react-server", "db/seed.ts", "--agents", `${options.agents}`, "--months", `${options.months}`];
    const env = { ...process.env, DATABASE_PATH: file, DATABASE_URL: "" };
    const run = spawnSync(process.execPath, [...process.execArgv, ...args, "--seed", `${options.seed}`, "--until", until], {
      env,
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`Generating the demo estate failed; PostgreSQL was left empty.\n${run.stderr || run.stdout}`);
    const source = openDatabase(file);
    try {
      await copySqliteToPostgres(source, target);
      const counts = await rows<{ agents: number; changes: number; events: number }>(
        sql`SELECT (SELECT COUNT(*) FROM agents) AS agents, (SELECT COUNT(*) FROM change_records) AS changes, (SELECT COUNT(*) FROM audit_events) AS events`,
        target.db,
      );
      return { ...counts[0] };
    } finally {
      await closeDatabase(source);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
