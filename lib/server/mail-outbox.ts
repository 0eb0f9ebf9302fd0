import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { DB } from "@/db";
import { emailPreferences, mailOutbox, users } from "@/db/schema";
import { mailSettings, publicUrl } from "@/lib/env";
import { composeEmail, type Email } from "@/lib/domain/mail-messages";
import {
  DEFAULT_EMAIL_PREFERENCES,
  wantsImmediately,
  type EmailPreferences,
  type MailPurpose,
  type NotificationKind,
} from "@/lib/domain/mail-preferences";

/**
 * The mail outbox: email is written here in the same transaction as what caused it, and sent later by the
 * mail worker (lib/server/mail-delivery.ts), so a slow or broken mail server never holds up or fails the
 * use case. Without SMTP_URL nothing is written: no queue grows for a mail server that does not exist.
 */

type Writer = Pick<DB, "select" | "insert">;

/** Whether this installation sends email (SMTP_URL and MAIL_FROM are set). */
export function emailConfigured(): boolean {
  return mailSettings() !== null;
}

/** An absolute link to a screen of the app, for an email. */
export function appLink(path: string): string {
  return `${publicUrl()}${path}`;
}

/** Queues one email; false (nothing written) when this installation sends no email. */
export async function queueMail(
  tx: Writer,
  mail: { purpose: MailPurpose; userId: string | null; to: string; email: Email },
  now: number,
): Promise<boolean> {
  if (!emailConfigured()) return false;
  await tx.insert(mailOutbox).values({
    id: randomUUID(),
    purpose: mail.purpose,
    userId: mail.userId,
    to: mail.to,
    subject: mail.email.subject,
    text: mail.email.text,
    html: mail.email.html,
    nextAttemptAt: now,
    createdAt: now,
  });
  return true;
}

/** Each person's email preferences: theirs when they chose, the defaults otherwise. */
export async function emailPreferencesOf(tx: Pick<DB, "select">, userIds: string[]): Promise<Map<string, EmailPreferences>> {
  const chosen = userIds.length
    ? await tx
        .select({
          userId: emailPreferences.userId,
          delivery: emailPreferences.delivery,
          kinds: emailPreferences.kinds,
          digestHour: emailPreferences.digestHour,
        })
        .from(emailPreferences)
        .where(inArray(emailPreferences.userId, userIds))
    : [];
  const byUser = new Map(chosen.map(({ userId, ...p }) => [userId, p]));
  return new Map(userIds.map((id) => [id, byUser.get(id) ?? DEFAULT_EMAIL_PREFERENCES]));
}

/** A notification as it is emailed: its subject, its message, and the screen that acts on it. */
export type EmailedNotice = { userId: string; kind: NotificationKind; subject: string; message: string; path: string };

const ACTION_LABELS: Record<NotificationKind, string> = {
  signoff_needed: "Review and sign off",
  change_approved: "Open the change",
  change_rejected: "Open the change",
  changes_requested: "Open the change",
  signoff_dismissed: "Open the change",
  change_out_of_date: "Open the change",
  drift_opened: "Open the drift",
  breach_recorded: "Open the runtime evidence",
};

/**
 * Emails the notifications just written, to the people who want that kind as it happens (active people
 * only). A digest reader gets them in their next digest instead; "off" gets none.
 */
export async function queueNotificationEmails(tx: Writer, notices: EmailedNotice[], now: number): Promise<void> {
  if (notices.length === 0 || !emailConfigured()) return;
  const userIds = [...new Set(notices.map((n) => n.userId))];
  const preferences = await emailPreferencesOf(tx, userIds);
  const people = new Map(
    (
      await tx
        .select({ id: users.id, email: users.email, name: users.name })
        .from(users)
        .where(and(inArray(users.id, userIds), eq(users.disabled, false)))
    ).map((u) => [u.id, u]),
  );
  for (const notice of notices) {
    const person = people.get(notice.userId);
    if (!person || !wantsImmediately(preferences.get(notice.userId)!, notice.kind)) continue;
    const email = composeEmail({
      subject: notice.subject,
      greeting: `Hello ${person.name},`,
      paragraphs: [notice.message + "."],
      action: { label: ACTION_LABELS[notice.kind], url: appLink(notice.path) },
    });
    await queueMail(tx, { purpose: "notification", userId: person.id, to: person.email, email }, now);
  }
}
