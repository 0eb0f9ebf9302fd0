import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { users } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { errorOf } from "@/lib/testing/app-error";
import { as, tokenWith } from "@/lib/testing/release-fixtures";
import { TOKEN_SCOPES } from "@/lib/domain/terms";
import { openAccountLink, redeemAccountLink } from "./account-links";
import { verifyAuditTrail } from "./audit";
import { addPerson, issueResetLink, listPeople, updatePerson } from "./people";
import { startSession } from "./sessions";
import { findActiveUser } from "./users";
import { createWorkflow } from "./workflows";

/** A hostile tester on people and their links: races, stale pages, retries and odd input. */

let db: DB;
const NOW = Date.UTC(2027, 0, 10, 9, 0);
const PASSWORD = "tulip-ocean-ladder-94";
const admin = () => as("admin@countersign.test");

async function rejection(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error as { code: string; message: string },
  );
}

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("one person, added twice", () => {
  it("an email in other case or with spaces is the same person: the retry is a conflict on the email field", async () => {
    await addPerson(await admin(), { email: "  Dana.Roe@Example.COM ", name: "Dana Roe", roles: ["security"] }, NOW);
    for (const email of ["dana.roe@example.com", "DANA.ROE@EXAMPLE.COM", "\tDana.Roe@example.com\n"]) {
      const error = await errorOf(async () => await addPerson(await admin(), { email, name: "Dana Roe", roles: ["security"] }, NOW));
      expect(error.code).toBe("conflict");
      expect(error.details.fieldErrors?.email?.[0]).toMatch(/already has the email/);
    }
    expect((await listPeople(await admin(), { pageSize: "100" })).items.filter((p) => p.email === "dana.roe@example.com")).toHaveLength(1);
  });

  it("roles listed twice are held once; an unknown role, too many roles or an extra field is refused", async () => {
    const { person } = await addPerson(
      await admin(),
      { email: "twice@example.com", name: "Twice", roles: ["security", "security", "auditor"] },
      NOW,
    );
    expect(person.roles).toEqual(["security", "auditor"]);
    for (const input of [
      { email: "x1@example.com", name: "X", roles: ["superuser"] },
      { email: "x2@example.com", name: "X", roles: Array(17).fill("security") },
      { email: "x3@example.com", name: "X", roles: [], admin: true },
      { email: "x4@example.com", name: "x".repeat(121), roles: [] },
      { email: `${"a".repeat(250)}@example.com`, name: "X", roles: [] },
    ])
      expect((await errorOf(async () => await addPerson(await admin(), input, NOW))).code).toBe("validation_failed");
  });

  it("auditors, leaders and tokens are refused before their input is read", async () => {
    const token = await tokenWith(db, "people-hostile", [...TOKEN_SCOPES]);
    for (const caller of [
      await as("auditor@countersign.test"),
      await as("leader@countersign.test"),
      await as("engineer@countersign.test"),
      token,
    ]) {
      expect((await errorOf(async () => await addPerson(caller, { junk: true }, NOW))).code).toBe("forbidden");
      expect((await errorOf(async () => await updatePerson(caller, "engineer@countersign.test", { roles: ["root"] }, NOW))).code).toBe(
        "forbidden",
      );
      expect((await errorOf(async () => await issueResetLink(caller, "nobody", NOW))).code).toBe("forbidden");
    }
  });
});

describe("the last admins", () => {
  it("two admins disabling each other: the first wins, the second (a page open since) is refused", async () => {
    await addPerson(await admin(), { email: "second.admin@example.com", name: "Second Admin", roles: ["admin"] }, NOW);
    const first = await admin();
    const second = await as("second.admin@example.com");
    await updatePerson(second, "admin@countersign.test", { disabled: true }, NOW + 1);
    // `first` was read before it was disabled, as a request on its way is: checked again, it changes nobody.
    expect((await errorOf(async () => await updatePerson(first, "second.admin@example.com", { disabled: true }, NOW + 2))).code).toBe(
      "forbidden",
    );
    expect((await errorOf(async () => await updatePerson(first, "engineer@countersign.test", { roles: ["admin"] }, NOW + 2))).code).toBe(
      "forbidden",
    );
    expect(
      (await errorOf(async () => await addPerson(first, { email: "sneaky@example.com", name: "Sneaky", roles: ["admin"] }, NOW + 2))).code,
    ).toBe("forbidden");
    expect((await errorOf(async () => await issueResetLink(first, "second.admin@example.com", NOW + 2))).code).toBe("forbidden");
    // The last active admin stays, whoever asks.
    const error = await errorOf(async () => await updatePerson(second, "second.admin@example.com", { disabled: true }, NOW + 2));
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/last active admin/);
    await updatePerson(second, "admin@countersign.test", { disabled: false }, NOW + 3);
  });

  it("an admin may step down while another stays; the last one may not demote themself", async () => {
    await updatePerson(await as("second.admin@example.com"), "second.admin@example.com", { roles: ["security"] }, NOW + 4);
    const error = await errorOf(async () => await updatePerson(await admin(), "ADMIN@countersign.test ", { roles: [] }, NOW + 5));
    expect(error.code).toBe("conflict");
    expect((await findActiveUser({ email: "admin@countersign.test" }))!.roles).toContain("admin");
  });
});

