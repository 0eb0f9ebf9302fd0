import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { apiTokens, auditEvents } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { issueToken, listTokens, revokeToken } from "./api-tokens";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { findActiveUser } from "./users";

let db: DB;
const as = async (email: string): Promise<Caller> => userCaller((await findActiveUser({ email }))!);
const admin = () => as("admin@countersign.test");
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 9, 0);

const eventsOf = async (id: string) =>
  await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, "api_token"), eq(auditEvents.entityId, id)));

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("issuing a token", () => {
  it("refuses a name holding a NUL character (PostgreSQL cannot store one), naming the field", async () => {
    expect(await errorOf(async () => issueToken(await admin(), { name: "ci\u0000pipeline", scopes: ["read"] }, NOW))).toMatchObject({
      code: "validation_failed",
      details: { fieldErrors: { name: [expect.stringMatching(/NUL character/)] } },
    });
  });

  it("returns the secret once and stores only its hash; the token then authenticates with its scopes", async () => {
    const { token, view } = await issueToken(
      await admin(),
      { name: "ci-pipeline", scopes: ["changes:write", "read"], expiresInDays: 90 },
      NOW,
    );
    expect(token).toMatch(/^cst_[A-Za-z0-9_-]{43}$/);
    expect(view).toMatchObject({
      name: "ci-pipeline",
      scopes: ["read", "changes:write"],
      createdBy: "admin@countersign.test",
      createdAt: NOW,
      expiresAt: NOW + 90 * DAY,
      lastUsedAt: null,
      revokedAt: null,
      status: "active",
    });
    expect(JSON.stringify(view)).not.toContain(token);

    const row = (await first(db.select().from(apiTokens).where(eq(apiTokens.id, view.id))))!;
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    // Nothing can show the secret again: the list carries neither it nor its hash.
    const listed = (await listTokens(await admin(), NOW)).find((t) => t.id === view.id)!;
    expect(listed).toEqual(view);
    expect(JSON.stringify(await listTokens(await admin(), NOW))).not.toMatch(new RegExp(`${token}|${row.tokenHash}`));

    const used = NOW + DAY;
    expect(await tokenCaller(token, used)).toEqual({ kind: "token", id: view.id, name: "ci-pipeline", scopes: ["read", "changes:write"] });
    expect((await listTokens(await admin(), used)).find((t) => t.id === view.id)!.lastUsedAt).toBe(used);
    expect(await tokenCaller(token + "x", used)).toBeNull();
  });

  it("writes token.issued to the audit trail with name, scopes and expiry, never the secret or its hash", async () => {
    const { token, view } = await issueToken(await admin(), { name: "eval-runner", scopes: ["evals:write"], expiresOn: "2027-03-01" }, NOW);
    const events = await eventsOf(view.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "token.issued",
      actorType: "user",
      actorLabel: "admin@countersign.test",
      payload: { name: "eval-runner", scopes: ["evals:write"], expiresAt: Date.UTC(2027, 2, 1) },
    });
    expect(JSON.stringify(events[0])).not.toContain(token);
    expect(JSON.stringify(events[0])).not.toContain(hashToken(token));
  });

  it("refuses people without the admin role and every token, whatever its scopes", async () => {
    const { token } = await issueToken(
      await admin(),
      { name: "all-scopes", scopes: ["read", "changes:write", "evals:write", "deploy"], expiresInDays: null },
      NOW,
    );
    const bearer = (await tokenCaller(token, NOW))!;
    for (const caller of [
      await as("engineer@countersign.test"),
      await as("security@countersign.test"),
      await as("auditor@countersign.test"),
      bearer,
    ]) {
      expect(await errorOf(async () => await issueToken(caller, { name: "sneaky", scopes: ["read"] }, NOW))).toMatchObject({
        code: "forbidden",
      });
      expect(await errorOf(async () => await listTokens(caller, NOW))).toMatchObject({ code: "forbidden" });
      expect(await errorOf(async () => await revokeToken(caller, bearer.kind === "token" ? bearer.id : "", NOW))).toMatchObject({
        code: "forbidden",
      });
    }
    expect((await errorOf(async () => await issueToken(bearer, { name: "sneaky", scopes: ["read"] }, NOW))).message).toMatch(
      /API tokens cannot manage API tokens/,
    );
    expect(await db.select().from(apiTokens).where(eq(apiTokens.name, "sneaky"))).toHaveLength(0);
  });

  it("reports bad input field by field and stores nothing", async () => {
    const count = async () => (await db.select().from(apiTokens)).length;
    const before = await count();
    const fieldErrors = async (input: unknown) =>
      (await errorOf(async () => await issueToken(await admin(), input, NOW))).details.fieldErrors ?? {};

    expect(Object.keys(await fieldErrors({ name: " ", scopes: [], expiresInDays: 0 })).sort()).toEqual(["expiresInDays", "name", "scopes"]);
    expect((await fieldErrors({ name: "x".repeat(81), scopes: ["read"] })).name).toEqual(["Keep the name to 80 characters"]);
    expect((await fieldErrors({ name: "ok", scopes: ["read", "sign"] }))["scopes.1"]).toBeDefined();
    expect((await fieldErrors({ name: "ok", scopes: ["read"], expiresInDays: 366 })).expiresInDays).toEqual(["Expiry is at most 365 days"]);
    expect((await fieldErrors({ name: "ok", scopes: ["read"], expiresInDays: 1.5 })).expiresInDays).toBeDefined();
    expect((await fieldErrors({ name: "ok", scopes: ["read"], expiresOn: "2026-11-30" })).expiresOn).toEqual([
      "The expiry date must be in the future",
    ]);
    expect((await fieldErrors({ name: "ok", scopes: ["read"], expiresOn: "2027-02-30" })).expiresOn).toBeDefined();
    expect((await fieldErrors({ name: "ok", scopes: ["read"], expiresInDays: 30, expiresOn: "2027-01-01" })).expiresOn).toEqual([
      "Give a number of days or a date, not both",
    ]);
    expect((await fieldErrors({ name: "ok", scopes: ["read"], tokenHash: "mine" })).tokenHash).toEqual(["Unknown field"]);
    expect(await errorOf(async () => await issueToken(await admin(), {}, NOW))).toMatchObject({ code: "validation_failed" });
    expect(await count()).toBe(before);
  });

  it("keeps names unique among unrevoked tokens (ignoring case); revoking one frees its name", async () => {
    const first = await issueToken(await admin(), { name: "Drift monitor", scopes: ["read"] }, NOW);
    const taken = await errorOf(async () => await issueToken(await admin(), { name: "drift MONITOR", scopes: ["read"] }, NOW));
    expect(taken.code).toBe("validation_failed");
    expect(taken.details.fieldErrors?.name?.[0]).toMatch(/already exists/);
    await revokeToken(await admin(), first.view.id, NOW + 1);
    expect((await issueToken(await admin(), { name: "drift monitor", scopes: ["read"] }, NOW + 2)).view.status).toBe("active");
  });
});

