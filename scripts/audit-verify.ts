import Database from "better-sqlite3";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { auditCheckpointSchema, verifyAuditEvents, type AuditCheckpoint } from "../db/audit-verify";
import { databasePath } from "../lib/env";
import { withReplay } from "../lib/server/audit-replay";

const usage = `Usage: npm run audit:verify -- [--checkpoint <file.json>] [--write-checkpoint <file.json>]

Recomputes the audit trail's hash chain in the database at DATABASE_PATH (default ./data/countersign.db),
then replays the trail against the tables: every sign-off, deployment, change state, eval run, role grant
and agent version must equal what its events say.

  --checkpoint FILE        also verify against a checkpoint exported earlier (from this command or
                           GET /api/v1/audit/checkpoint): detects a truncated or rewritten tail
  --write-checkpoint FILE  after a successful verification, write the current checkpoint to FILE

Exit status: 0 the trail is intact; 1 it was tampered with; 2 it could not be checked (no database,
unreadable checkpoint, bad arguments).`;

/** Problems that stop the check itself, as opposed to a trail found tampered with. */
class CannotVerify extends Error {}

function readCheckpoint(file: string): AuditCheckpoint {
  if (!existsSync(file)) throw new CannotVerify(`Checkpoint file not found: ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new CannotVerify(`Checkpoint file is not JSON: ${file}`);
  }
  const parsed = auditCheckpointSchema.safeParse(json);
  if (!parsed.success)
    throw new CannotVerify(`Checkpoint file ${file} is not a Countersign audit checkpoint: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

function openReadOnly(file: string): Database.Database {
  // Verification never creates, migrates or writes the database it checks.
  if (!existsSync(file)) throw new CannotVerify(`No database at ${file}. Set DATABASE_PATH to the Countersign database to verify.`);
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'").get();
  if (!table) {
    sqlite.close();
    throw new CannotVerify(`${file} has no audit trail (no audit_events table): is it a Countersign database?`);
  }
  return sqlite;
}

function main(): number {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: "string" },
      "write-checkpoint": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const checkpoint = values.checkpoint ? readCheckpoint(values.checkpoint) : undefined;
  const sqlite = openReadOnly(databasePath);
  const result = (() => {
    try {
      return withReplay(sqlite, verifyAuditEvents(sqlite, checkpoint));
    } finally {
      sqlite.close();
    }
  })();

  const line = (label: string, value: string | number) => console.log(`${`${label}:`.padEnd(12)}${value}`);
  line("Database", databasePath);
  if (checkpoint) line("Checkpoint", `${checkpoint.count} events, head ${checkpoint.headHash} (exported ${checkpoint.at})`);
  line("Events", result.count);
  line("Head hash", result.headHash);
  if (!result.ok) {
    if (result.mismatches) {
      console.error(`TAMPERED: ${result.mismatches.length} rows disagree with the audit trail:`);
      for (const m of result.mismatches) console.error(`  ${m.message}`);
    } else console.error(`TAMPERED: the audit trail is broken at event #${result.firstBadSeq}: ${result.reason}`);
    return 1;
  }
  console.log(
    checkpoint
      ? "OK: the audit trail is intact, still holds the checkpoint's head, and the tables replay clean."
      : "OK: the audit trail is intact and the tables replay clean.",
  );
  if (values["write-checkpoint"]) {
    const written: AuditCheckpoint = { count: result.count, headHash: result.headHash, at: new Date().toISOString() };
    writeFileSync(values["write-checkpoint"], JSON.stringify(written, null, 2) + "\n");
    console.log(`Checkpoint written to ${values["write-checkpoint"]}: keep it outside this server.`);
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  if (error instanceof CannotVerify || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
    console.error(error.message);
    if (!(error instanceof CannotVerify)) console.error(`\n${usage}`);
  } else {
    console.error("Could not verify the audit trail:", error);
  }
  process.exitCode = 2;
}
