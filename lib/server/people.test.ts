import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { accountLinks, auditEvents, users } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, DAY, testClock } from "@/lib/testing/release-fixtures";
import { LINK_NO_LONGER_VALID, openAccountLink, redeemAccountLink } from "./account-links";
import { ACCOUNT_LINK_LIFETIME_MS } from "./account-records";
import { addPerson, issueResetLink, listPeople, updatePerson } from "./people";
import { liveSessionUser, startSession } from "./sessions";
import { findActiveUser, singleSignOnAccount, verifyCredentials } from "./users";

let db: DB;
const clock = testClock();
const admin = () => as("admin@countersign.test");
const PASSWORD = "tulip-ocean-ladder-94";
/** Every link secret handed out in this file, to check none reached the audit trail. */
const secrets: string[] = [];

beforeAll(async () => {
  db = await seedDemoEstate();
});

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error as { code: string; message: string },
  );
async function invite(email: string, roles: string[] = ["engineering"], now = clock.next()) {
  const added = await addPerson(await admin(), { email, name: email.split("@")[0], roles }, now);
  secrets.push(added.inviteSecret);
  return added;
}

describe("adding people and their invitation", () => {
  it("adds a person as invited, with an invitation link that sets their password once", async () => {
    const { person, inviteSecret } = await invite("Nia@Example.com", ["engineering", "operations"]);
    expect(person).toMatchObject({
      email: "nia@example.com",
      roles: ["engineering", "operations"],
      status: "invited",
      lastSignedInAt: null,
    });
    expect(await openAccountLink(inviteSecret, clock.next())).toMatchObject({ purpose: "invite", email: "nia@example.com" });
    expect(await redeemAccountLink(inviteSecret, { password: PASSWORD }, clock.next())).toEqual({ email: "nia@example.com" });
    expect(await verifyCredentials("nia@example.com", PASSWORD)).toMatchObject({ email: "nia@example.com" });
    // Used once: the same link is refused, saying no more than that.
    expect(await openAccountLink(inviteSecret, clock.next())).toBeNull();
    expect(await rejection(redeemAccountLink(inviteSecret, { password: "another-long-phrase-77" }, clock.next()))).toMatchObject({
      code: "not_found",
      message: LINK_NO_LONGER_VALID,
    });
  });

  it("a link is refused after seven days, and an unknown one like any other", async () => {
    const start = clock.next();
    const { inviteSecret } = await invite("late@example.com", ["leader"], start);
    expect(await openAccountLink(inviteSecret, start + ACCOUNT_LINK_LIFETIME_MS - 1)).not.toBeNull();
    expect(await openAccountLink(inviteSecret, start + ACCOUNT_LINK_LIFETIME_MS)).toBeNull();
    expect(await rejection(redeemAccountLink(inviteSecret, { password: PASSWORD }, start + 7 * DAY))).toMatchObject({
      message: LINK_NO_LONGER_VALID,
    });
    expect(await rejection(redeemAccountLink("made-up", { password: PASSWORD }, clock.next()))).toMatchObject({
      message: LINK_NO_LONGER_VALID,
    });
  });

  it("a weak password is refused on the password field and leaves the link usable", async () => {
    const { inviteSecret } = await invite("weak@example.com");
    const error = await redeemAccountLink(inviteSecret, { password: "password1234" }, clock.next()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "validation_failed", details: { fieldErrors: { password: [expect.stringMatching(/common/)] } } });
    expect(await openAccountLink(inviteSecret, clock.next())).not.toBeNull();
  });

  it("an email already taken is refused on the email field", async () => {
    expect(await errorOf(() => invite("engineer@countersign.test"))).toMatchObject({
      code: "conflict",
      details: { fieldErrors: { email: ["Someone already has the email engineer@countersign.test"] } },
    });
  });

  it("a newer reset link revokes the older one; using it ends the person's sessions", async () => {
    const older = await issueResetLink(await admin(), "nia@example.com", clock.next());
    const newer = await issueResetLink(await admin(), "nia@example.com", clock.next());
    secrets.push(older.secret, newer.secret);
    expect(newer.purpose).toBe("reset");
    expect(await openAccountLink(older.secret, clock.next())).toBeNull();
    const nia = (await findActiveUser({ email: "nia@example.com" }))!;
    const sid = await startSession(nia.id, clock.next());
    await redeemAccountLink(newer.secret, { password: "correct horse battery staple" }, clock.next());
    expect(await liveSessionUser(sid, clock.next())).toBeNull();
    expect(await verifyCredentials("nia@example.com", "correct horse battery staple")).not.toBeNull();
  });

  it("someone who never accepted their invitation gets a fresh invitation, which revokes the first", async () => {
    const { inviteSecret } = await invite("slow@example.com");
    const again = await issueResetLink(await admin(), "slow@example.com", clock.next());
    secrets.push(again.secret);
    expect(again.purpose).toBe("invite");
    expect(await openAccountLink(inviteSecret, clock.next())).toBeNull();
    expect(await openAccountLink(again.secret, clock.next())).toMatchObject({ purpose: "invite" });
  });

  it("an invited person without a password may still sign in with single sign-on; a disabled one may not", async () => {
    await invite("sso@example.com", ["leader"]);
    expect(await singleSignOnAccount("SSO@example.com")).toMatchObject({ email: "sso@example.com", roles: ["leader"] });
    await updatePerson(await admin(), "sso@example.com", { disabled: true }, clock.next());
    expect(await singleSignOnAccount("sso@example.com")).toBeNull();
  });
});

