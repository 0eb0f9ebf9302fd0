import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";

// Review (issue 14): one failed fsync leaves `next` holding a rejected promise that is never cleared,
// so every later caller who arrives while a flush is running is refused at once, for the life of the process.
const flushes = vi.hoisted(() => ({ count: 0, fail: null as NodeJS.ErrnoException | null }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const fsync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    flushes.count += 1;
    const fail = flushes.fail;
    if (fail) return setImmediate(() => callback(fail));
    fs.fsync(fd, callback);
  };
  return { ...fs, default: { ...fs, fsync }, fsync };
});
const { durable, openDatabase } = await import("./index");

describe("review: durable() after a transient fsync failure", () => {
  it("a caller that waits behind a running flush, after the disk recovered, is not refused by an old failure", async () => {
    const { sqlite } = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "review-durable-")), "d.db"));
    sqlite.exec("CREATE TABLE t (x INTEGER)");
    const insert = sqlite.prepare("INSERT INTO t VALUES (?)");
    // One transient failure while a second caller waits behind it.
    insert.run(1);
    flushes.fail = Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
    const a = durable(sqlite).catch(() => "refused");
    insert.run(2);
    const b = durable(sqlite).catch(() => "refused");
    expect(await a).toBe("refused");
    expect(await b).toBe("refused");
    // The disk is fine again.
    flushes.fail = null;
    insert.run(3);
    const c = durable(sqlite); // starts a flush
    insert.run(4);
    const d = durable(sqlite); // must wait for the next flush, and succeed
    await expect(c).resolves.toBeUndefined();
    await expect(d).resolves.toBeUndefined();
  });
});
