import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { first, getDb } from "@/db";
import { auditEvents, userRoles, users } from "@/db/schema";
import { verifyPassword } from "@/lib/passwords";
import { userCaller } from "./caller";
import { adminExists, completeSetup, gettingStarted, SETUP_DONE } from "./setup";
import { findActiveUser, verifyCredentials } from "./users";

// No seedDemoEstate(): this file's database starts empty, as a real installation with COUNTERSIGN_DEMO=off.

const NOW = Date.UTC(2026, 11, 1, 9, 0);
const PASSWORD = "tulip-ocean-ladder-94";
const admins = async () =>
  (await first(
    getDb()
      .select({ n: sql<number>`COUNT(*)` })
      .from(userRoles)
      .where(eq(userRoles.role, "admin")),
  ))!.n;

async function failure(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error as { code: string; message: string; details: { fieldErrors?: Record<string, string[]> } },
  );
}

describe("the first admin's setup", () => {
  it("refuses a weak password or a malformed email, field by field, and creates nobody", async () => {
    const error = await failure(completeSetup({ name: "Ana", email: "not-an-email", password: "password1234" }, NOW));
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors ?? {}).sort()).toEqual(["email", "password"]);
    expect(error.details.fieldErrors!.password![0]).toMatch(/most common passwords/);
    expect(await adminExists()).toBe(false);
  });

  it("two setups racing create exactly one admin; the other is refused as a conflict", async () => {
    const results = await Promise.allSettled([
      completeSetup({ name: "Ana Ruiz", email: "Ana@Example.com", password: PASSWORD }, NOW),
      completeSetup({ name: "Ben Ode", email: "ben@example.com", password: PASSWORD }, NOW),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "conflict", message: SETUP_DONE });
    expect(await admins()).toBe(1);
    expect(await getDb().select().from(users)).toHaveLength(1);
  });

  it("the admin can sign in with the password chosen, stored only as a hash, and the setup is audited without it", async () => {
    const [person] = await getDb().select().from(users);
    expect(person!.email).toMatch(/@example\.com$/);
    expect(person!.email).toBe(person!.email.toLowerCase());
    expect(person!.passwordHash).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, person!.passwordHash!)).toBe(true);
    expect(await verifyCredentials(person!.email, PASSWORD)).toMatchObject({ roles: ["admin"] });
    const events = await getDb().select().from(auditEvents);
    expect(events.map((e) => e.action)).toEqual(["setup.completed"]);
    expect(events[0]!.payload).toEqual({ email: person!.email, name: person!.name, roles: ["admin"] });
    expect(JSON.stringify(events)).not.toContain(person!.passwordHash!);
  });

  it("once an admin exists, setup is refused before the input is even read", async () => {
    expect(await adminExists()).toBe(true);
    const error = await failure(completeSetup({ nonsense: true }, NOW));
    expect(error).toMatchObject({ code: "conflict", message: SETUP_DONE });
    expect(await admins()).toBe(1);
  });
});

describe("getting started, for the admins of a new installation", () => {
  it("shows an admin how far the estate is, and nobody else", async () => {
    const [person] = await getDb().select().from(users);
    const admin = userCaller((await findActiveUser({ id: person!.id }))!);
    expect(await gettingStarted(admin)).toEqual({ people: 1, workflows: 0, agents: 0 });
    const notAdmin = userCaller({ ...(await findActiveUser({ id: person!.id }))!, roles: ["engineering"] });
    expect(await gettingStarted(notAdmin)).toBeNull();
  });
});