describe("the people list", () => {
  it("shows status, roles and last sign-in, which a new session sets", async () => {
    const nia = (await findActiveUser({ email: "nia@example.com" }))!;
    const at = clock.next();
    await startSession(nia.id, at);
    const { items, total } = await listPeople(await admin(), { pageSize: "500" });
    expect(total).toBe(items.length);
    const byEmail = new Map(items.map((p) => [p.email, p]));
    expect(byEmail.get("nia@example.com")).toMatchObject({ status: "active", lastSignedInAt: at });
    expect(byEmail.get("slow@example.com")).toMatchObject({ status: "invited" });
    expect(byEmail.get("sso@example.com")).toMatchObject({ status: "disabled" });
    expect(byEmail.get("admin@countersign.test")).toMatchObject({ roles: ["admin"], status: "active" });
    expect((await listPeople(await admin(), { page: "2", pageSize: "3" })).items).toHaveLength(3);
  });
});

describe("the last active admin", () => {
  it("cannot be disabled or lose the admin role, by themselves or anyone", async () => {
    expect(
      await errorOf(async () => updatePerson(await admin(), "admin@countersign.test", { disabled: true }, clock.next())),
    ).toMatchObject({
      code: "conflict",
      message: "Alex Morgan is the last active admin: make someone else an admin before disabling them",
    });
    expect(
      await errorOf(async () => updatePerson(await admin(), "admin@countersign.test", { roles: ["auditor"] }, clock.next())),
    ).toMatchObject({
      code: "conflict",
      message: "Alex Morgan is the last active admin: make someone else an admin before removing their admin role",
    });
    expect((await findActiveUser({ email: "admin@countersign.test" }))!.roles).toEqual(["admin"]);
  });

  it("a disabled admin does not count: with a second admin disabled, the first is still the last", async () => {
    await invite("second-admin@example.com", ["admin"]);
    await updatePerson(await admin(), "second-admin@example.com", { disabled: true }, clock.next());
    expect((await errorOf(async () => updatePerson(await admin(), "admin@countersign.test", { disabled: true }, clock.next()))).code).toBe(
      "conflict",
    );
  });

  it("once another admin is active, an admin may step down", async () => {
    await updatePerson(await admin(), "second-admin@example.com", { disabled: false }, clock.next());
    const after = await updatePerson(
      await as("second-admin@example.com"),
      "admin@countersign.test",
      { roles: ["admin", "auditor"] },
      clock.next(),
    );
    expect(after.roles).toEqual(["auditor", "admin"]);
    expect((await updatePerson(await admin(), "second-admin@example.com", { roles: ["engineering"] }, clock.next())).roles).toEqual([
      "engineering",
    ]);
  });
});

