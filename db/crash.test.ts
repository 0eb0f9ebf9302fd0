import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { databasePath } from "@/lib/env";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { testStore } from "@/lib/testing/test-store";
import { acknowledged, killHard, startWriteStream, untilAcknowledged } from "@/lib/testing/write-stream-runner";
import { checkDatabaseFile } from "./backup";

/**
 * The crash test: a process writing through the real use cases is killed with SIGKILL in the middle of
 * its write stream, again and again. Afterwards the database passes SQLite's integrity check, the audit
 * chain verifies, and every write the process acknowledged (its ledger) is in the database. When to kill
 * is counted in writes, never in seconds, so a slow machine runs the same test, only slower.
 */

/** How many more acknowledged writes to wait for before each of 12 kills: uneven, so kills land at different points. */
const WRITES_BEFORE_KILL = Array.from({ length: 12 }, (_, i) => 1 + ((i * 37 + 11) % 43));

// SQLite's file after kill -9 (its integrity check, its write-ahead log); PostgreSQL's durability is its server's.
it.skipIf(testStore === "postgres")(
  `survives ${WRITES_BEFORE_KILL.length} kill -9 during a write stream without losing an acknowledged write`,
  async () => {
    await seedDemoEstate();
    const ledger = path.join(mkdtempSync(path.join(tmpdir(), "countersign-crash-")), "ledger");
    const incidentIds = () => {
      const sqlite = new Database(databasePath, { readonly: true });
      try {
        return new Set((sqlite.prepare("SELECT id FROM incidents").all() as { id: string }[]).map((r) => r.id));
      } finally {
        sqlite.close();
      }
    };

    let kills = 0;
    for (const [round, writes] of WRITES_BEFORE_KILL.entries()) {
      const child = startWriteStream(databasePath, ledger, `round ${round}`);
      await untilAcknowledged(ledger, acknowledged(ledger).length + writes, child);
      await killHard(child);
      kills++;
      const check = checkDatabaseFile(databasePath);
      expect(check, `after kill ${kills}`).toMatchObject({ ok: true, integrity: "ok" });
    }

    const acked = acknowledged(ledger);
    const stored = incidentIds();
    const lost = acked.filter((id) => !stored.has(id));
    console.log(`Crash test: ${kills} kills, ${acked.length} acknowledged writes, ${lost.length} lost`);
    expect(kills).toBe(WRITES_BEFORE_KILL.length);
    expect(acked.length).toBeGreaterThanOrEqual(WRITES_BEFORE_KILL.reduce((a, b) => a + b, 0));
    expect(lost).toEqual([]);
  },
);
