import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { DEMO_PASSWORD } from "@/db/seed/estate";
import { auditEvents, users } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { changeMyPassword, updateMyName } from "./account";
import { addPerson, updatePerson } from "./people";
import { liveSessionUser, startSession } from "./sessions";
import { signerAvailability } from "./signer-availability";
import { verifyCredentials } from "./users";

let db: DB;
const clock = testClock();
const NEW_PASSWORD = "tulip-ocean-ladder-94";

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("your own account", () => {
  it("anyone signed in, an auditor too, changes their own name, audited with before and after", async () => {
    expect(await updateMyName(await as("auditor@countersign.test"), { name: "Ada B. Brennan" }, clock.next())).toEqual({
      name: "Ada B. Brennan",
    });
    const event = (await first(db.select().from(auditEvents).where(eq(auditEvents.action, "account.name_changed"))))!;
    expect(event.payload).toEqual({ email: "auditor@countersign.test", before: "Ada Brennan", after: "Ada B. Brennan" });
    expect((await errorOf(async () => await updateMyName(await as("auditor@countersign.test"), { name: "  " }))).code).toBe(
      "validation_failed",
    );
  });

  it("a token has no account to change", async () => {
    const token = await tokenWith(db, "account-token", ["read", "changes:write"]);
    expect((await errorOf(() => updateMyName(token, { name: "Robot" }))).code).toBe("forbidden");
  });

  it("changing your password needs the current one and a new one that passes the policy", async () => {
    const me = await as("engineer2@countersign.test");
    const wrong = await changeMyPassword(me, { currentPassword: "not it", newPassword: NEW_PASSWORD }, null).catch((e: unknown) => e);
    expect(wrong).toMatchObject({
      code: "validation_failed",
      details: { fieldErrors: { currentPassword: ["That is not your current password"] } },
    });
    const weak = await changeMyPassword(me, { currentPassword: "x", newPassword: "qwertyuiop12" }, null).catch((e: unknown) => e);
    expect(weak).toMatchObject({ details: { fieldErrors: { newPassword: [expect.stringMatching(/common/)] } } });
  });

  it("a changed password ends your other sessions and keeps this one; audited without secrets", async () => {
    const me = await as("engineer2@countersign.test");
    const before = (await first(db.select({ h: users.passwordHash }).from(users).where(eq(users.id, "usr_engineer2"))))!.h!;
    const here = await startSession("usr_engineer2", clock.next());
    const elsewhere = await startSession("usr_engineer2", clock.next());
    const result = await changeMyPassword(me, { currentPassword: DEMO_PASSWORD, newPassword: NEW_PASSWORD }, here, clock.next());
    expect(result).toEqual({ sessionsEnded: 1 });
    expect(await liveSessionUser(here, clock.next())).toBe("usr_engineer2");
    expect(await liveSessionUser(elsewhere, clock.next())).toBeNull();
    expect(await verifyCredentials("engineer2@countersign.test", NEW_PASSWORD)).not.toBeNull();
    const event = (await first(
      db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "account.password_changed"), eq(auditEvents.entityId, "usr_engineer2"))),
    ))!;
    expect(event.payload).toEqual({ email: "engineer2@countersign.test", sessionsEnded: 1 });
    expect(JSON.stringify(event)).not.toContain(before.slice(-20));
  });
});

describe("who can sign a waiting role", () => {
  it("names the disabled holders of a waiting role, and says when nobody active but the author can sign it", async () => {
    const admin = await as("admin@countersign.test");
    const change = await limitRaise(777, clock.next());
    const roles = change.signoffs.filter((s) => s.status === "pending").map((s) => s.role);
    expect(roles).toContain("security");
    const reader = await as("auditor@countersign.test");
    expect((await signerAvailability(reader, change.id, "usr_engineer")).security).toEqual({ disabled: [], noActiveSigner: false });

    await updatePerson(admin, "security@countersign.test", { disabled: true }, clock.next());
    const notes = await signerAvailability(reader, change.id, "usr_engineer");
    expect(notes.security).toEqual({ disabled: [{ name: "Sana Iqbal", email: "security@countersign.test" }], noActiveSigner: true });
    // Engineering: the author (engineer@) cannot sign, engineer2@ can.
    if (roles.includes("engineering")) expect(notes.engineering).toEqual({ disabled: [], noActiveSigner: false });

    // An invited person holding the role can sign once they accept: they count as active.
    await addPerson(admin, { email: "sec2@example.com", name: "Second Security", roles: ["security"] }, clock.next());
    expect((await signerAvailability(reader, change.id, "usr_engineer")).security!.noActiveSigner).toBe(false);
    await updatePerson(admin, "security@countersign.test", { disabled: false }, clock.next());
  });
});
