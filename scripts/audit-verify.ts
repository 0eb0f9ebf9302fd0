import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { closeDatabase, openPostgres, rows, storageFailure, withSnapshot } from "../db";
import { auditCheckpointSchema, verifyAuditEvents, type AuditCheckpoint, type AuditVerification } from "../db/audit-verify";
import { redactUrl } from "../db/engine";
import type { ChainCheckpoint } from "../lib/domain/audit-chain";
import type { ReplayMismatch } from "../lib/domain/audit-replay";
import { databasePath, databaseUrl } from "../lib/env";
import { verifyAndReplayStore, withReplay } from "../lib/server/audit-replay";

const usage = `Usage: npm run audit:verify -- [--checkpoint <file.json>] [--write-checkpoint <file.json>]

Recomputes the audit trail's hash chain in the database at DATABASE_URL (PostgreSQL) or, without it, at
DATABASE_PATH (default ./data/countersign.db), then replays the trail against the tables: every sign-off,
deployment, change state, eval run, role grant and agent version must equal what its events say.

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

type Verified = AuditVerification & { mismatches?: ReplayMismatch[] };

function verifyFile(file: string, checkpoint?: ChainCheckpoint): Verified {
  const sqlite = openReadOnly(file);
  try {
    return withReplay(sqlite, verifyAuditEvents(sqlite, checkpoint));
  } finally {
    sqlite.close();
  }
}

/** The PostgreSQL store, read in one snapshot; its sessions are read-only unless a transaction says otherwise, and none does. */
async function verifyPostgres(url: string, checkpoint?: ChainCheckpoint): Promise<Verified> {
  const store = openPostgres(url, { max: 1 });
  try {
    return await withSnapshot(async (snapshot) => {
      const [trail] = await rows<{ table: string | null }>(sql`SELECT to_regclass('audit_events')::text AS "table"`, snapshot);
      if (!trail?.table)
        throw new CannotVerify(`${redactUrl(url)} has no audit trail (no audit_events table): is it a Countersign database?`);
      return await verifyAndReplayStore(snapshot, checkpoint);
    }, store.db);
  } catch (error) {
    const unreachable = storageFailure(error);
    if (unreachable) throw new CannotVerify(`Cannot read the database at ${redactUrl(url)}: ${unreachable}.`);
    throw error;
  } finally {
    await closeDatabase(store);
  }
}

async function main(): Promise<number> {
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
  const result = databaseUrl ? await verifyPostgres(databaseUrl, checkpoint) : verifyFile(databasePath, checkpoint);

  const line = (label: string, value: string | number) => console.log(`${`${label}:`.padEnd(12)}${value}`);
  line("Database", databaseUrl ? redactUrl(databaseUrl) : databasePath);
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

main().then(
  (status) => (process.exitCode = status),
  (error: unknown) => {
    if (
      error instanceof CannotVerify ||
      (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      console.error(error.message);
      if (!(error instanceof CannotVerify)) console.error(`\n${usage}`);
    } else {
      console.error("Could not verify the audit trail:", error);
    }
    process.exitCode = 2;
  },
);
