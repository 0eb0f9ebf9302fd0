import "server-only";
import { and, eq } from "drizzle-orm";
import { withTransaction, first, getDb } from "@/db";
import { emailPreferences, users } from "@/db/schema";
import { composeEmail, type EmailSection } from "@/lib/domain/mail-messages";
import { digestDue } from "@/lib/domain/mail-schedule";
import { changeNumberLabel, ROLE_LABELS } from "@/lib/domain/terms";
import { userCaller } from "./caller";
import { appLink, emailConfigured, queueMail } from "./mail-outbox";
import { notificationsBetween } from "./notifications";
import { mySignoffQueue } from "./signoffs";
import { findActiveUser } from "./users";

/**
 * The daily digest: once a day, at the hour each person chose (UTC), one email with what waits for their
 * sign-off and the notifications they chose since their last digest. Nothing to tell, no email.
 */

/**
 * Queues every digest that is due, each in its own transaction that also moves the person's `digestSince`
 * forward, only if nobody moved it meanwhile: after a restart, or with two app instances, a day's digest is
 * made once. Returns how many digests were queued.
 */
export async function queueDueDigests(now = Date.now()): Promise<number> {
  if (!emailConfigured()) return 0;
  const db = getDb();
  const readers = (
    await db
      .select({ userId: emailPreferences.userId, digestHour: emailPreferences.digestHour, digestSince: emailPreferences.digestSince })
      .from(emailPreferences)
      .innerJoin(users, eq(users.id, emailPreferences.userId))
      .where(and(eq(emailPreferences.delivery, "daily_digest"), eq(users.disabled, false)))
  ).filter((r) => digestDue(r.digestSince, r.digestHour, now));
  let queued = 0;
  for (const reader of readers) if (await queueDigest(reader.userId, reader.digestSince, now)) queued++;
  return queued;
}

async function queueDigest(userId: string, since: number, now: number): Promise<boolean> {
  return await withTransaction(async (tx) => {
    const claimed = await first(
      tx
        .update(emailPreferences)
        .set({ digestSince: now })
        .where(
          and(eq(emailPreferences.userId, userId), eq(emailPreferences.digestSince, since), eq(emailPreferences.delivery, "daily_digest")),
        )
        .returning({ kinds: emailPreferences.kinds }),
    );
    const person = claimed && (await findActiveUser({ id: userId }));
    if (!claimed || !person) return false;
    const sections: EmailSection[] = [];
    const queue = claimed.kinds.includes("signoff_needed") ? await mySignoffQueue(userCaller(person)) : [];
    if (queue.length)
      sections.push({
        heading: `Waiting for your sign-off (${queue.length})`,
        items: queue.map((q) => ({
          text: `${changeNumberLabel(q.number)} ${q.title} (${q.agent.name}), as ${ROLE_LABELS[q.role]}${q.retroDueAt ? ", a retro sign-off" : ""}`,
          url: appLink(`/changes/${changeNumberLabel(q.number)}`),
        })),
      });
    // Sign-off requests are the queue above, as it stands now: listing each request again would repeat it.
    const news = await notificationsBetween(
      tx,
      userId,
      claimed.kinds.filter((k) => k !== "signoff_needed"),
      since,
      now,
    );
    if (news.length)
      sections.push({ heading: "Since your last digest", items: news.map((n) => ({ text: n.message, url: appLink(n.href) })) });
    if (sections.length === 0) return false;
    const waiting = queue.length;
    const email = composeEmail({
      subject: waiting ? `Countersign: ${waiting} sign-off${waiting === 1 ? "" : "s"} waiting for you` : "Countersign: your daily digest",
      greeting: `Hello ${person.name},`,
      paragraphs: ["Here is your daily digest from Countersign. Each line opens the screen that acts on it."],
      action: { label: "Open your sign-off queue", url: appLink("/signoffs") },
      sections,
    });
    return await queueMail(tx, { purpose: "digest", userId, to: person.email, email }, now);
  });
}
