import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { execute, rows, withTransaction, type DB } from "@/db";
import { rolledBack } from "@/lib/testing/audit-tamper";
import { testStore } from "@/lib/testing/test-store";

// Each test runs on this file's database (migrated, empty) in a transaction rolled back after it.

const event = (seq: number, action: string) =>
  `INSERT INTO audit_events (seq, at, actor_type, actor_id, actor_label, action, entity_type, entity_id, payload, prev_hash, hash)
   VALUES (${seq}, 1, 'user', 'u1', 'Ada', '${action}', 'change', 'c1', '{}', 'p', 'h${seq}')`;

const version = (id: string, number: number, specHash: string) =>
  `INSERT INTO agent_versions (id, agent_id, number, spec, spec_hash, autonomy, created_at)
   VALUES ('${id}', 'a1', ${number}, '{}', '${specHash}', 'assistive', 1)`;

const run = (tx: DB, statement: string) => execute(sql.raw(statement), tx);
/**
 * Why the database refuses a statement (null if it does not), as the database said it: drizzle wraps the
 * error. The statement runs in a savepoint of its own, so that the transaction goes on after it.
 */
async function refusal(tx: DB, statement: string): Promise<string | null> {
  try {
    await withTransaction(() => run(tx, statement), tx);
    return null;
  } catch (error) {
    let e = error as Error;
    while (e.cause instanceof Error) e = e.cause;
    return e.message;
  }
}

/** Lets a version be written without its agent, as the tests need: SQLite checks the keys at commit (never: it is rolled back); PostgreSQL loses them. */
async function withoutForeignKeys(tx: DB) {
  if (testStore === "sqlite") return void (await run(tx, "PRAGMA defer_foreign_keys = ON"));
  const keys = await rows<{ name: string }>(
    sql`SELECT conname AS name FROM pg_constraint WHERE conrelid = 'agent_versions'::regclass AND contype = 'f'`,
    tx,
  );
  for (const { name } of keys) await run(tx, `ALTER TABLE agent_versions DROP CONSTRAINT "${name}"`);
}

describe("append-only tables refuse replacement", () => {
  it("refuses replacing an existing audit event, and keeps the original", async () => {
    await rolledBack(async (tx) => {
      await run(tx, event(1, "change.proposed"));
      // INSERT OR REPLACE and REPLACE are SQLite's: they delete the row in the way and insert another.
      if (testStore === "sqlite") {
        expect(await refusal(tx, event(1, "change.forged").replace("INSERT", "INSERT OR REPLACE"))).toMatch(
          /append-only: replacing an event is refused/,
        );
        expect(await refusal(tx, event(1, "change.forged").replace("INSERT", "REPLACE"))).toMatch(/append-only/);
      }
      expect(await refusal(tx, `${event(1, "change.forged")} ON CONFLICT (seq) DO UPDATE SET action = excluded.action`)).toMatch(
        /append-only/,
      );
      expect(await rows(sql`SELECT action FROM audit_events`, tx)).toEqual([{ action: "change.proposed" }]);
    });
  });

  it("refuses replacing an agent version, by id or by agent and number", async () => {
    await rolledBack(async (tx) => {
      await withoutForeignKeys(tx);
      await run(tx, version("v1", 1, "good"));
      if (testStore === "sqlite") {
        expect(await refusal(tx, version("v1", 1, "forged").replace("INSERT", "INSERT OR REPLACE"))).toMatch(
          /immutable: replacing a version is refused/,
        );
        expect(await refusal(tx, version("v1-other", 1, "forged").replace("INSERT", "INSERT OR REPLACE"))).toMatch(/immutable/);
      }
      const update = "DO UPDATE SET spec_hash = excluded.spec_hash";
      expect(await refusal(tx, `${version("v1", 1, "forged")} ON CONFLICT (id) ${update}`)).toMatch(/immutable/);
      expect(await refusal(tx, `${version("v1-other", 1, "forged")} ON CONFLICT (agent_id, number) ${update}`)).toMatch(/immutable/);
      expect(await rows(sql`SELECT id, spec_hash FROM agent_versions`, tx)).toEqual([{ id: "v1", spec_hash: "good" }]);
    });
  });

  it("still accepts ordinary appends", async () => {
    await rolledBack(async (tx) => {
      await withoutForeignKeys(tx);
      await run(tx, event(1, "change.proposed"));
      await run(tx, event(2, "change.approved"));
      // SQLite numbers an event written without its seq; on PostgreSQL the app always gives it.
      const seq = testStore === "sqlite" ? "" : "seq, ";
      await run(
        tx,
        `INSERT INTO audit_events (${seq}at, actor_type, actor_label, action, entity_type, entity_id, payload, prev_hash, hash)
         VALUES (${seq && "3, "}1, 'system', 'System', 'x', 'change', 'c1', '{}', 'p', 'h')`,
      );
      await run(tx, version("v1", 1, "a"));
      await run(tx, version("v2", 2, "b"));
      expect(await rows(sql`SELECT count(*) AS n FROM audit_events`, tx)).toEqual([{ n: 3 }]);
      expect(await rows(sql`SELECT count(*) AS n FROM agent_versions`, tx)).toEqual([{ n: 2 }]);
    });
  });
});