describe("expiry", () => {
  it("a token stops working when it expires and is listed as expired", async () => {
    const { token, view } = await issueToken(await admin(), { name: "short-lived", scopes: ["read"], expiresInDays: 1 }, NOW);
    expect(await tokenCaller(token, NOW + DAY - 1)).not.toBeNull();
    expect(await tokenCaller(token, NOW + DAY)).toBeNull();
    expect((await listTokens(await admin(), NOW + DAY)).find((t) => t.id === view.id)!.status).toBe("expired");
  });

  it("a token issued without an expiry does not expire", async () => {
    const { token, view } = await issueToken(await admin(), { name: "forever", scopes: ["read"] }, NOW);
    expect(view.expiresAt).toBeNull();
    expect(await tokenCaller(token, NOW + 3650 * DAY)).not.toBeNull();
  });
});

describe("revoking a token", () => {
  it("takes effect at once, is audited without the secret, and cannot be done twice", async () => {
    const { token, view } = await issueToken(await admin(), { name: "deployer", scopes: ["read", "deploy"], expiresInDays: 30 }, NOW);
    expect(await tokenCaller(token, NOW + 10)).not.toBeNull();

    const revoked = await revokeToken(await admin(), view.id, NOW + 20);
    expect(revoked).toMatchObject({ id: view.id, revokedAt: NOW + 20, status: "revoked", lastUsedAt: NOW + 10 });
    expect(await tokenCaller(token, NOW + 21)).toBeNull();
    expect((await listTokens(await admin(), NOW + 21)).find((t) => t.id === view.id)!.status).toBe("revoked");

    const events = await eventsOf(view.id);
    expect(events.map((e) => e.action)).toEqual(["token.issued", "token.revoked"]);
    expect(events[1]).toMatchObject({
      at: NOW + 20,
      actorLabel: "admin@countersign.test",
      payload: { name: "deployer", scopes: ["read", "deploy"] },
    });
    for (const event of events) expect(JSON.stringify(event.payload)).not.toMatch(new RegExp(`${token}|${hashToken(token)}`));

    const again = await errorOf(async () => await revokeToken(await admin(), view.id, NOW + 30));
    expect(again.code).toBe("conflict");
    expect(await eventsOf(view.id)).toHaveLength(2);
  });

  it("an unknown id is a 404", async () => {
    expect((await errorOf(async () => await revokeToken(await admin(), "no-such-token", NOW))).code).toBe("not_found");
  });
});
