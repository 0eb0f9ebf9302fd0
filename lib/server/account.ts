import "server-only";
import { and, eq } from "drizzle-orm";
import { withTransaction, first, getDb, changedRows } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { users } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { hashPassword, verifyPassword } from "@/lib/passwords";
import { parseInput } from "@/lib/validations/field-errors";
import { accountNameSchema, changePasswordSchema } from "@/lib/validations/people";
import { actorOf, type Caller } from "./caller";
import { endSessionsOf } from "./sessions";

/**
 * Your own account: your name and your password. Personal, like your notifications, so every signed-in
 * person may change them (auditors too); each change is still audited, never with a secret.
 */

type Person = Extract<Caller, { kind: "user" }>;

function assertPerson(caller: Caller): asserts caller is Person {
  if (caller.kind === "token") throw new AppError("forbidden", "An API token has no account of its own to change");
}

export async function updateMyName(caller: Caller, input: unknown, now = Date.now()): Promise<{ name: string }> {
  assertPerson(caller);
  const { name } = parseInput(accountNameSchema, input, "Check your name");
  return await withTransaction(async (tx) => {
    const before = await first(tx.select({ name: users.name }).from(users).where(eq(users.id, caller.user.id)));
    if (!before) throw new AppError("not_found", "Your account no longer exists");
    if (before.name === name) return { name };
    await tx.update(users).set({ name }).where(eq(users.id, caller.user.id));
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "account.name_changed",
      entityType: "user",
      entityId: caller.user.id,
      payload: { email: caller.user.email, before: before.name, after: name },
    });
    return { name };
  });
}

/**
 * Changes your password: the current one first (a session left open on a shared screen cannot take the
 * account over), the new one through the policy. Your other sessions end; `keepSession` (this one) stays.
 */
export async function changeMyPassword(
  caller: Caller,
  input: unknown,
  keepSession: string | null,
  now = Date.now(),
): Promise<{ sessionsEnded: number }> {
  assertPerson(caller);
  const { currentPassword, newPassword } = parseInput(changePasswordSchema, input, "Your password was not changed");
  const row = await first(getDb().select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, caller.user.id)));
  if (!row?.passwordHash) {
    throw new AppError("conflict", "You have no password yet (you sign in with single sign-on): ask an admin for a password link");
  }
  if (!(await verifyPassword(currentPassword, row.passwordHash))) {
    const message = "That is not your current password";
    throw new AppError("validation_failed", message, { fieldErrors: { currentPassword: [message] } });
  }
  const passwordHash = await hashPassword(newPassword);
  return await withTransaction(async (tx) => {
    // Only if nobody changed it meanwhile (another tab, a reset link): the current password was checked against this hash.
    const changed = changedRows(
      await tx
        .update(users)
        .set({ passwordHash })
        .where(and(eq(users.id, caller.user.id), eq(users.passwordHash, row.passwordHash!))),
    );
    if (!changed) throw new AppError("conflict", "Your password was changed meanwhile: try again with the new one");
    const sessionsEnded = await endSessionsOf(caller.user.id, "password_changed", now, { except: keepSession, tx });
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "account.password_changed",
      entityType: "user",
      entityId: caller.user.id,
      payload: { email: caller.user.email, sessionsEnded },
    });
    return { sessionsEnded };
  });
}
