import Database from "better-sqlite3";
import { copyFileSync, existsSync, fsyncSync, openSync, closeSync, renameSync } from "node:fs";
import { withReplay } from "../lib/server/audit-replay";
import { verifyAuditEvents, type AuditVerification } from "./audit-verify";

// No `server-only` here: `npm run db:backup` and `db:restore` run this under plain Node, outside Next.js.

/** What a database file holds and whether it can be trusted: SQLite's integrity check and the audit chain. */
export type DatabaseCheck = { ok: boolean; integrity: string; audit: AuditVerification | null; problem: string | null };

/** Checks a database file without writing to it: `PRAGMA integrity_check`, the audit trail's hash chain, and the tables against the trail. */
export function checkDatabaseFile(file: string): DatabaseCheck {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    return { ok: false, integrity: "unreadable", audit: null, problem: `${file} cannot be opened: ${(error as Error).message}` };
  }
  try {
    const rows = sqlite.pragma("integrity_check") as { integrity_check: string }[];
    const integrity = rows.map((r) => r.integrity_check).join("; ");
    if (integrity !== "ok") return { ok: false, integrity, audit: null, problem: `SQLite's integrity check failed: ${integrity}` };
    const hasTrail = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'").get();
    if (!hasTrail) return { ok: false, integrity, audit: null, problem: `${file} has no audit trail: is it a Countersign database?` };
    // The same verdict as audit:verify: a chain that holds over tables edited by hand is tampered with too.
    const audit = withReplay(sqlite, verifyAuditEvents(sqlite));
    if (!audit.ok)
      return { ok: false, integrity, audit, problem: `the audit trail is broken at event #${audit.firstBadSeq}: ${audit.reason}` };
    return { ok: true, integrity, audit, problem: null };
  } catch (error) {
    return { ok: false, integrity: "unreadable", audit: null, problem: `${file} cannot be checked: ${(error as Error).message}` };
  } finally {
    sqlite.close();
  }
}

/**
 * Copies a live database with SQLite's online backup API, then checks the copy. The copy is made in one
 * step, inside one read transaction, so it is the database exactly as it was when the step began: every
 * write acknowledged before then is in it, while the server goes on writing. The copy is a single file
 * (rollback-journal mode); the app switches it back to WAL when it opens it.
 */
export async function backupDatabase(source: string, destination: string): Promise<DatabaseCheck> {
  const sqlite = new Database(source, { fileMustExist: true });
  try {
    sqlite.pragma("busy_timeout = 5000");
    await sqlite.backup(destination, { progress: () => 0x7fffffff });
  } finally {
    sqlite.close();
  }
  const copy = new Database(destination, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
  syncFile(destination);
  return checkDatabaseFile(destination);
}

/**
 * Whether another connection has the database open. Leaving WAL mode needs every other connection gone,
 * so trying it (without waiting) answers the question; a database nobody uses is left checkpointed, in
 * one file, ready to be moved aside.
 */
export function databaseInUse(file: string): boolean {
  const sqlite = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    return sqlite.pragma("journal_mode = DELETE", { simple: true }) !== "delete";
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("SQLITE_BUSY")) return true;
    throw error;
  } finally {
    sqlite.close();
  }
}

export type RestoreOutcome =
  | { restored: true; previous: string | null; check: DatabaseCheck }
  | { restored: false; refusal: "unverified" | "in_use" | "previous_kept"; message: string; check?: DatabaseCheck };

/** The names a database's files go by: the file itself, its write-ahead log and its shared-memory index. */
const companions = (file: string) => [file, `${file}-wal`, `${file}-shm`];

/**
 * Puts a verified backup in place of `target`. Refuses a backup whose integrity or audit chain does not
 * verify, a target another process has open (unless `force`), and overwriting an earlier
 * `<target>.before-restore`. The database being replaced is kept as `<target>.before-restore`.
 */
export function restoreDatabase(backup: string, target: string, options: { force?: boolean } = {}): RestoreOutcome {
  const check = checkDatabaseFile(backup);
  if (!check.ok) return { restored: false, refusal: "unverified", message: `The backup does not verify: ${check.problem}`, check };
  const previous = `${target}.before-restore`;
  const exists = existsSync(target);
  if (exists && existsSync(previous))
    return {
      restored: false,
      refusal: "previous_kept",
      message: `${previous} is still there from an earlier restore; move it away first.`,
    };
  if (exists && !options.force && databaseInUse(target))
    return {
      restored: false,
      refusal: "in_use",
      message: `${target} is in use: stop the server first (or pass --force, then restart the server at once).`,
    };

  const incoming = `${target}.restoring`;
  copyFileSync(backup, incoming);
  syncFile(incoming);
  if (exists) {
    // The log and index move with their database: a stale log beside the restored file would be replayed into it.
    for (const [from, to] of companions(target).map((f, i) => [f, companions(previous)[i]!] as const)) {
      if (existsSync(from)) renameSync(from, to);
    }
  }
  renameSync(incoming, target);
  return { restored: true, previous: exists ? previous : null, check: checkDatabaseFile(target) };
}

function syncFile(file: string): void {
  const fd = openSync(file, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
