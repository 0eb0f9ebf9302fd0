import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, eq, gte, inArray, isNull, lt, lte, ne, or } from "drizzle-orm";
import nodemailer from "nodemailer";
import { withTransaction, getDb, changedRows } from "@/db";
import { mailOutbox } from "@/db/schema";
import { mailSettings, type MailSettings } from "@/lib/env";
import { nextAttemptAfterFailure } from "@/lib/domain/mail-schedule";
import { AppError } from "@/lib/errors";
import type { Caller } from "./caller";

/**
 * Sends what the outbox holds. A worker claims due rows for a lease; while the lease lasts no other app
 * instance (or a second tick of this one) takes them. Sent or given up on, a row's body is blanked.
 */

/** Longer than one send can take (the SMTP timeouts below add up to less), so a lease never lapses mid-send. */
export const CLAIM_LEASE_MS = 5 * 60_000;
const BATCH = 25;
/** Sent and failed rows are kept this long (recipient, subject, outcome; no body), then deleted. */
export const KEEP_FINISHED_MS = 30 * 86_400_000;

export type DeliveryRun = { sent: number; retrying: number; failed: number };

type Claimed = { id: string; to: string; subject: string; text: string; html: string; attempts: number; createdAt: number };

/** Claims up to a batch of due rows for this worker, in one write transaction: two workers never claim the same row. */
async function claimDueMail(now: number, token: string): Promise<Claimed[]> {
  return await withTransaction(async (tx) => {
    const due = (
      await tx
        .select({ id: mailOutbox.id })
        .from(mailOutbox)
        .where(
          and(
            eq(mailOutbox.status, "pending"),
            lte(mailOutbox.nextAttemptAt, now),
            or(isNull(mailOutbox.claimedUntil), lte(mailOutbox.claimedUntil, now)),
          ),
        )
        .orderBy(asc(mailOutbox.nextAttemptAt))
        .limit(BATCH)
    ).map((r) => r.id);
    if (due.length === 0) return [];
    const claimed = await tx
      .update(mailOutbox)
      .set({ claimedUntil: now + CLAIM_LEASE_MS, claimToken: token })
      .where(inArray(mailOutbox.id, due))
      .returning({
        id: mailOutbox.id,
        to: mailOutbox.to,
        subject: mailOutbox.subject,
        text: mailOutbox.text,
        html: mailOutbox.html,
        attempts: mailOutbox.attempts,
        createdAt: mailOutbox.createdAt,
      });
    // Oldest first: PostgreSQL returns the updated rows in no particular order.
    return claimed.sort((a, b) => a.createdAt - b.createdAt);
  });
}

function transportFor(settings: MailSettings) {
  return nodemailer.createTransport({
    url: settings.smtpUrl,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
}

/** What an SMTP failure says, short enough to keep: the server's reply when there is one. */
function describeFailure(error: unknown): string {
  const e = error as { message?: string; responseCode?: number; response?: string; code?: string };
  const said = e.response ? `${e.response}` : (e.message ?? String(error));
  return [e.code, said].filter(Boolean).join(": ").slice(0, 1_000);
}

/**
 * One pass: claims the due mail and sends it. A failure is recorded on its row (the SMTP error, the next
 * attempt after a growing wait), and given up on (marked failed) once a day has passed; it is logged either way.
 */
export async function deliverDueMail(now = Date.now()): Promise<DeliveryRun> {
  const run: DeliveryRun = { sent: 0, retrying: 0, failed: 0 };
  const settings = mailSettings();
  if (!settings) return run;
  const token = randomUUID();
  const claimed = await claimDueMail(now, token);
  if (claimed.length === 0) return run;
  const transport = transportFor(settings);
  const mine = (id: string) => and(eq(mailOutbox.id, id), eq(mailOutbox.claimToken, token));
  const started = Date.now();
  try {
    for (const mail of claimed) {
      // The lease covers the whole batch, sent one by one: renew it for each mail, and leave alone any mail whose
      // lease lapsed while earlier ones were slow and another worker took it over (or that was withdrawn).
      const renewed = await withTransaction(async (tx) =>
        tx
          .update(mailOutbox)
          .set({ claimedUntil: now + (Date.now() - started) + CLAIM_LEASE_MS })
          .where(and(mine(mail.id), eq(mailOutbox.status, "pending"))),
      );
      if (changedRows(renewed) !== 1) continue;
      try {
        await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
        await withTransaction(async (tx) =>
          tx
            .update(mailOutbox)
            .set({
              status: "sent",
              sentAt: now,
              attempts: mail.attempts + 1,
              text: "",
              html: "",
              claimedUntil: null,
              claimToken: null,
              lastError: null,
            })
            .where(mine(mail.id)),
        );
        run.sent++;
      } catch (error) {
        const failures = mail.attempts + 1;
        const next = nextAttemptAfterFailure({ queuedAt: mail.createdAt, failures }, now);
        const lastError = describeFailure(error);
        if (next === null) {
          await withTransaction(async (tx) =>
            tx
              .update(mailOutbox)
              .set({ status: "failed", attempts: failures, lastError, text: "", html: "", claimedUntil: null, claimToken: null })
              .where(mine(mail.id)),
          );
          run.failed++;
          console.error(
            `Email “${mail.subject}” to ${mail.to} could not be sent after ${failures} attempts over a day; given up: ${lastError}`,
          );
        } else {
          await withTransaction(async (tx) =>
            tx
              .update(mailOutbox)
              .set({ attempts: failures, lastError, nextAttemptAt: next, claimedUntil: null, claimToken: null })
              .where(mine(mail.id)),
          );
          run.retrying++;
          console.error(
            `Email “${mail.subject}” to ${mail.to} could not be sent (attempt ${failures}); trying again at ${new Date(next).toISOString()}: ${lastError}`,
          );
        }
      }
    }
  } finally {
    transport.close();
  }
  return run;
}

/** Deletes sent and failed mail older than KEEP_FINISHED_MS: the outbox holds what is to send, and a month of record. */
export async function pruneFinishedMail(now = Date.now()): Promise<number> {
  return changedRows(
    await withTransaction(async (tx) =>
      tx.delete(mailOutbox).where(and(ne(mailOutbox.status, "pending"), lt(mailOutbox.createdAt, now - KEEP_FINISHED_MS))),
    ),
  );
}

export type MailHealth = { waiting: number; retrying: number; failedThisWeek: number; lastError: string | null };

/** What the outbox holds, for admins: how much mail waits, how much is being retried, what was given up on this week. */
export async function mailHealth(caller: Caller, now = Date.now()): Promise<MailHealth> {
  if (caller.kind !== "user" || !caller.user.roles.includes("admin")) throw new AppError("forbidden", "Only admins see how email is doing");
  const weekAgo = now - 7 * 86_400_000;
  const rows = await getDb()
    .select({ status: mailOutbox.status, attempts: mailOutbox.attempts, lastError: mailOutbox.lastError, createdAt: mailOutbox.createdAt })
    .from(mailOutbox)
    .where(or(eq(mailOutbox.status, "pending"), and(eq(mailOutbox.status, "failed"), gte(mailOutbox.createdAt, weekAgo))));
  const failed = rows.filter((r) => r.status === "failed");
  const retrying = rows.filter((r) => r.status === "pending" && r.attempts > 0);
  const newestFailure = [...retrying, ...failed].sort((a, b) => b.createdAt - a.createdAt)[0];
  return {
    waiting: rows.length - failed.length,
    retrying: retrying.length,
    failedThisWeek: failed.length,
    lastError: newestFailure?.lastError ?? null,
  };
}
