import { existsSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { databasePath, demoEstateEnabled } from "../lib/env";
import { eq } from "drizzle-orm";
import { backfillDerivedTables } from "./derived";
import { closeDatabase, first, openDatabase, type DB } from "./index";
import { users } from "./schema";
import { DEMO_PASSWORD, DEMO_USERS } from "./seed/estate";
import { generateEstate, isEmpty, startOfTodayUtc } from "./seed/generate";

const usage = `Usage: npm run db:seed -- [--reset] [--if-empty] [--agents N] [--months M] [--until YYYY-MM-DD] [--seed S]

  --reset      delete the database at DATABASE_PATH and build the demo estate afresh
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

  if (values.reset) {
    for (const suffix of ["", "-wal", "-shm"]) if (existsSync(databasePath + suffix)) rmSync(databasePath + suffix);
  }
  const connection = openDatabase(databasePath);
  const { db } = connection;
  try {
    // Derived tables built by older rules are rebuilt now, once, not during a request.
    await backfillDerivedTables(db);
    if (!(await isEmpty(db))) {
      if (values["if-empty"]) {
        console.log(`Database ready: ${databasePath}`);
        if (values["print-logins"] && (await hasDemoUsers(db))) printLogins();
        return;
      }
      throw new Error(`${databasePath} already holds data. Run \`npm run db:seed -- --reset\` to rebuild the demo estate.`);
    }
    if (values["if-empty"] && !demoEstateEnabled) {
      console.log(`Database ready: ${databasePath} (empty: COUNTERSIGN_DEMO=off, so no demo estate).`);
      console.log("Open the app to set up the first admin at /setup, or run `npm run admin:create -- --email … --name …`.");
      return;
    }
    const started = performance.now();
    const summary = await generateEstate(db, options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`Demo estate written to ${databasePath} in ${seconds}s:`);
    console.log(
      "  " +
        Object.entries(summary)
          .map(([k, v]) => `${v} ${k}`)
          .join(", "),
    );
    printLogins();
  } finally {
    closeDatabase(connection);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
