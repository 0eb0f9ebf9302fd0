import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { backupDatabase } from "../db/backup";
import { databasePath, databaseUrl } from "../lib/env";

const usage = `Usage: npm run db:backup -- <backup-file>

Copies the database at DATABASE_PATH (default ./data/countersign.db) to <backup-file> with SQLite's online
backup API, safe while the server is running and writing: the copy holds every write acknowledged before it
started. The copy is then checked (SQLite's integrity check and the audit trail's hash chain).

Exit status: 0 the backup is written and verified; 1 it was written but does not verify (the database
itself is damaged or tampered with: keep the file, and investigate); 2 it could not be made (no database,
the backup file already exists, bad arguments).`;

class CannotBackUp extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { help: { type: "boolean", default: false } }, allowPositionals: true });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (databaseUrl)
    throw new CannotBackUp(
      'This command backs up the embedded SQLite store; DATABASE_URL names PostgreSQL. Use pg_dump and pg_restore (see the README\'s "Running on PostgreSQL").',
    );
  if (positionals.length !== 1) throw new CannotBackUp(`Name one backup file.\n\n${usage}`);
  const destination = path.resolve(positionals[0]!);
  if (!existsSync(databasePath)) throw new CannotBackUp(`No database at ${databasePath}. Set DATABASE_PATH to the Countersign database.`);
  if (existsSync(destination)) throw new CannotBackUp(`${destination} already exists; choose a new name so no backup is overwritten.`);
  if (!existsSync(path.dirname(destination))) throw new CannotBackUp(`The folder ${path.dirname(destination)} does not exist.`);

  const check = await backupDatabase(databasePath, destination);
  const line = (label: string, value: string | number) => console.log(`${`${label}:`.padEnd(12)}${value}`);
  line("Database", databasePath);
  line("Backup", destination);
  line("Integrity", check.integrity);
  if (check.audit) {
    line("Events", check.audit.count);
    line("Head hash", check.audit.headHash);
  }
  if (!check.ok) {
    console.error(`NOT VERIFIED: ${check.problem}`);
    return 1;
  }
  console.log("OK: the backup is written and verified.");
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof CannotBackUp || error instanceof TypeError ? error.message : error);
    process.exitCode = 2;
  },
);
