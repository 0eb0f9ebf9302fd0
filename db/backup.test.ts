import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { databasePath } from "@/lib/env";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { testStore } from "@/lib/testing/test-store";
import { acknowledged, killHard, startWriteStream, untilAcknowledged } from "@/lib/testing/write-stream-runner";
import { backupDatabase, checkDatabaseFile, restoreDatabase } from "./backup";

/** `npm run db:backup` and `db:restore`: a consistent copy of a live database, and a restore that trusts only what verifies. */

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  if (testStore === "postgres") return;
  await seedDemoEstate();
  dir = mkdtempSync(path.join(tmpdir(), "countersign-backup-"));
});

function incidentIds(db: string): Set<string> {
  const sqlite = new Database(db, { readonly: true });
  try {
    return new Set((sqlite.prepare("SELECT id FROM incidents").all() as { id: string }[]).map((r) => r.id));
  } finally {
    sqlite.close();
  }
}

/** Edits an audit event the way someone with the file and a SQLite shell could: triggers dropped, payload changed. */
function tamper(db: string) {
  const sqlite = new Database(db);
  try {
    for (const { name } of sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'").all() as {
      name: string;
    }[])
      sqlite.exec(`DROP TRIGGER "${name}"`);
    sqlite.prepare(`UPDATE audit_events SET payload = '{"reason":"nothing to see"}' WHERE seq = 5`).run();
  } finally {
    sqlite.close();
  }
}

function restoreCli(backup: string, database: string, ...flags: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/db-restore.ts", backup, ...flags], {
    env: { ...process.env, DATABASE_PATH: database },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// db:backup and db:restore copy and check SQLite's file; a PostgreSQL server is backed up with its own tools.
describe.skipIf(testStore === "postgres")("db:backup", () => {
  it("taken while another process writes, holds every write acknowledged before it started, and verifies", async () => {
    const ledger = file("ledger");
    const writer = startWriteStream(databasePath, ledger, "during backup");
    try {
      const before = await untilAcknowledged(ledger, 20, writer);
      const check = await backupDatabase(databasePath, file("live.db"));
      await untilAcknowledged(ledger, acknowledged(ledger).length + 10, writer); // the writer went on
      expect(check).toMatchObject({ ok: true, integrity: "ok", audit: { ok: true } });
      const inBackup = incidentIds(file("live.db"));
      expect(before.filter((id) => !inBackup.has(id))).toEqual([]);
      expect(existsSync(file("live.db-wal"))).toBe(false); // one self-contained file
    } finally {
      await killHard(writer);
    }
  });
});

describe.skipIf(testStore === "postgres")("db:restore", () => {
  let good: string;
  beforeAll(async () => {
    good = file("good.db");
    expect((await backupDatabase(databasePath, good)).ok).toBe(true);
  });

  it("refuses a backup whose audit trail was tampered with, and leaves the database as it was", () => {
    const tampered = file("tampered.db");
    copyFileSync(good, tampered);
    tamper(tampered);
    const target = file("target-1.db");
    copyFileSync(good, target);
    const original = readFileSync(target);

    const outcome = restoreDatabase(tampered, target);
    expect(outcome).toMatchObject({ restored: false, refusal: "unverified" });
    expect(outcome.restored === false && outcome.message).toMatch(/audit trail is broken at event #5/);
    expect(readFileSync(target).equals(original)).toBe(true);
    expect(existsSync(`${target}.before-restore`)).toBe(false);

    const cli = restoreCli(tampered, target);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/NOT RESTORED: The backup does not verify/);
  });

  it("refuses a backup whose tables were edited by hand, though its hash chain still holds", () => {
    const edited = file("edited-table.db");
    copyFileSync(good, edited);
    const sqlite = new Database(edited);
    try {
      sqlite.prepare("UPDATE eval_runs SET failed = 0 WHERE id = (SELECT id FROM eval_runs WHERE failed > 0 LIMIT 1)").run();
    } finally {
      sqlite.close();
    }
    const check = checkDatabaseFile(edited);
    expect(check.ok).toBe(false);
    expect(check.problem).toMatch(/the tables disagree with the trail/);
    const target = file("target-edited.db");
    copyFileSync(good, target);
    expect(restoreDatabase(edited, target)).toMatchObject({ restored: false, refusal: "unverified" });
  });

  it("refuses a damaged file", () => {
    const damaged = file("damaged.db");
    const bytes = readFileSync(good);
    bytes.fill(0x5a, 8192, 8192 + 16384);
    writeFileSync(damaged, bytes);
    expect(restoreDatabase(damaged, file("target-2.db"))).toMatchObject({ restored: false, refusal: "unverified" });
    expect(existsSync(file("target-2.db"))).toBe(false);
  });

  it("refuses a database in use unless forced, and keeps the one it replaces as .before-restore", () => {
    // This test file's own connection has DATABASE_PATH open, as a running server would.
    const inUse = restoreDatabase(good, databasePath);
    expect(inUse).toMatchObject({ restored: false, refusal: "in_use" });
    expect(restoreCli(good, databasePath).status).toBe(2);

    const target = file("target-3.db");
    copyFileSync(databasePath, target);
    const cli = restoreCli(good, target);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/OK: the database is restored and verified/);
    expect(checkDatabaseFile(`${target}.before-restore`).ok).toBe(true);
    expect(checkDatabaseFile(target).audit).toEqual(checkDatabaseFile(good).audit);

    const forced = restoreDatabase(good, databasePath, { force: true });
    expect(forced).toMatchObject({ restored: true, previous: `${databasePath}.before-restore` });
  });
});
