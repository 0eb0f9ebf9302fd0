import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { copySqliteToPostgres } from "../db/copy";
import { redactUrl as redact } from "../db/engine";
import { closeDatabase, openDatabase, openPostgres } from "../db/index";
import { databasePath, databaseUrl } from "../lib/env";

const usage = `Usage: npm run db:copy -- --from sqlite --to postgres [--sqlite FILE] [--postgres URL]

Moves an installation from the embedded store to PostgreSQL: every row of the SQLite database at
DATABASE_PATH (or --sqlite FILE) is copied into the empty PostgreSQL database at DATABASE_URL (or
--postgres URL), migrated first, in one transaction. The audit trail is then recomputed from genesis on
PostgreSQL and must end at the same event and head hash as the source.

Stop the app before copying (writes made during the copy stay behind in SQLite), then start it with
DATABASE_URL set.

Exit status: 0 copied and verified; 1 the copy failed or does not verify (nothing is kept on a failed
copy; a copy that does not verify is kept for investigation); 2 bad arguments, no source, or a target
that is not empty.`;

class Usage extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      sqlite: { type: "string" },
      postgres: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.from !== "sqlite" || values.to !== "postgres")
    throw new Usage(`Copying goes from the embedded store to PostgreSQL: --from sqlite --to postgres.\n\n${usage}`);
  const file = path.resolve(values.sqlite ?? databasePath);
  const url = values.postgres ?? databaseUrl;
  if (!existsSync(file)) throw new Usage(`No SQLite database at ${file}. Set DATABASE_PATH or pass --sqlite FILE.`);
  if (!url || !/^postgres(ql)?:\/\//.test(url))
    throw new Usage("Name the PostgreSQL database: set DATABASE_URL=postgres://… or pass --postgres postgres://…");

  const source = openDatabase(file);
  const target = openPostgres(url, { max: 2 });
  try {
    console.log(`Copying ${file} to ${redact(url)}:`);
    const started = performance.now();
    const report = await copySqliteToPostgres(source, target, (line) => console.log(line));
    const rows = report.tables.reduce((sum, t) => sum + t.rows, 0);
    console.log(`Copied ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)}s.`);
    console.log(`Audit trail verified on PostgreSQL: ${report.auditEvents} events, head ${report.headHash}`);
    return 0;
  } finally {
    await closeDatabase(target);
    await closeDatabase(source);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.DEBUG_COPY) console.error(error);
    console.error(message);
    process.exit(error instanceof Usage || /already holds/.test(message) ? 2 : 1);
  },
);
