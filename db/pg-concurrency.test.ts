import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testStore } from "../lib/testing/test-store";
import { appendAuditEvent, SYSTEM_ACTOR } from "./audit";
import { verifyAuditStore } from "./audit-verify-store";
import { closeDatabase, first, openPostgres, rows, withTransaction, type PostgresConnection } from "./index";
import { settings } from "./schema";

/**
 * Two instances on one PostgreSQL database, as two pools in one process: each has its own connections, and
 * nothing but the database orders their transactions. (The PostgreSQL run gives this file an empty, migrated
 * database; the SQLite run has one writer per file and is covered by db/store.test.ts.)
 */
describe.runIf(testStore === "postgres")("PostgreSQL with two instances writing at once", () => {
  let a: PostgresConnection;
  let b: PostgresConnection;

  beforeAll(() => {
    a = openPostgres(process.env.DATABASE_URL!, { max: 5 });
    b = openPostgres(process.env.DATABASE_URL!, { max: 5 });
  });
  afterAll(async () => {
    await closeDatabase(a);
    await closeDatabase(b);
  });

  it("keeps the audit chain gap-free and verifiable, and loses no update, when 50 transactions race on both", async () => {
    const key = "test:counter";
    await withTransaction(async (tx) => {
      await tx.insert(settings).values({ key, value: "0", updatedAt: 0 });
    }, a.db);
    const races = Array.from({ length: 50 }, (_, i) =>
      withTransaction(
        async (tx) => {
          // Read-modify-write of one row, the pattern a lost update breaks, and an audit event for it.
          const row = await first(tx.select({ value: settings.value }).from(settings).where(eq(settings.key, key)));
          const next = Number(row!.value) + 1;
          await tx
            .update(settings)
            .set({ value: String(next), updatedAt: next })
            .where(eq(settings.key, key));
          await appendAuditEvent(tx, {
            at: 1_700_000_000_000 + i,
            actor: SYSTEM_ACTOR,
            action: "test.counted",
            entityType: "setting",
            entityId: key,
            payload: { to: next, by: i % 2 === 0 ? "a" : "b" },
          });
        },
        (i % 2 === 0 ? a : b).db,
      ),
    );
    await Promise.all(races);

    const [counter] = await rows<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${key}`, a.db);
    expect(counter!.value).toBe("50");
    const seqs = (await rows<{ seq: number }>(sql`SELECT seq FROM audit_events ORDER BY seq`, b.db)).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // Each event records the count its transaction saw: every value from 1 to 50 exactly once, in chain order.
    const counted = await rows<{ payload: { to: number } }>(sql`SELECT payload FROM audit_events ORDER BY seq`, a.db);
    expect(counted.map((r) => r.payload.to)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await verifyAuditStore(b.db)).toMatchObject({ ok: true, count: 50 });
  });

  it("refuses a write outside a transaction, and rolls back all of a transaction that throws", async () => {
    await expect(a.db.insert(settings).values({ key: "test:outside", value: "x", updatedAt: 0 })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/read-only transaction/) as unknown },
    });
    await expect(
      withTransaction(async (tx) => {
        await tx.insert(settings).values({ key: "test:undone", value: "x", updatedAt: 0 });
        throw new Error("changed my mind");
      }, b.db),
    ).rejects.toThrow("changed my mind");
    expect(await rows(sql`SELECT key FROM settings WHERE key IN ('test:outside', 'test:undone')`, a.db)).toEqual([]);
  });

  it("rolls back a nested transaction alone, as a savepoint", async () => {
    await withTransaction(async (tx) => {
      await tx.insert(settings).values({ key: "test:outer", value: "kept", updatedAt: 0 });
      await expect(
        withTransaction(async (inner) => {
          await inner.insert(settings).values({ key: "test:inner", value: "undone", updatedAt: 0 });
          throw new Error("inner fails");
        }, tx),
      ).rejects.toThrow("inner fails");
    }, a.db);
    const kept = await rows<{ key: string }>(sql`SELECT key FROM settings WHERE key IN ('test:outer', 'test:inner') ORDER BY key`, b.db);
    expect(kept.map((r) => r.key)).toEqual(["test:outer"]);
  });
});
