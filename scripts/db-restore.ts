import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { restoreDatabase } from "../db/backup";
import { databasePath, databaseUrl } from "../lib/env";

const usage = `Usage: npm run db:restore -- <backup-file> [--force]

Puts <backup-file> in place of the database at DATABASE_PATH (default ./data/countersign.db), after checking
it (SQLite's integrity check and the audit trail's hash chain). The database it replaces is kept as
<database>.before-restore. Stop the server first.

  --force   restore even though another process has the database open (restart that process at once:
            it goes on writing to the file now named .before-restore)

Exit status: 0 restored; 1 refused, because the backup does not verify; 2 not restored for another
reason (no backup file, the database is in use, an earlier .before-restore is in the way, bad arguments).`;

class CannotRestore extends Error {}

function main(): number {
  const { values, positionals } = parseArgs({
    options: { force: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (databaseUrl)
    throw new CannotRestore(
      'This command restores the embedded SQLite store; DATABASE_URL names PostgreSQL. Use pg_dump and pg_restore (see the README\'s "Running on PostgreSQL").',
    );
  if (positionals.length !== 1) throw new CannotRestore(`Name one backup file.\n\n${usage}`);
  const backup = path.resolve(positionals[0]!);
  if (!existsSync(backup)) throw new CannotRestore(`No backup at ${backup}.`);

  const outcome = restoreDatabase(backup, databasePath, { force: values.force });
  if (!outcome.restored) {
    console.error(`NOT RESTORED: ${outcome.message}`);
    return outcome.refusal === "unverified" ? 1 : 2;
  }
  const line = (label: string, value: string | number) => console.log(`${`${label}:`.padEnd(12)}${value}`);
  line("Restored", `${backup} → ${databasePath}`);
  if (outcome.previous) line("Previous", outcome.previous);
  line("Events", outcome.check.audit?.count ?? 0);
  line("Head hash", outcome.check.audit?.headHash ?? "");
  console.log("OK: the database is restored and verified. Start the server.");
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof CannotRestore || error instanceof TypeError ? error.message : error);
  process.exitCode = 2;
}
