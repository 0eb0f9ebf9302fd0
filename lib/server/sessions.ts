import "server-only";
import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import { changedRows, first, getDb, withTransaction, type DB } from "@/db";
import { sessions, users } from "@/db/schema";

/** How long a sign-in lasts, at most: the session cookie and its row expire together. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** Starts a session for a person who just signed in (its id goes into the session cookie) and notes when they last signed in. */
export async function startSession(userId: string, now = Date.now()): Promise<string> {
  const id = `ses_${randomBytes(18).toString("base64url")}`;
  await withTransaction(async (tx) => {
    await tx.insert(sessions).values({ id, userId, createdAt: now, expiresAt: now + SESSION_MAX_AGE_SECONDS * 1000 });
    await tx.update(users).set({ lastSignedInAt: now }).where(eq(users.id, userId));
  });
  return id;
}

/** The session's person, when the session is still live: not revoked, not expired, and known here. */
export async function liveSessionUser(sessionId: string, now = Date.now()): Promise<string | null> {
  const row = await first(
    getDb()
      .select({ userId: sessions.userId })
      .from(sessions)
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now))),
  );
  return row?.userId ?? null;
}

/** Ends one session (sign-out): a copy of its cookie stops working at once. */
export async function endSession(sessionId: string, reason = "signed_out", now = Date.now()): Promise<void> {
  await withTransaction(async (tx) =>
    tx
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt))),
  );
}

/**
 * Ends every session of a person, e.g. when they are disabled; `except` keeps one (the person's own, when
 * they change their password). Pass the open transaction when there is one, so the sessions end with it.
 */
export async function endSessionsOf(
  userId: string,
  reason: string,
  now = Date.now(),
  { except, tx }: { except?: string | null; tx?: Pick<DB, "update"> } = {},
): Promise<number> {
  const end = (db: Pick<DB, "update">) =>
    db
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), except ? ne(sessions.id, except) : undefined));
  return changedRows(await (tx ? end(tx) : withTransaction(async (t) => end(t))));
}
