import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

/*
 * A write is answered once it is on disk. The database commits without waiting for the disk
 * (synchronous=NORMAL in WAL mode); `durable()` flushes the write-ahead log, once for all the writes
 * that wait together. These tests count the flushes the file system is asked for.
 */

const flushes = vi.hoisted(() => ({ count: 0, fail: null as NodeJS.ErrnoException | null }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const fsync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    flushes.count += 1;
    if (flushes.fail) return setImmediate(() => callback(flushes.fail));
    fs.fsync(fd, callback);
  };
  return { ...fs, default: { ...fs, fsync }, fsync };
});

const { durable, durabilityFailure, openDatabase, storageFailure } = await import("./index");

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

function freshDatabase() {
  const { sqlite } = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "countersign-durable-")), "d.db"));
  sqlite.exec("CREATE TABLE IF NOT EXISTS t (x INTEGER)");
  return sqlite;
}

afterEach(() => {
  flushes.count = 0;
  flushes.fail = null;
});

describe("durable writes", () => {
  it("runs the log in WAL mode without a flush per commit", () => {
    const sqlite = freshDatabase();
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(1);
  });

  it("flushes the log once for the writes that wait together", async () => {
    const sqlite = freshDatabase();
    const insert = sqlite.prepare("INSERT INTO t VALUES (?)");
    const waits = Array.from({ length: 20 }, (_, i) => {
      insert.run(i);
      return durable(sqlite);
    });
    await Promise.all(waits);
    // The first caller's flush, and at most one more for those who committed while it ran.
    expect(flushes.count).toBeGreaterThanOrEqual(1);
    expect(flushes.count).toBeLessThanOrEqual(2);
  });

  it("a write committed while a flush runs waits for the next flush, never only the one under way", async () => {
    const sqlite = freshDatabase();
    const insert = sqlite.prepare("INSERT INTO t VALUES (?)");
    insert.run(1);
    const first = durable(sqlite);
    insert.run(2);
    const second = durable(sqlite);
    const third = durable(sqlite);
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    expect(flushes.count).toBe(1);
    await second;
    expect(flushes.count).toBe(2);
  });

  it("a flush that fails is told as saved but unconfirmed, and is final: later writes are refused, not acknowledged", async () => {
    const sqlite = freshDatabase();
    const insert = sqlite.prepare("INSERT INTO t VALUES (?)");
    insert.run(1);
    flushes.fail = Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
    const first = durable(sqlite).catch((error: unknown) => error);
    insert.run(2);
    const waiting = durable(sqlite).catch((error: unknown) => error);
    for (const refused of [await first, await waiting]) {
      expect(refused).toMatchObject({ code: "storage_unavailable", details: { saved: true } });
      expect((refused as Error).message).toMatch(
        /^Saved, but the disk did not confirm it \(the database file could not be read or written/,
      );
    }
    expect(durabilityFailure(sqlite)).toBe("the database file could not be read or written (I/O error)");
    // After a failed fsync the kernel may drop the pages and report the next fsync as a success: even
    // with the disk back, nothing more is written or confirmed until the process starts afresh.
    flushes.fail = null;
    expect(() => insert.run(3)).toThrow(expect.objectContaining({ code: "SQLITE_READONLY" }));
    expect(storageFailure(errorOf(() => insert.run(3)))).toBe("the database is read-only");
    await expect(durable(sqlite)).rejects.toMatchObject({ details: { saved: true } });
    expect(flushes.count).toBe(1);
  });

  it("an in-memory database has nothing to flush", async () => {
    const { sqlite } = openDatabase(":memory:");
    await durable(sqlite);
    expect(flushes.count).toBe(0);
  });
});
