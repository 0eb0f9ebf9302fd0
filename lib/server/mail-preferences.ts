import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { withTransaction, first, getDb } from "@/db";
import { emailPreferences } from "@/db/schema";
import { EMAIL_DELIVERIES, NOTIFICATION_KINDS, type EmailPreferences } from "@/lib/domain/mail-preferences";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import type { Caller } from "./caller";
import { emailConfigured, emailPreferencesOf } from "./mail-outbox";

/**
 * Your email preferences: how you are emailed (as it happens, a daily digest, or not at all) and about
 * what. Your own, like your notifications: every signed-in person sets theirs and nobody else's.
 */

export const emailPreferencesSchema = z.strictObject({
  delivery: z.enum(EMAIL_DELIVERIES, { error: "Choose how you are emailed: as it happens, once a day, or never" }),
  kinds: z
    .array(z.enum(NOTIFICATION_KINDS, { error: "Unknown kind of notification" }), { error: "Choose what you are emailed about" })
    .max(NOTIFICATION_KINDS.length)
    .transform((kinds) => NOTIFICATION_KINDS.filter((k) => kinds.includes(k))),
  digestHour: z.coerce
    .number({ error: "The digest hour is a number from 0 to 23" })
    .int("The digest hour is a whole hour, 0 to 23")
    .min(0, "The digest hour is 0 to 23 (UTC)")
    .max(23, "The digest hour is 0 to 23 (UTC)"),
});

type Person = Extract<Caller, { kind: "user" }>;

function assertPerson(caller: Caller): asserts caller is Person {
  if (caller.kind !== "user") throw new AppError("forbidden", "An API token has no email preferences: people set their own");
}

export type MyEmailPreferences = EmailPreferences & {
  /** Whether this installation sends email at all; preferences are kept either way. */
  emailConfigured: boolean;
};

export async function myEmailPreferences(caller: Caller): Promise<MyEmailPreferences> {
  assertPerson(caller);
  return { ...(await emailPreferencesOf(getDb(), [caller.user.id])).get(caller.user.id)!, emailConfigured: emailConfigured() };
}

/**
 * Saves your preferences. Choosing the daily digest starts it from now: the first digest comes at the next
 * chosen hour and covers what happens from here on; staying on it keeps the day already sent as sent.
 */
export async function updateMyEmailPreferences(caller: Caller, input: unknown, now = Date.now()): Promise<EmailPreferences> {
  assertPerson(caller);
  const chosen = parseInput(emailPreferencesSchema, input, "Check your email preferences");
  return await withTransaction(async (tx) => {
    const before = await first(
      tx
        .select({ delivery: emailPreferences.delivery, digestSince: emailPreferences.digestSince })
        .from(emailPreferences)
        .where(eq(emailPreferences.userId, caller.user.id)),
    );
    const digestSince = before?.delivery === "daily_digest" && chosen.delivery === "daily_digest" ? before.digestSince : now;
    const row = { ...chosen, digestSince, updatedAt: now };
    await tx
      .insert(emailPreferences)
      .values({ userId: caller.user.id, ...row })
      .onConflictDoUpdate({ target: emailPreferences.userId, set: row });
    return chosen;
  });
}
