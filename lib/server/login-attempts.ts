import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { first, getDb, withTransaction } from "@/db";
import { loginAttempts, type LoginOutcome } from "@/db/schema";
import { AppError } from "@/lib/errors";
import type { Caller } from "./caller";

/**
 * Throttling password sign-in. Failures are counted over a window, per account (the email typed, known
 * or not, so the answer never reveals whether an account exists) and per address; past a threshold each
 * further failure locks that key for longer: 30 s, then double, at most 15 minutes. An address gets more
 * room than an account because an office or a VPN shares one.
 */
export const WINDOW_MS = 15 * 60_000;
export const ACCOUNT_THRESHOLD = 5;
export const ADDRESS_THRESHOLD = 20;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;

/** How long a key stays locked after its latest failure, given how many failures it has in the window. */
export function lockoutMs(failures: number, threshold: number): number {
  if (failures < threshold) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** Math.min(failures - threshold, 20), MAX_LOCK_MS);
}

/**
 * The email typed, as attempts are counted under it. A NUL character (which PostgreSQL's text cannot hold,
 * and no account's email has) is kept as U+FFFD: the attempt is counted and throttled like any other.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase().slice(0, 320).replaceAll("\u0000", "\uFFFD");
}

/**
 * The address a request came from. Next.js fills x-forwarded-for with the socket's address when no proxy
 * set it; behind a reverse proxy that appends to it, the last entry is the one the proxy saw.
 */
export function clientAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
  return (forwarded || headers.get("x-real-ip") || "unknown").slice(0, 100);
}

async function lockedUntil(key: "email" | "address", value: string, threshold: number, now: number): Promise<number> {
  const column = key === "email" ? loginAttempts.email : loginAttempts.address;
  const since = now - WINDOW_MS;
  const db = getDb();
  // For an account, a successful sign-in starts the count again; for an address it does not, or one
  // valid account would let its holder guess at everyone else's.
  const lastSuccess =
    key === "email"
      ? ((
          await first(
            db
              .select({ at: sql<number>`max(${loginAttempts.at})` })
              .from(loginAttempts)
              .where(and(eq(column, value), eq(loginAttempts.outcome, "success"), gt(loginAttempts.at, since))),
          )
        )?.at ?? null)
      : null;
  const row = await first(
    db
      .select({ count: sql<number>`count(*)`, last: sql<number | null>`max(${loginAttempts.at})` })
      .from(loginAttempts)
      .where(and(eq(column, value), eq(loginAttempts.outcome, "failure"), gt(loginAttempts.at, Math.max(since, lastSuccess ?? since)))),
  );
  if (!row?.last) return 0;
  return row.last + lockoutMs(row.count, threshold);
}

/** Seconds until this email and address may try again, or 0 when they may try now. */
export async function retryAfterSeconds(email: string, address: string, now = Date.now()): Promise<number> {
  const until = Math.max(
    await lockedUntil("email", normalizeEmail(email), ACCOUNT_THRESHOLD, now),
    await lockedUntil("address", address, ADDRESS_THRESHOLD, now),
  );
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}

/**
 * Admits a sign-in attempt or throttles it, and records it either way, in one transaction: it counts as a
 * failure before the (slow) password check, so parallel guesses cannot all pass the throttle before any
 * of them is recorded. Returns the attempt's id, or null when it was throttled.
 */
export async function admitLoginAttempt(email: string, address: string, now = Date.now()): Promise<string | null> {
  return withTransaction(async () => {
    const throttled = (await retryAfterSeconds(email, address, now)) > 0;
    const id = await recordLoginAttempt(email, address, throttled ? "throttled" : "failure", now);
    return throttled ? null : id;
  });
}

export async function recordLoginAttempt(email: string, address: string, outcome: LoginOutcome, now = Date.now()): Promise<string> {
  const id = `la_${randomBytes(12).toString("base64url")}`;
  await withTransaction(async (tx) => tx.insert(loginAttempts).values({ id, email: normalizeEmail(email), address, at: now, outcome }));
  return id;
}

/** An attempt is recorded as a failure before its password is checked, so a burst of parallel guesses counts at once; a right password turns it into a success. */
export async function markLoginSucceeded(id: string): Promise<void> {
  await withTransaction(async (tx) => tx.update(loginAttempts).set({ outcome: "success" }).where(eq(loginAttempts.id, id)));
}

export type FailedLogin = { email: string; address: string; at: number; outcome: LoginOutcome };

/** Recent failed and refused sign-ins, newest first: for admins only. */
export async function recentFailedLogins(caller: Caller, limit = 100): Promise<FailedLogin[]> {
  if (caller.kind !== "user" || !caller.user.roles.includes("admin")) throw new AppError("forbidden", "Only admins review failed sign-ins");
  return await getDb()
    .select({ email: loginAttempts.email, address: loginAttempts.address, at: loginAttempts.at, outcome: loginAttempts.outcome })
    .from(loginAttempts)
    .where(inArray(loginAttempts.outcome, ["failure", "throttled"]))
    .orderBy(desc(loginAttempts.at))
    .limit(limit);
}