describe("disabling a person", () => {
  it("ends their sessions: the very next request is refused, and their roles no longer count", async () => {
    const ops = (await findActiveUser({ email: "ops@countersign.test" }))!;
    const sid = await startSession(ops.id, clock.next());
    expect(await liveSessionUser(sid, clock.next())).toBe(ops.id);
    const view = await updatePerson(await admin(), "ops@countersign.test", { disabled: true }, clock.next());
    expect(view.status).toBe("disabled");
    // The jwt callback checks the session, currentUser the person: both now refuse.
    expect(await liveSessionUser(sid, clock.next())).toBeNull();
    expect(await findActiveUser({ id: ops.id })).toBeNull();
    await updatePerson(await admin(), "ops@countersign.test", { disabled: false }, clock.next());
    expect(await findActiveUser({ id: ops.id })).toMatchObject({ roles: ["operations"] });
  });

  it("voids their unused links, and no reset link is issued for a disabled person", async () => {
    const { inviteSecret } = await invite("gone@example.com");
    await updatePerson(await admin(), "gone@example.com", { disabled: true }, clock.next());
    expect(await openAccountLink(inviteSecret, clock.next())).toBeNull();
    expect((await errorOf(async () => issueResetLink(await admin(), "gone@example.com", clock.next()))).code).toBe("conflict");
    await updatePerson(await admin(), "gone@example.com", { disabled: false }, clock.next());
    expect(await openAccountLink(inviteSecret, clock.next())).toBeNull();
  });
});

describe("the audit trail", () => {
  it("records each change to people with before and after, never a link's secret or a password hash", async () => {
    const trail = await db.select().from(auditEvents);
    const mine = trail.filter((e) => e.entityType === "user" && !(e.payload as { demo?: boolean }).demo);
    const actions = new Set(mine.map((e) => e.action));
    for (const action of [
      "person.created",
      "person.invited",
      "person.reset_link_issued",
      "person.roles_changed",
      "person.disabled",
      "person.enabled",
      "account.invitation_accepted",
      "account.password_reset",
    ])
      expect(actions).toContain(action);
    const demoted = mine.find((e) => e.action === "person.roles_changed" && e.entityId === "usr_admin")!;
    expect(demoted.payload).toEqual({ email: "admin@countersign.test", previousRoles: ["admin"], roles: ["auditor", "admin"] });
    const text = JSON.stringify(trail);
    const hashes = await db.select({ h: users.passwordHash }).from(users);
    const linkHashes = await db.select({ h: accountLinks.tokenHash }).from(accountLinks);
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const { h } of [...hashes, ...linkHashes]) if (h) expect(text).not.toContain(h);
    expect(text).not.toContain(PASSWORD);
  });

  it("admins only: everyone else is refused before their input is read", async () => {
    const engineer = await as("engineer@countersign.test");
    expect((await errorOf(() => addPerson(engineer, { nonsense: 1 }))).code).toBe("forbidden");
    expect((await errorOf(() => updatePerson(engineer, "ops@countersign.test", "not an object"))).code).toBe("forbidden");
    expect((await errorOf(() => issueResetLink(engineer, "nobody"))).code).toBe("forbidden");
    expect((await errorOf(() => listPeople(engineer, { page: "zero" }))).code).toBe("forbidden");
    expect(await first(db.select().from(users).where(eq(users.email, "nobody")))).toBeUndefined();
  });
});
