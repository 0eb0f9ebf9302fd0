import Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDatabase, first, getConnection, openDatabase, openPostgres, type Connection, type SqliteConnection, type DB } from "@/db";
import { apiTokens, changeRecords } from "@/db/schema";
import { databasePath } from "@/lib/env";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { attested, productionSpec, tokenWith } from "@/lib/testing/release-fixtures";
import { testStore } from "@/lib/testing/test-store";
import * as healthRoute from "@/app/api/health/route";
import * as agentsRoute from "@/app/api/v1/agents/route";
import * as changesRoute from "@/app/api/v1/changes/route";
import { runAsUser } from "@/app/(app)/run-action";
import { findActiveUser } from "./users";
import { proposeChange } from "./changes";

/**
 * Finding 9: when storage fails, say so. A full disk or a read-only database answers writes with 503
 * `storage_unavailable` and a reason (never a 500), the health check reports the reason, and reads keep
 * working even though the token's last-use bookkeeping cannot be written.
 */

vi.mock("@/lib/server/auth", () => ({
  currentUser: async () => await findActiveUser({ email: "engineer@countersign.test" }),
  requireUser: async () => await findActiveUser({ email: "engineer@countersign.test" }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

let db: DB;
const holder = globalThis as typeof globalThis & { countersignDb?: Connection };
/** The store the tests start from and come back to. */
let writable: Connection;

beforeAll(async () => {
  db = await seedDemoEstate();
  writable = getConnection();
  await tokenWith(db, "reader", ["read"]);
  await tokenWith(db, "author", ["read", "changes:write"]);
});

function close(connection: SqliteConnection) {
  for (const sqlite of [connection.reader, connection.sqlite]) if (sqlite.open) sqlite.close();
}

afterEach(async () => {
  const current = holder.countersignDb;
  holder.countersignDb = writable;
  if (current && current !== writable) {
    if (current.engine === "sqlite") close(current);
    else await closeDatabase(current);
  }
  if (writable.engine === "sqlite") writable.sqlite.pragma("max_page_count = 4294967294");
});

/** The SQLite store the tests start from: the full-disk and read-only cases work on its file. */
const sqliteStore = () => writable as SqliteConnection;

async function call(handler: unknown, method: string, token: string | null, body?: unknown) {
  const headers = new Headers({ "content-type": "application/json" });
  if (token) headers.set("authorization", `Bearer cs_${token}`);
  const init = body === undefined ? {} : { body: JSON.stringify(body) };
  const request = new NextRequest(new URL("/api/v1/x", "http://countersign.test"), { method, headers, ...init });
  type Route = (r: NextRequest, c: { params: Promise<unknown> }) => Promise<Response>;
  const response = await (handler as Route)(request, { params: Promise.resolve({}) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A change whose instructions need pages of their own, so a database that cannot grow must refuse it. */
async function bigDraft(title: string) {
  const spec = await productionSpec("refund-assistant");
  spec.instructions += "\nCheck the order history before every refund and say why in the ticket.".repeat(100);
  return { agent: "refund-assistant", title, spec, ...attested };
}

/** Simulates a full disk: the database may not grow past the pages it has, and every free page is used up. */
function fillDatabase(sqlite: Database.Database) {
  sqlite.exec("CREATE TABLE IF NOT EXISTS disk_filler (bytes BLOB)");
  sqlite.pragma(`max_page_count = ${sqlite.pragma("page_count", { simple: true }) as number}`);
  for (const size of [4000, 1000, 200]) {
    try {
      for (;;) sqlite.prepare("INSERT INTO disk_filler VALUES (randomblob(?))").run(size);
    } catch (error) {
      expect((error as { code: string }).code).toBe("SQLITE_FULL");
    }
  }
}

/**
 * Simulates a read-only database file (chmod has no effect when the tests run as root): the process's one
 * connection becomes read-only. It is opened as the app opens it, then refuses every write as SQLite
 * refuses writes to a read-only file (SQLITE_READONLY).
 */
function makeReadOnly() {
  const connection = openDatabase(databasePath);
  connection.sqlite.pragma("query_only = ON");
  holder.countersignDb = connection;
}

// A full disk and a read-only file are simulated through SQLite's own pragmas; PostgreSQL's disk is its server's.
describe.skipIf(testStore === "postgres")("a full disk", () => {
  it("answers a write with 503 storage_unavailable, keeps nothing, and the health check says the disk is full", async () => {
    expect(await call(healthRoute.GET, "GET", null)).toEqual({ status: 200, json: { status: "ok" } });
    fillDatabase(sqliteStore().sqlite);

    const refused = await call(changesRoute.POST, "POST", "author", await bigDraft("Written to a full disk"));
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ error: "storage_unavailable", reason: "the disk holding the database is full" });
    expect(refused.json.message).toMatch(/^Storage is unavailable: the disk holding the database is full\. Nothing was changed/);
    expect(await first(db.select().from(changeRecords).where(eq(changeRecords.title, "Written to a full disk")))).toBeUndefined();

    const health = await call(healthRoute.GET, "GET", null);
    expect(health).toEqual({ status: 503, json: { status: "unavailable", reason: "the disk holding the database is full" } });

    // Reads go on.
    expect((await call(agentsRoute.GET, "GET", "reader")).status).toBe(200);

    // Room again: writes and the health check recover without a restart.
    sqliteStore().sqlite.exec("DROP TABLE disk_filler");
    sqliteStore().sqlite.pragma("max_page_count = 4294967294");
    expect((await call(changesRoute.POST, "POST", "author", await bigDraft("Written after space was freed"))).status).toBe(201);
    expect((await call(healthRoute.GET, "GET", null)).status).toBe(200);
  });

  it("tells a person in the UI plainly, instead of 'something went wrong'", async () => {
    fillDatabase(sqliteStore().sqlite);
    const outcome = await runAsUser(async (caller) => {
      await proposeChange(caller, await bigDraft("Proposed in the UI on a full disk"));
      return "proposed";
    }, []);
    expect(outcome).toEqual({
      ok: false,
      message: "Storage is unavailable: the disk holding the database is full. Nothing was changed; try again once it is fixed.",
    });
    sqliteStore().sqlite.exec("DROP TABLE disk_filler");
  });
});

// A read-only SQLite file; a PostgreSQL server that cannot take writes is the case below.
describe.skipIf(testStore === "postgres")("a read-only database", () => {
  it("answers writes with 503, reports the reason in the health check, and still serves token reads", async () => {
    const usedBefore = (await first(db.select().from(apiTokens).where(eq(apiTokens.id, "tok_reader"))))!.lastUsedAt;
    makeReadOnly();

    const read = await call(agentsRoute.GET, "GET", "reader");
    expect(read.status).toBe(200);
    expect((read.json.items as unknown[]).length).toBeGreaterThan(0);

    const refused = await call(changesRoute.POST, "POST", "author", await bigDraft("Written to a read-only database"));
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ error: "storage_unavailable", reason: "the database is read-only" });

    expect(await call(healthRoute.GET, "GET", null)).toEqual({
      status: 503,
      json: { status: "unavailable", reason: "the database is read-only" },
    });

    const outcome = await runAsUser(async (caller) => {
      await proposeChange(caller, await bigDraft("Proposed in the UI on a read-only database"));
      return "proposed";
    }, []);
    expect(outcome).toMatchObject({ ok: false, message: expect.stringMatching(/^Storage is unavailable: the database is read-only\./) });

    // The last use could not be recorded; the read was answered all the same.
    close(holder.countersignDb as SqliteConnection);
    holder.countersignDb = writable;
    expect((await first(db.select().from(apiTokens).where(eq(apiTokens.id, "tok_reader"))))!.lastUsedAt).toBe(usedBefore);
  });
});

describe.runIf(testStore === "postgres")("a database server that cannot be reached", () => {
  it("answers API requests with 503 storage_unavailable and the reason, the health check says so, and both recover once it is back", async () => {
    const draft = await bigDraft("Written while the server was down");
    const reason = "the database server refused the connection (is it running?)";
    // Nothing listens on port 1: every connection is refused, as when the server is stopped.
    holder.countersignDb = openPostgres("postgres://postgres@127.0.0.1:1/countersign", { max: 1 });

    const refused = await call(changesRoute.POST, "POST", "author", draft);
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ error: "storage_unavailable", reason });
    expect(refused.json.message).toMatch(/^Storage is unavailable: the database server refused the connection/);
    expect(await call(healthRoute.GET, "GET", null)).toEqual({ status: 503, json: { status: "unavailable", reason } });
    // In the UI, even finding who is signed in fails: the form says so, instead of an error page.
    const outcome = await runAsUser(async (caller) => {
      await proposeChange(caller, draft);
      return "proposed";
    }, []);
    expect(outcome).toEqual({ ok: false, message: `Storage is unavailable: ${reason}. Nothing was changed; try again once it is fixed.` });

    // The server is back: the same pool would reconnect; here the process's store is the reachable one again.
    await closeDatabase(holder.countersignDb);
    holder.countersignDb = writable;
    expect((await call(healthRoute.GET, "GET", null)).status).toBe(200);
    expect(
      await first(db.select().from(changeRecords).where(eq(changeRecords.title, "Written while the server was down"))),
    ).toBeUndefined();
  });
});
