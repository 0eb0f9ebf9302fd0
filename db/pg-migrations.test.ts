import { getTableName, is } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../lib/testing/postgres";
import * as pgSchema from "./pg-schema";
import { agents, agentVersions, auditEvents, users, workflows } from "./pg-schema";

// Against a real PostgreSQL: a missing server fails here with how to install one, it never skips.
let server: TestPostgres;
let pool: pg.Pool;
let db: NodePgDatabase;

beforeAll(async () => {
  server = await startTestPostgres();
  pool = new pg.Pool({ connectionString: server.url, max: 2 });
  db = drizzle(pool);
  await migrate(db, { migrationsFolder: "db/migrations-pg" });
});

afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

const NOW = 1_767_225_600_000; // past 2^32: times must survive as bigint

async function refusal(statement: string): Promise<string> {
  const error = await pool.query(statement).then(
    () => null,
    (e: Error) => e,
  );
  expect(error, `${statement} was not refused`).toBeInstanceOf(Error);
  return (error as Error).message;
}

describe("db/migrations-pg on PostgreSQL", () => {
  it("creates every table of the schema", async () => {
    const expected = Object.values(pgSchema)
      .filter((v) => is(v, PgTable))
      .map((t) => getTableName(t as PgTable))
      .sort();
    const { rows } = await pool.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(rows.map((r) => r.name)).toEqual(expected);
    expect(expected).toContain("audit_events");
  });

  it("keeps the checks, partial unique indexes and NOCASE indexes the SQLite schema has", async () => {
    const indexdef = async (name: string) =>
      (await pool.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = $1", [name])).rows[0]?.indexdef;
    expect(await indexdef("agents_name_idx")).toContain("(name COLLATE nocase)");
    expect(await indexdef("change_records_open_branch_unique")).toMatch(/^CREATE UNIQUE INDEX .* WHERE \(\(branch IS NOT NULL\) AND/);
    const { rows } = await pool.query<{ same: boolean }>("SELECT 'Agent' = 'aGENT' COLLATE NOCASE AS same");
    expect(rows[0]?.same).toBe(true);
    expect(await refusal("INSERT INTO user_roles (user_id, role) VALUES ('u', 'superuser')")).toContain("user_roles_role_check");
  });

  it("stores a row with the same JavaScript values the SQLite store gives back", async () => {
    await db.insert(users).values({ id: "u1", email: "ada@example.com", name: "Ada", createdAt: NOW });
    await db.insert(workflows).values({ id: "w1", slug: "w", name: "W", ownerId: "u1", riskClass: "low", riskReason: "r", createdAt: NOW });
    await db.insert(agents).values({
      id: "a1",
      slug: "a",
      name: "Agent",
      platform: "custom",
      workflowId: "w1",
      engineeringOwnerId: "u1",
      rollbackOwnerId: "u1",
      runtimeNames: ["a-runtime"],
      createdAt: NOW,
    });
    const [agent] = await db.select().from(agents);
    expect(agent).toMatchObject({ createdAt: NOW, runtimeNames: ["a-runtime"], status: "active", description: "", lastReviewedAt: null });
    const [user] = await db.select().from(users);
    expect(user?.disabled).toBe(false);
  });

  it("appends audit events and refuses to change or remove them", async () => {
    await db.insert(auditEvents).values({
      seq: 1,
      at: NOW,
      actorType: "user",
      actorId: "u1",
      actorLabel: "Ada",
      action: "agent.created",
      entityType: "agent",
      entityId: "a1",
      payload: { slug: "a" },
      prevHash: "0".repeat(64),
      hash: "1".repeat(64),
    });
    expect(await db.select().from(auditEvents)).toHaveLength(1);

    expect(await refusal("UPDATE audit_events SET action = 'forged'")).toContain("audit events are append-only: UPDATE is refused");
    expect(await refusal("DELETE FROM audit_events")).toContain("audit events are append-only: DELETE is refused");
    expect(await refusal("TRUNCATE audit_events")).toContain("audit events are append-only: TRUNCATE is refused");
    // What SQLite's INSERT OR REPLACE is on PostgreSQL: an upsert, refused as an update.
    expect(
      await refusal(
        `INSERT INTO audit_events (seq, at, actor_type, actor_label, action, entity_type, entity_id, payload, prev_hash, hash)
         VALUES (1, 0, 'user', 'x', 'x', 'x', 'x', '{}', 'x', 'x') ON CONFLICT (seq) DO UPDATE SET action = 'forged'`,
      ),
    ).toContain("UPDATE is refused");
    const [event] = await db.select().from(auditEvents);
    expect(event).toMatchObject({ seq: 1, action: "agent.created", payload: { slug: "a" } });
  });

  it("keeps agent versions immutable", async () => {
    await db.insert(agentVersions).values({
      id: "v1",
      agentId: "a1",
      number: 1,
      spec: {} as never,
      specHash: "h",
      autonomy: "suggest",
      createdAt: NOW,
    });
    expect(await refusal("UPDATE agent_versions SET spec_hash = 'forged'")).toContain("agent versions are immutable: UPDATE is refused");
    expect(await refusal("DELETE FROM agent_versions")).toContain("agent versions are immutable: DELETE is refused");
    expect(await refusal("TRUNCATE agent_versions CASCADE")).toContain("agent versions are immutable: TRUNCATE is refused");
    expect(await db.select().from(agentVersions)).toHaveLength(1);
  });
});
