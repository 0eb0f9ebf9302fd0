import { describe, expect, it } from "vitest";
import { openDatabase } from "@/db";

// A fresh, migrated database; foreign keys are off so a version can be written without an agent.
function database() {
  const { sqlite } = openDatabase(":memory:");
  sqlite.pragma("foreign_keys = OFF");
  return sqlite;
}

const event = (seq: number, action: string) =>
  `INSERT INTO audit_events (seq, at, actor_type, actor_id, actor_label, action, entity_type, entity_id, payload, prev_hash, hash)
   VALUES (${seq}, 1, 'user', 'u1', 'Ada', '${action}', 'change', 'c1', '{}', 'p', 'h${seq}')`;

const version = (id: string, number: number, specHash: string) =>
  `INSERT INTO agent_versions (id, agent_id, number, spec, spec_hash, autonomy, created_at)
   VALUES ('${id}', 'a1', ${number}, '{}', '${specHash}', 'assistive', 1)`;

describe("append-only tables refuse replacement", () => {
  it("refuses INSERT OR REPLACE and REPLACE of an existing audit event, and keeps the original", () => {
    const sqlite = database();
    sqlite.exec(event(1, "change.proposed"));
    expect(() => sqlite.exec(event(1, "change.forged").replace("INSERT", "INSERT OR REPLACE"))).toThrow(
      /append-only: replacing an event is refused/,
    );
    expect(() => sqlite.exec(event(1, "change.forged").replace("INSERT", "REPLACE"))).toThrow(/append-only/);
    expect(() => sqlite.exec(`${event(1, "change.forged")} ON CONFLICT (seq) DO UPDATE SET action = excluded.action`)).toThrow(
      /append-only/,
    );
    expect(sqlite.prepare("SELECT action FROM audit_events").all()).toEqual([{ action: "change.proposed" }]);
  });

  it("refuses INSERT OR REPLACE of an agent version by id or by agent and number", () => {
    const sqlite = database();
    sqlite.exec(version("v1", 1, "good"));
    expect(() => sqlite.exec(version("v1", 1, "forged").replace("INSERT", "INSERT OR REPLACE"))).toThrow(
      /immutable: replacing a version is refused/,
    );
    expect(() => sqlite.exec(version("v1-other", 1, "forged").replace("INSERT", "INSERT OR REPLACE"))).toThrow(/immutable/);
    expect(sqlite.prepare("SELECT id, spec_hash FROM agent_versions").all()).toEqual([{ id: "v1", spec_hash: "good" }]);
  });

  it("still accepts ordinary appends", () => {
    const sqlite = database();
    sqlite.exec(event(1, "change.proposed"));
    sqlite.exec(event(2, "change.approved"));
    sqlite
      .prepare(
        `INSERT INTO audit_events (at, actor_type, actor_label, action, entity_type, entity_id, payload, prev_hash, hash)
         VALUES (1, 'system', 'System', 'x', 'change', 'c1', '{}', 'p', 'h')`,
      )
      .run();
    sqlite.exec(version("v1", 1, "a"));
    sqlite.exec(version("v2", 2, "b"));
    expect(sqlite.prepare("SELECT count(*) AS n FROM audit_events").get()).toEqual({ n: 3 });
    expect(sqlite.prepare("SELECT count(*) AS n FROM agent_versions").get()).toEqual({ n: 2 });
  });
});
