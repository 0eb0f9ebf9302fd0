import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { apiTokens, auditEvents } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { issueToken, listTokens, revokeToken } from "./api-tokens";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { findActiveUser } from "./users";

let db: DB;
const as = (email: string): Caller => userCaller(findActiveUser({ email })!);
const admin = () => as("admin@countersign.test");
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 9, 0);

const eventsOf = (id: string) =>
  db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, "api_token"), eq(auditEvents.entityId, id)))
    .all();

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("issuing a token", () => {
  it("returns the secret once and stores only its hash; the token then authenticates with its scopes", () => {
    const { token, view } = issueToken(admin(), { name: "ci-pipeline", scopes: ["changes:write", "read"], expiresInDays: 90 }, NOW);
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

    const row = db.select().from(apiTokens).where(eq(apiTokens.id, view.id)).get()!;
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    // Nothing can show the secret again: the list carries neither it nor its hash.
    const listed = listTokens(admin(), NOW).find((t) => t.id === view.id)!;
    expect(listed).toEqual(view);
    expect(JSON.stringify(listTokens(admin(), NOW))).not.toMatch(new RegExp(`${token}|${row.tokenHash}`));

    const used = NOW + DAY;
    expect(tokenCaller(token, used)).toEqual({ kind: "token", id: view.id, name: "ci-pipeline", scopes: ["read", "changes:write"] });
    expect(listTokens(admin(), used).find((t) => t.id === view.id)!.lastUsedAt).toBe(used);
    expect(tokenCaller(token + "x", used)).toBeNull();
  });

  it("writes token.issued to the audit trail with name, scopes and expiry, never the secret or its hash", () => {
    const { token, view } = issueToken(admin(), { name: "eval-runner", scopes: ["evals:write"], expiresOn: "2027-03-01" }, NOW);
    const events = eventsOf(view.id);
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

  it("refuses people without the admin role and every token, whatever its scopes", () => {
    const { token } = issueToken(
      admin(),
      { name: "all-scopes", scopes: ["read", "changes:write", "evals:write", "deploy"], expiresInDays: null },
      NOW,
    );
    const bearer = tokenCaller(token, NOW)!;
    for (const caller of [as("engineer@countersign.test"), as("security@countersign.test"), as("auditor@countersign.test"), bearer]) {
      expect(errorOf(() => issueToken(caller, { name: "sneaky", scopes: ["read"] }, NOW))).toMatchObject({ code: "forbidden" });
      expect(errorOf(() => listTokens(caller, NOW))).toMatchObject({ code: "forbidden" });
      expect(errorOf(() => revokeToken(caller, bearer.kind === "token" ? bearer.id : "", NOW))).toMatchObject({ code: "forbidden" });
    }
    expect(errorOf(() => issueToken(bearer, { name: "sneaky", scopes: ["read"] }, NOW)).message).toMatch(
      /API tokens cannot manage API tokens/,
    );
    expect(db.select().from(apiTokens).where(eq(apiTokens.name, "sneaky")).all()).toHaveLength(0);
  });

  it("reports bad input field by field and stores nothing", () => {
    const count = () => db.select().from(apiTokens).all().length;
    const before = count();
    const fieldErrors = (input: unknown) => errorOf(() => issueToken(admin(), input, NOW)).details.fieldErrors ?? {};

    expect(Object.keys(fieldErrors({ name: " ", scopes: [], expiresInDays: 0 })).sort()).toEqual(["expiresInDays", "name", "scopes"]);
    expect(fieldErrors({ name: "x".repeat(81), scopes: ["read"] }).name).toEqual(["Keep the name to 80 characters"]);
    expect(fieldErrors({ name: "ok", scopes: ["read", "sign"] })["scopes.1"]).toBeDefined();
    expect(fieldErrors({ name: "ok", scopes: ["read"], expiresInDays: 366 }).expiresInDays).toEqual(["Expiry is at most 365 days"]);
    expect(fieldErrors({ name: "ok", scopes: ["read"], expiresInDays: 1.5 }).expiresInDays).toBeDefined();
    expect(fieldErrors({ name: "ok", scopes: ["read"], expiresOn: "2026-11-30" }).expiresOn).toEqual([
      "The expiry date must be in the future",
    ]);
    expect(fieldErrors({ name: "ok", scopes: ["read"], expiresOn: "2027-02-30" }).expiresOn).toBeDefined();
    expect(fieldErrors({ name: "ok", scopes: ["read"], expiresInDays: 30, expiresOn: "2027-01-01" }).expiresOn).toEqual([
      "Give a number of days or a date, not both",
    ]);
    expect(fieldErrors({ name: "ok", scopes: ["read"], tokenHash: "mine" }).tokenHash).toEqual(["Unknown field"]);
    expect(errorOf(() => issueToken(admin(), {}, NOW))).toMatchObject({ code: "validation_failed" });
    expect(count()).toBe(before);
  });

  it("keeps names unique among unrevoked tokens (ignoring case); revoking one frees its name", () => {
    const first = issueToken(admin(), { name: "Drift monitor", scopes: ["read"] }, NOW);
    const taken = errorOf(() => issueToken(admin(), { name: "drift MONITOR", scopes: ["read"] }, NOW));
    expect(taken.code).toBe("validation_failed");
    expect(taken.details.fieldErrors?.name?.[0]).toMatch(/already exists/);
    revokeToken(admin(), first.view.id, NOW + 1);
    expect(issueToken(admin(), { name: "drift monitor", scopes: ["read"] }, NOW + 2).view.status).toBe("active");
  });
});

describe("expiry", () => {
  it("a token stops working when it expires and is listed as expired", () => {
    const { token, view } = issueToken(admin(), { name: "short-lived", scopes: ["read"], expiresInDays: 1 }, NOW);
    expect(tokenCaller(token, NOW + DAY - 1)).not.toBeNull();
    expect(tokenCaller(token, NOW + DAY)).toBeNull();
    expect(listTokens(admin(), NOW + DAY).find((t) => t.id === view.id)!.status).toBe("expired");
  });

  it("a token issued without an expiry does not expire", () => {
    const { token, view } = issueToken(admin(), { name: "forever", scopes: ["read"] }, NOW);
    expect(view.expiresAt).toBeNull();
    expect(tokenCaller(token, NOW + 3650 * DAY)).not.toBeNull();
  });
});

describe("revoking a token", () => {
  it("takes effect at once, is audited without the secret, and cannot be done twice", () => {
    const { token, view } = issueToken(admin(), { name: "deployer", scopes: ["read", "deploy"], expiresInDays: 30 }, NOW);
    expect(tokenCaller(token, NOW + 10)).not.toBeNull();

    const revoked = revokeToken(admin(), view.id, NOW + 20);
    expect(revoked).toMatchObject({ id: view.id, revokedAt: NOW + 20, status: "revoked", lastUsedAt: NOW + 10 });
    expect(tokenCaller(token, NOW + 21)).toBeNull();
    expect(listTokens(admin(), NOW + 21).find((t) => t.id === view.id)!.status).toBe("revoked");

    const events = eventsOf(view.id);
    expect(events.map((e) => e.action)).toEqual(["token.issued", "token.revoked"]);
    expect(events[1]).toMatchObject({
      at: NOW + 20,
      actorLabel: "admin@countersign.test",
      payload: { name: "deployer", scopes: ["read", "deploy"] },
    });
    for (const event of events) expect(JSON.stringify(event.payload)).not.toMatch(new RegExp(`${token}|${hashToken(token)}`));

    const again = errorOf(() => revokeToken(admin(), view.id, NOW + 30));
    expect(again.code).toBe("conflict");
    expect(eventsOf(view.id)).toHaveLength(2);
  });

  it("an unknown id is a 404", () => {
    expect(errorOf(() => revokeToken(admin(), "no-such-token", NOW)).code).toBe("not_found");
  });
});
