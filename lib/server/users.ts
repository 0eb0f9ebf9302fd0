import "server-only";
import { and, eq } from "drizzle-orm";
import { first, getDb, withTransaction } from "@/db";
import { userRoles, users } from "@/db/schema";
import type { Role } from "@/lib/domain/terms";
import { hashPassword, needsRehash, verifyPassword } from "@/lib/passwords";

/** The signed-in person as every use case sees them: read from the database on each request. */
export type CurrentUser = { id: string; email: string; name: string; roles: Role[] };

export async function findActiveUser(where: { id: string } | { email: string }): Promise<CurrentUser | null> {
  const db = getDb();
  const row = await first(
    db
      .select({ id: users.id, email: users.email, name: users.name, disabled: users.disabled })
      .from(users)
      .where("id" in where ? eq(users.id, where.id) : eq(users.email, where.email.trim().toLowerCase())),
  );
  if (!row || row.disabled) return null;
  const roles = await db.select({ role: userRoles.role }).from(userRoles).where(eq(userRoles.userId, row.id));
  return { id: row.id, email: row.email, name: row.name, roles: roles.map((r) => r.role) };
}

/**
 * Single sign-on admits an active account by its email, with or without a password: a person an admin
 * invited may sign in through the provider without ever accepting the invitation. Disabled people never.
 */
export async function singleSignOnAccount(email: string): Promise<CurrentUser | null> {
  return await findActiveUser({ email });
}

// A fixed hash to compare against when the email is unknown, so a wrong email costs the same time as a wrong password.
const DUMMY_HASH = "scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/**
 * Email + password sign-in. Unknown email, wrong password and disabled account look the same from outside.
 * A hash made with weaker parameters than today's is replaced after a successful check.
 */
export async function verifyCredentials(email: string, password: string): Promise<CurrentUser | null> {
  const db = getDb();
  const row = await first(
    db.select({ id: users.id, passwordHash: users.passwordHash }).from(users).where(eq(users.email, email.trim().toLowerCase())),
  );
  const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
  if (!ok || !row) return null;
  const person = await findActiveUser({ id: row.id });
  if (person && row.passwordHash && needsRehash(row.passwordHash)) {
    const upgraded = await hashPassword(password);
    const previous = row.passwordHash;
    // Only if nobody changed the password meanwhile.
    await withTransaction(async (tx) =>
      tx
        .update(users)
        .set({ passwordHash: upgraded })
        .where(and(eq(users.id, row.id), eq(users.passwordHash, previous))),
    );
  }
  return person;
}

export function hasRole(user: CurrentUser, ...roles: Role[]): boolean {
  return roles.some((role) => user.roles.includes(role));
}

/** Everyone who can be named on a change (e.g. as its rollback owner): active people, by name. */
export async function listActivePeople(): Promise<{ email: string; name: string }[]> {
  return await getDb().select({ email: users.email, name: users.name }).from(users).where(eq(users.disabled, false)).orderBy(users.name);
}
