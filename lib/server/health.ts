import "server-only";
import { statfsSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { durabilityFailure, execute, getConnection, sqliteOf, storageFailure, withTransaction } from "@/db";

export type Health = { status: "ok" } | { status: "unavailable"; reason: string };

/** Below this much free space on the database's disk, a write may fail at any moment: say so before it does. */
const MIN_FREE_BYTES = 16 * 1024 * 1024;

/**
 * Whether the database can take a write right now, and if not, why. A read alone answers even when
 * the file is read-only or the disk is full, so the check takes the write lock and writes a table in a
 * transaction it then rolls back: nothing is kept, but a read-only or full database refuses it.
 */
export async function checkHealth(): Promise<Health> {
  try {
    const sqlite = sqliteOf(getConnection());
    const unflushed = durabilityFailure(sqlite);
    if (unflushed) return { status: "unavailable", reason: `${unflushed}: writes are refused until Countersign is restarted` };
    await probeWrite();
    // PostgreSQL's disk is the server's to watch; a full one fails the probe's write.
    if (sqlite && sqlite.name !== ":memory:" && freeBytes(sqlite.name) < MIN_FREE_BYTES)
      return { status: "unavailable", reason: "the disk holding the database is (nearly) full" };
    return { status: "ok" };
  } catch (error) {
    const reason = storageFailure(error);
    console.error("Health check failed", error);
    return { status: "unavailable", reason: reason ?? "the database did not answer" };
  }
}

const PROBED = new Error("the health probe's write is rolled back");

async function probeWrite(): Promise<void> {
  try {
    await withTransaction(async (tx) => {
      // A new table needs a new page, so a database at its size limit refuses it even with room inside its pages.
      await execute(sql`CREATE TABLE health_probe (written INTEGER)`, tx);
      await execute(sql`INSERT INTO health_probe VALUES (1)`, tx);
      throw PROBED;
    });
  } catch (error) {
    if (error !== PROBED) throw error;
  }
}

function freeBytes(file: string): number {
  const stats = statfsSync(path.dirname(file));
  return stats.bavail * stats.bsize;
}
