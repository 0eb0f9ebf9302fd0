import "server-only";
import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { sessions, users } from "@/db/schema";

/** How long a sign-in lasts, at most: the session cookie and its row expire together. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** Starts a session for a person who just signed in (its id goes into the session cookie) and notes when they last signed in. */
export function startSession(userId: string, now = Date.now()): string {
  const id = `ses_${randomBytes(18).toString("base64url")}`;
  const db = getDb();
  db.transaction(
    (tx) => {
      tx.insert(sessions)
        .values({ id, userId, createdAt: now, expiresAt: now + SESSION_MAX_AGE_SECONDS * 1000 })
        .run();
      tx.update(users).set({ lastSignedInAt: now }).where(eq(users.id, userId)).run();
    },
    { behavior: "immediate" },
  );
  return id;
}

/** The session's person, when the session is still live: not revoked, not expired, and known here. */
export function liveSessionUser(sessionId: string, now = Date.now()): string | null {
  const row = getDb()
    .select({ userId: sessions.userId })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .get();
  return row?.userId ?? null;
}

/** Ends one session (sign-out): a copy of its cookie stops working at once. */
export function endSession(sessionId: string, reason = "signed_out", now = Date.now()): void {
  getDb()
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .run();
}

/**
 * Ends every session of a person, e.g. when they are disabled; `except` keeps one (the person's own, when
 * they change their password). Pass the open transaction when there is one, so the sessions end with it.
 */
export function endSessionsOf(
  userId: string,
  reason: string,
  now = Date.now(),
  { except, tx = getDb() }: { except?: string | null; tx?: Pick<DB, "update"> } = {},
): number {
  return tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), except ? ne(sessions.id, except) : undefined))
    .run().changes;
}
