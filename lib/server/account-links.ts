import "server-only";
import { eq } from "drizzle-orm";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { accountLinks, users } from "@/db/schema";
import type { AccountLinkPurpose } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { hashPassword } from "@/lib/passwords";
import { parseInput } from "@/lib/validations/field-errors";
import { setPasswordSchema } from "@/lib/validations/people";
import { hashLinkSecret } from "./account-records";
import { endSessionsOf } from "./sessions";

/**
 * One-time links to set a password: an invitation for a new person, or a reset. The secret is in the link
 * and nowhere else; only its SHA-256 is kept, so neither the database nor the audit trail can show it again.
 */

export const LINK_NO_LONGER_VALID = "This link is no longer valid";

/** The base of the links handed out: AUTH_URL when set (the public address), else the origin the admin used. */
export function accountLinkBase(requestOrigin: string): string {
  return process.env.AUTH_URL?.trim() || requestOrigin;
}

/** The link's row and person when it can still be used: unknown, used, revoked, expired or for a disabled person is null. */
async function usableLink(tx: Pick<DB, "select">, secret: string, now: number) {
  if (!secret || secret.length > 200) return null;
  const row = await first(
    tx
      .select({
        id: accountLinks.id,
        purpose: accountLinks.purpose,
        userId: users.id,
        email: users.email,
        name: users.name,
        disabled: users.disabled,
        expiresAt: accountLinks.expiresAt,
        usedAt: accountLinks.usedAt,
        revokedAt: accountLinks.revokedAt,
      })
      .from(accountLinks)
      .innerJoin(users, eq(users.id, accountLinks.userId))
      .where(eq(accountLinks.tokenHash, hashLinkSecret(secret))),
  );
  if (!row || row.usedAt !== null || row.revokedAt !== null || row.expiresAt <= now || row.disabled) return null;
  return row;
}

/** What the link page shows: whose link and what for, or null (the page then says only that the link is no longer valid). */
export async function openAccountLink(
  secret: string,
  now = Date.now(),
): Promise<{ purpose: AccountLinkPurpose; email: string; name: string } | null> {
  const row = await usableLink(getDb(), secret, now);
  return row ? { purpose: row.purpose, email: row.email, name: row.name } : null;
}

/**
 * Sets the person's password through the link, once. A reset also ends the person's sessions: whoever
 * knew the old password is signed out everywhere. Returns the email, to sign the person in.
 */
export async function redeemAccountLink(secret: string, input: unknown, now = Date.now()): Promise<{ email: string }> {
  if (!(await usableLink(getDb(), secret, now))) throw new AppError("not_found", LINK_NO_LONGER_VALID);
  const { password } = parseInput(setPasswordSchema, input, "Choose another password");
  const passwordHash = await hashPassword(password);
  return await withTransaction(async (tx) => {
    // Checked again under the write lock: two tabs submitting the same link set one password.
    const link = await usableLink(tx, secret, now);
    if (!link) throw new AppError("not_found", LINK_NO_LONGER_VALID);
    await tx.update(accountLinks).set({ usedAt: now }).where(eq(accountLinks.id, link.id));
    await tx.update(users).set({ passwordHash }).where(eq(users.id, link.userId));
    const sessionsEnded = link.purpose === "reset" ? await endSessionsOf(link.userId, "password_reset", now, { tx }) : 0;
    await appendAuditEvent(tx, {
      at: now,
      actor: { type: "user", id: link.userId, label: link.email },
      action: link.purpose === "invite" ? "account.invitation_accepted" : "account.password_reset",
      entityType: "user",
      entityId: link.userId,
      payload: { email: link.email, ...(link.purpose === "reset" ? { sessionsEnded } : {}) },
    });
    return { email: link.email };
  });
}
