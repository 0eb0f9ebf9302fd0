import { first } from "@/db";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { DB } from "@/db";
import { appendAuditEvent, type Actor } from "@/db/audit";
import { accountLinks, userRoles, users } from "@/db/schema";
import type { AccountLinkPurpose, Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";

// No `server-only` here: `npm run admin:create` writes people and links under plain Node, outside Next.js.
// These are steps inside a use case's transaction, never use cases themselves: who may ask is checked before.

export const ACCOUNT_LINK_LIFETIME_MS = 7 * 86_400_000;

type Writer = Pick<DB, "select" | "insert" | "update">;

export function hashLinkSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Where a link's secret is opened: `/welcome/<secret>` under the base URL. */
export function accountLinkUrl(base: string, secret: string): string {
  return `${base.replace(/\/+$/, "")}/welcome/${secret}`;
}

/**
 * Issues a one-time link; it revokes the person's older unused links of either purpose, so that an
 * invitation left unused (the person signed in with single sign-on) cannot set a password after a reset.
 */
export async function issueAccountLink(
  tx: Writer,
  link: { userId: string; purpose: AccountLinkPurpose; createdById: string | null },
  now: number,
): Promise<{ secret: string; expiresAt: number }> {
  await tx
    .update(accountLinks)
    .set({ revokedAt: now })
    .where(and(eq(accountLinks.userId, link.userId), isNull(accountLinks.usedAt), isNull(accountLinks.revokedAt)));
  const secret = randomBytes(32).toString("base64url");
  const expiresAt = now + ACCOUNT_LINK_LIFETIME_MS;
  await tx.insert(accountLinks).values({ id: randomUUID(), ...link, tokenHash: hashLinkSecret(secret), createdAt: now, expiresAt });
  return { secret, expiresAt };
}

/**
 * Adds a person with their roles and records it (`person.created`, or the action given). The event states
 * the roles, as the audit replay expects of every role grant; never a password or its hash.
 */
export async function insertPerson(
  tx: Writer,
  person: { email: string; name: string; roles: Role[]; passwordHash?: string | null },
  actor: Actor | ((id: string) => Actor),
  now: number,
  action = "person.created",
): Promise<string> {
  const taken = await first(tx.select({ id: users.id }).from(users).where(eq(users.email, person.email)));
  if (taken) {
    const message = `Someone already has the email ${person.email}`;
    throw new AppError("conflict", message, { fieldErrors: { email: [message] } });
  }
  const id = `usr_${randomUUID()}`;
  await tx.insert(users).values({ id, email: person.email, name: person.name, passwordHash: person.passwordHash ?? null, createdAt: now });
  if (person.roles.length) await tx.insert(userRoles).values(person.roles.map((role) => ({ userId: id, role })));
  await appendAuditEvent(tx, {
    at: now,
    actor: typeof actor === "function" ? actor(id) : actor,
    action,
    entityType: "user",
    entityId: id,
    payload: { email: person.email, name: person.name, roles: person.roles },
  });
  return id;
}

/** Active people holding the admin role: the ones who can still manage everyone else. */
export async function activeAdminIds(tx: Pick<DB, "select">): Promise<string[]> {
  return (
    await tx
      .select({ id: users.id })
      .from(users)
      .innerJoin(userRoles, and(eq(userRoles.userId, users.id), eq(userRoles.role, "admin")))
      .where(eq(users.disabled, false))
  ).map((r) => r.id);
}
