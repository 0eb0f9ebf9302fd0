import { scryptSync, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { users } from "@/db/schema";
import { needsRehash, verifyPassword } from "@/lib/passwords";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { verifyCredentials } from "./users";

let db: DB;
const EMAIL = "leader@countersign.test";

beforeAll(async () => {
  db = await seedDemoEstate();
});

/** A hash as the previous release made it: scrypt at N=2^15, below OWASP's minimum. */
function oldHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return ["scrypt", 2 ** 15, 8, 1, salt.toString("base64url"), key.toString("base64url")].join("$");
}

const storedHash = async () => (await first(db.select({ h: users.passwordHash }).from(users).where(eq(users.email, EMAIL))))!.h!;

describe("password hashes", () => {
  it("are scrypt at OWASP's current cost (N=2^17, r=8, p=1), the parameters stored in the hash", async () => {
    expect(await storedHash()).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(needsRehash(await storedHash())).toBe(false);
  });

  it("made with older parameters still verify, and are upgraded on the next successful sign-in only", async () => {
    const old = oldHash("old-secret-1");
    await withTransaction(async (tx) => {
      await tx.update(users).set({ passwordHash: old }).where(eq(users.email, EMAIL));
    });
    expect(needsRehash(old)).toBe(true);

    expect(await verifyCredentials(EMAIL, "wrong-guess")).toBeNull();
    expect(await storedHash()).toBe(old);

    expect((await verifyCredentials(EMAIL, "old-secret-1"))?.email).toBe(EMAIL);
    const upgraded = await storedHash();
    expect(upgraded).not.toBe(old);
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword("old-secret-1", upgraded)).toBe(true);
    expect((await verifyCredentials(EMAIL, "old-secret-1"))?.email).toBe(EMAIL);
  });

  it("refuses a stored hash whose parameters would exhaust memory instead of trying it", async () => {
    expect(await verifyPassword("x", "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA")).toBe(false);
    expect(await verifyPassword("x", "bcrypt$whatever")).toBe(false);
  });
});
