import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { changedRows, closeDatabase, first, openDatabase, outsideSnapshot, withSnapshot, withTransaction, type DB } from "./index";
import { settings } from "./schema";

// The store's seam: every use case reads through `db` and writes inside `withTransaction`. These tests pin
// down what the use cases rely on, on the embedded store (one file, a writing and a reading connection).
const connection = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "countersign-store-")), "store.db"));
const { db } = connection;
afterAll(() => closeDatabase(connection));

const valueOf = async (key: string, from: DB = db) => (await first(from.select().from(settings).where(eq(settings.key, key))))?.value;
const put = (tx: DB, key: string, value: string) =>
  tx.insert(settings).values({ key, value, updatedAt: 1 }).onConflictDoUpdate({ target: settings.key, set: { value } });

describe("withTransaction", () => {
  it("commits what the work wrote and returns what it returned", async () => {
    const result = await withTransaction(async (tx) => {
      await put(tx, "commit", "kept");
      return "done";
    }, db);
    expect(result).toBe("done");
    expect(await valueOf("commit")).toBe("kept");
  });

  it("rolls back everything the work wrote when it throws, and passes the error on", async () => {
    const failure = new Error("refused half-way");
    await expect(
      withTransaction(async (tx) => {
        await put(tx, "rolled-back", "first write");
        await put(tx, "rolled-back-too", "second write");
        throw failure;
      }, db),
    ).rejects.toBe(failure);
    expect(await valueOf("rolled-back")).toBeUndefined();
    expect(await valueOf("rolled-back-too")).toBeUndefined();
  });

  it("refuses a write made outside a transaction, and changes nothing", async () => {
    await expect(put(db, "outside", "no")).rejects.toThrow(/readonly/);
    expect(await valueOf("outside")).toBeUndefined();
  });

  it("keeps an open transaction's writes from readers outside it until it commits", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const writing = withTransaction(async (tx) => {
      await put(tx, "isolated", "uncommitted");
      // Inside, the transaction sees its own write, through any variable holding the handle.
      expect(await valueOf("isolated", db)).toBe("uncommitted");
      await held;
    }, db);
    await sleep(5);
    expect(await valueOf("isolated")).toBeUndefined();
    release();
    await writing;
    expect(await valueOf("isolated")).toBe("uncommitted");
  });

  it("runs transactions one at a time: the second starts after the first commits", async () => {
    const order: string[] = [];
    const a = withTransaction(async (tx) => {
      order.push("a begins");
      await put(tx, "counter", "1");
      await sleep(20);
      order.push("a commits");
    }, db);
    const b = withTransaction(async (tx) => {
      order.push("b begins");
      expect(await valueOf("counter", tx)).toBe("1");
      await put(tx, "counter", "2");
    }, db);
    await Promise.all([a, b]);
    expect(order).toEqual(["a begins", "a commits", "b begins"]);
    expect(await valueOf("counter")).toBe("2");
  });

  it("runs a transaction inside another as a savepoint: a failure inside rolls back only its own writes", async () => {
    await withTransaction(async (tx) => {
      await put(tx, "outer", "kept");
      await expect(
        withTransaction(async (inner) => {
          await put(inner, "inner", "undone");
          throw new Error("inner refused");
        }, db),
      ).rejects.toThrow("inner refused");
      expect(await valueOf("inner", tx)).toBeUndefined();
      await withTransaction(async (inner) => put(inner, "inner-2", "kept"), db);
    }, db);
    expect(await valueOf("outer")).toBe("kept");
    expect(await valueOf("inner")).toBeUndefined();
    expect(await valueOf("inner-2")).toBe("kept");
  });

  it("queues a write made by a timer a transaction left behind, after it committed", async () => {
    let later!: Promise<void>;
    await withTransaction(async (tx) => {
      await put(tx, "left-behind", "first");
      later = new Promise<void>((resolve, reject) =>
        setTimeout(() => withTransaction(async (t) => void (await put(t, "left-behind", "second")), db).then(resolve, reject), 10),
      );
    }, db);
    // Meanwhile another transaction holds the writer: the late one waits its turn instead of joining it.
    await withTransaction(async (tx) => {
      await sleep(30);
      expect(await valueOf("left-behind", tx)).toBe("first");
    }, db);
    await later;
    expect(await valueOf("left-behind")).toBe("second");
  });

  it("reports how many rows a write changed", async () => {
    const result = await withTransaction(async (tx) => tx.update(settings).set({ updatedAt: 2 }).where(eq(settings.key, "commit")), db);
    expect(changedRows(result)).toBe(1);
  });
});

describe("withSnapshot", () => {
  it("reads one consistent view while writers go on", async () => {
    await withTransaction(async (tx) => put(tx, "snapshot", "before"), db);
    // Someone else's write, from outside the snapshot, committed between the snapshot's two reads.
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const elsewhere = (async () => {
      await gate;
      await withTransaction(async (tx) => put(tx, "snapshot", "after"), db);
    })();
    const seen = await withSnapshot(async (view) => {
      const before = await valueOf("snapshot", view);
      go();
      await elsewhere;
      return [before, await valueOf("snapshot", view)];
    }, db);
    expect(seen).toEqual(["before", "before"]);
    expect(await valueOf("snapshot")).toBe("after");
  });

  it("refuses a write started inside a snapshot", async () => {
    await expect(withSnapshot(async () => withTransaction(async (tx) => put(tx, "from-snapshot", "no"), db), db)).rejects.toThrow(
      /read snapshot/,
    );
    expect(await valueOf("from-snapshot")).toBeUndefined();
  });

  it("lets a long read keep a record of its own outside the snapshot", async () => {
    await withSnapshot(async () => outsideSnapshot(() => withTransaction(async (tx) => put(tx, "verdict", "kept"), db)), db);
    expect(await valueOf("verdict")).toBe("kept");
  });
});

describe("first", () => {
  it("reads the first row of a query, or nothing", async () => {
    expect(await first(db.select().from(settings).where(eq(settings.key, "commit")))).toMatchObject({ value: "kept" });
    expect(await first(db.select().from(settings).where(eq(settings.key, "nothing here")))).toBeUndefined();
  });
});
