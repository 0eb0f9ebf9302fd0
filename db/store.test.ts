import { mkdtempSync } from "node:fs";
import { loseRacesOn } from "../lib/testing/lost-race";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testStore } from "../lib/testing/test-store";
import {
  changedRows,
  closeDatabase,
  first,
  openDatabase,
  openPostgres,
  outsideSnapshot,
  rows,
  withSnapshot,
  withTransaction,
  type Connection,
  type DB,
} from "./index";
import { settings } from "./schema";

// The store's seam: every use case reads through `db` and writes inside `withTransaction`. These tests pin
// down what the use cases rely on, on the store of the run: the embedded one (one file, a writing and a
// reading connection), or a pool of connections to this test file's PostgreSQL database.
const connection: Connection =
  testStore === "postgres"
    ? openPostgres(process.env.DATABASE_URL!, { max: 4 })
    : openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "countersign-store-")), "store.db"));
const { db } = connection;
afterAll(() => closeDatabase(connection));

/** The messages of an error and of the driver's error it wraps: drizzle wraps PostgreSQL's in its own. */
const messagesOf = (error: unknown) => {
  const messages: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join("\n");
};

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
    const refused = await put(db, "outside", "no").then(() => null, messagesOf);
    expect(refused).toMatch(testStore === "postgres" ? /read-only transaction/ : /readonly/);
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

  // One writer on SQLite; on PostgreSQL writers queue on an advisory lock, in this instance and across instances.
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
    // Meanwhile another transaction is open: the late write waits its turn (SQLite) or commits on its own
    // (PostgreSQL), and never joins it, so this transaction sees "first" throughout.
    await withTransaction(async (tx) => {
      expect(await valueOf("left-behind", tx)).toBe("first");
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

describe.runIf(testStore === "postgres")("withTransaction on PostgreSQL", () => {
  // Writers queue (as on SQLite), so two transactions of a test never collide by themselves: a trigger makes
  // the next write of a "race:" key fail as a transaction that lost a race does (serialization_failure).
  let race: Awaited<ReturnType<typeof loseRacesOn>>;
  beforeAll(async () => {
    race = await loseRacesOn("test_lose_race", "settings", { when: "NEW.key LIKE 'race:%'", db });
  });
  /** The next write of a "race:" key fails once; the retry passes. */
  const loseNextRace = () => race.arm();

  it("runs again from the start a transaction that lost a race, keeping only what the attempt that committed wrote", async () => {
    await loseNextRace();
    let attempts = 0;
    const result = await withTransaction(async (tx) => {
      attempts++;
      await put(tx, `before-race:${attempts}`, "written");
      await put(tx, "race:plain", `attempt ${attempts}`);
      return attempts;
    }, db);
    expect([result, attempts]).toEqual([2, 2]);
    expect(await valueOf("race:plain")).toBe("attempt 2");
    expect(await valueOf("before-race:1")).toBeUndefined();
    expect(await valueOf("before-race:2")).toBe("written");
  });

  it("runs the whole transaction again when a savepoint inside it lost the race", async () => {
    await loseNextRace();
    const attempts = { outer: 0, inner: 0 };
    await withTransaction(async (tx) => {
      attempts.outer++;
      await put(tx, "nested-outer", String(attempts.outer));
      await withTransaction(async (inner) => {
        attempts.inner++;
        await put(inner, "race:nested", String(attempts.inner));
      }, db);
    }, db);
    expect(attempts).toEqual({ outer: 2, inner: 2 });
    expect([await valueOf("nested-outer"), await valueOf("race:nested")]).toEqual(["2", "2"]);
  });

  it("does not run again a transaction that failed for its own reasons", async () => {
    let attempts = 0;
    await expect(
      withTransaction(async (tx) => {
        attempts++;
        await put(tx, "own-failure", "no");
        throw new Error("refused by the use case");
      }, db),
    ).rejects.toThrow("refused by the use case");
    expect(attempts).toBe(1);
    expect(await valueOf("own-failure")).toBeUndefined();
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

describe("statements run again", () => {
  it("answer the same way each time, whether the query layer last read them as arrays or as rows", async () => {
    // The query layer reads a select with named fields as arrays; the same SQL, run raw, returns rows by column.
    await withTransaction((tx) => put(tx, "statement", "again"), db);
    const typed = () => db.select({ key: settings.key }).from(settings).where(eq(settings.key, "statement"));
    const text = typed().toSQL();
    for (let round = 0; round < 3; round++) {
      expect(await typed()).toEqual([{ key: "statement" }]);
      const [before, after] = text.sql.split(/\?|\$1/);
      expect(await rows(sql`${sql.raw(before!)}${"statement"}${sql.raw(after!)}`, db)).toEqual([{ key: "statement" }]);
    }
  });
});

describe("first", () => {
  it("reads the first row of a query, or nothing", async () => {
    expect(await first(db.select().from(settings).where(eq(settings.key, "commit")))).toMatchObject({ value: "kept" });
    expect(await first(db.select().from(settings).where(eq(settings.key, "nothing here")))).toBeUndefined();
  });
});
