import { sql } from "drizzle-orm";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { closeDatabase, getDb, openDatabase, rows, type DB } from "@/db";
import { testStore } from "@/lib/testing/test-store";

/** `npm run admin:create`, run for real (tsx, as package.json does) against a database of its own. */

const file = path.join(mkdtempSync(path.join(tmpdir(), "countersign-admin-create-")), "countersign.db");

const withoutAuthUrl: Record<string, string | undefined> = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => key !== "AUTH_URL"),
);

/**
 * The store the script wrote to: its own SQLite file, or on PostgreSQL this test file's database (the script
 * inherits DATABASE_URL, which takes precedence over DATABASE_PATH).
 */
function written(): { db: DB; close: () => Promise<void> } {
  if (testStore === "postgres") return { db: getDb(), close: async () => {} };
  const connection = openDatabase(file);
  return { db: connection.db, close: () => closeDatabase(connection) };
}

function run(args: string[], env: Record<string, string> = {}) {
  const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
  const result = spawnSync(tsx, ["scripts/admin-create.ts", ...args], {
    encoding: "utf8",
    env: { ...withoutAuthUrl, DATABASE_PATH: file, COUNTERSIGN_DEMO: "off", PORT: "4123", ...env } as unknown as NodeJS.ProcessEnv,
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run admin:create", () => {
  it("adds an admin without a password and prints a one-time link to set it; only the link's hash is stored", async () => {
    const { status, stdout, stderr } = run(["--email", "Root@Example.com", "--name", "Rosa Root"]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const url = /(http:\/\/localhost:4123\/welcome\/([\w-]+))/.exec(stdout);
    expect(url, stdout).not.toBeNull();
    expect(stdout).toMatch(/Admin root@example\.com added/);

    const { db, close } = written();
    try {
      const [user] = await rows<{ id: string; name: string; hash: string | null; disabled: boolean | number }>(
        sql`SELECT id, name, password_hash AS hash, disabled FROM users WHERE email = ${"root@example.com"}`,
        db,
      );
      expect({ ...user, disabled: Boolean(user!.disabled) }).toMatchObject({ name: "Rosa Root", hash: null, disabled: false });
      expect(await rows(sql`SELECT role FROM user_roles WHERE user_id = ${user!.id}`, db)).toEqual([{ role: "admin" }]);
      const links = await rows(
        sql`SELECT purpose, token_hash AS hash, created_by_id AS "by", expires_at - created_at AS life FROM account_links`,
        db,
      );
      expect(links).toEqual([
        { purpose: "invite", hash: createHash("sha256").update(url![2]!).digest("hex"), by: null, life: 7 * 86_400_000 },
      ]);
      const events = await rows<{ payload: unknown }>(sql`SELECT action, actor_type AS actor, payload FROM audit_events ORDER BY seq`, db);
      expect(events).toMatchObject([
        { action: "person.created", actor: "system" },
        { action: "person.invited", actor: "system" },
      ]);
      expect(JSON.stringify(events)).not.toContain(url![2]!);
    } finally {
      await close();
    }
  });

  it("refuses an email that exists, even when admins exist; a second admin is fine; AUTH_URL is the link's base", () => {
    const again = run(["--email", "root@example.com", "--name", "Someone"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/Someone already has the email root@example\.com/);
    const second = run(["--email", "second@example.com", "--name", "Sam Second"], { AUTH_URL: "https://cs.example.org" });
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/https:\/\/cs\.example\.org\/welcome\/[\w-]{40,}/);
  });

  it("bad arguments: exit 2 with the usage", () => {
    const bad = run(["--email", "nope"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--email: Enter an email address/);
    expect(bad.stderr).toMatch(/Usage: npm run admin:create/);
  });
});