describe("a page left open", () => {
  it("roles saved from a stale row of a person disabled meanwhile leave them disabled, signed out", async () => {
    await addPerson(await admin(), { email: "stale.row@example.com", name: "Stale Row", roles: ["security"] }, NOW);
    await updatePerson(await admin(), "stale.row@example.com", { disabled: true }, NOW + 1);
    const after = await updatePerson(await admin(), "stale.row@example.com", { roles: ["security", "operations"] }, NOW + 2);
    expect(after).toMatchObject({ status: "disabled", roles: ["security", "operations"] });
    expect(await findActiveUser({ email: "stale.row@example.com" })).toBeNull();
  });

  it("a roles form left open while another admin granted a role is refused, instead of silently undoing the grant", async () => {
    await addPerson(await admin(), { email: "two.admins@example.com", name: "Two Admins", roles: ["security"] }, NOW);
    // Both admins open the row showing "security"; one grants operations.
    await updatePerson(
      await admin(),
      "two.admins@example.com",
      { roles: ["security", "operations"], expectedRoles: ["security"] },
      NOW + 1,
    );
    const stale = await errorOf(
      async () =>
        await updatePerson(
          await admin(),
          "two.admins@example.com",
          { roles: ["security", "compliance"], expectedRoles: ["security"] },
          NOW + 2,
        ),
    );
    expect(stale.code).toBe("conflict");
    expect(stale.message).toBe("Two Admins's roles changed meanwhile (now: Security, Operations): look again before saving");
    expect((await findActiveUser({ email: "two.admins@example.com" }))!.roles.sort()).toEqual(["operations", "security"]);
  });
});

describe("links left open", () => {
  it("an invitation opened before the person was disabled no longer works, not even after they are enabled again", async () => {
    const { inviteSecret } = await addPerson(await admin(), { email: "late@example.com", name: "Late Comer", roles: ["operations"] }, NOW);
    expect(await openAccountLink(inviteSecret, NOW + 1)).not.toBeNull();
    await updatePerson(await admin(), "late@example.com", { disabled: true }, NOW + 2);
    expect((await rejection(redeemAccountLink(inviteSecret, { password: PASSWORD }, NOW + 3))).code).toBe("not_found");
    await updatePerson(await admin(), "late@example.com", { disabled: false }, NOW + 4);
    expect(await openAccountLink(inviteSecret, NOW + 5)).toBeNull();
    expect((await issueResetLink(await admin(), "late@example.com", NOW + 5)).purpose).toBe("invite");
  });

  it("a reset link is void once a newer one is issued", async () => {
    const { inviteSecret } = await addPerson(await admin(), { email: "reset.me@example.com", name: "Reset Me", roles: [] }, NOW);
    await redeemAccountLink(inviteSecret, { password: PASSWORD }, NOW + 1);
    const older = await issueResetLink(await admin(), "reset.me@example.com", NOW + 2);
    const newer = await issueResetLink(await admin(), "reset.me@example.com", NOW + 3);
    expect(older.purpose).toBe("reset");
    expect(await openAccountLink(older.secret, NOW + 4)).toBeNull();
    expect((await rejection(redeemAccountLink(older.secret, { password: "older-" + PASSWORD }, NOW + 4))).code).toBe("not_found");
    await redeemAccountLink(newer.secret, { password: "newer-" + PASSWORD }, NOW + 5);
  });

  it("an invitation left unused is void once a reset link is issued: one live link per person", async () => {
    // The person signed in with single sign-on without using their invitation: they are active, so the next link is a reset.
    const { person, inviteSecret } = await addPerson(
      await admin(),
      { email: "sso.person@example.com", name: "Sso Person", roles: [] },
      NOW,
    );
    await startSession(person.id, NOW + 1);
    const reset = await issueResetLink(await admin(), "sso.person@example.com", NOW + 2);
    expect(reset.purpose).toBe("reset");
    expect(await openAccountLink(inviteSecret, NOW + 3)).toBeNull();
    await redeemAccountLink(reset.secret, { password: PASSWORD }, NOW + 3);
  });

  it("two tabs redeeming one link set one password", async () => {
    const { inviteSecret } = await addPerson(await admin(), { email: "two.tabs@example.com", name: "Two Tabs", roles: [] }, NOW);
    const results = await Promise.allSettled([
      redeemAccountLink(inviteSecret, { password: "first-" + PASSWORD }, NOW + 1),
      redeemAccountLink(inviteSecret, { password: "second-" + PASSWORD }, NOW + 1),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });
});

describe("people and workflows", () => {
  it("a disabled person cannot be made a workflow's owner", async () => {
    await addPerson(await admin(), { email: "gone.owner@example.com", name: "Gone Owner", roles: ["workflow_owner"] }, NOW);
    await updatePerson(await admin(), "gone.owner@example.com", { disabled: true }, NOW + 1);
    const error = await errorOf(
      async () =>
        await createWorkflow(
          await admin(),
          { name: "Claims", owner: "Gone.Owner@example.com", riskClass: "high", riskReason: "moves money" },
          NOW + 2,
        ),
    );
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors?.owner).toBeDefined();
  });
});

describe("the audit trail after all of this", () => {
  it("its chain holds and it replays cleanly against the tables", async () => {
    expect(await db.select().from(users).where(eq(users.email, "dana.roe@example.com"))).toHaveLength(1);
    const result = await verifyAuditTrail();
    expect(result.mismatches ?? []).toEqual([]);
    expect(result).toMatchObject({ ok: true, firstBadSeq: null });
  });
});
