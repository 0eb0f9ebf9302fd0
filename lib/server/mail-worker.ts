import "server-only";
import { mailSettings } from "@/lib/env";
import { claimPeriodicRun } from "./periodic";
import { deliverDueMail, pruneFinishedMail } from "./mail-delivery";
import { queueDueDigests } from "./mail-digest";

/** How often the worker looks for due mail and digests: an email arrives within this of what caused it. */
const EVERY_MS = 10_000;
const PRUNE_EVERY_MS = 3_600_000;

/** One pass: make the digests that are due, send what is due, now and then forget old sent mail. */
export async function runMailWorker(now = Date.now(), prune = false): Promise<void> {
  await queueDueDigests(now);
  await deliverDueMail(now);
  if (prune) await pruneFinishedMail(now);
}

/**
 * Sends email for as long as the server runs, started once per server process. The outbox and the digest
 * times are in the database, so a restart picks up exactly where the last process stopped. Without
 * SMTP_URL it does not start (and nothing is queued for it).
 */
export function startMailWorker(): void {
  const holder = globalThis as typeof globalThis & { countersignMailWorker?: NodeJS.Timeout };
  if (holder.countersignMailWorker) return;
  if (!mailSettings()) {
    console.info("Email is off: set SMTP_URL and MAIL_FROM to email people their notifications, invitations and password resets.");
    return;
  }
  let running = false;
  let lastPrune = 0;
  const tick = () => {
    if (running) return;
    running = true;
    const now = Date.now();
    const due = now - lastPrune >= PRUNE_EVERY_MS;
    if (due) lastPrune = now;
    // With several instances on one database, one of them prunes each period; all of them send.
    (due ? claimPeriodicRun("mail-prune", PRUNE_EVERY_MS, now) : Promise.resolve(false))
      .then((prune) => runMailWorker(now, prune))
      .catch((error: unknown) => console.error("The mail worker failed; it will try again", error))
      .finally(() => (running = false));
  };
  holder.countersignMailWorker = setInterval(tick, EVERY_MS);
  holder.countersignMailWorker.unref();
  setTimeout(tick, 1_000).unref();
}
