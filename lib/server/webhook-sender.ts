import "server-only";
import { claimPeriodicRun } from "./periodic";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { and, eq, inArray, lt, notInArray, or, sql, isNull } from "drizzle-orm";
import { first, withTransaction, getDb, changedRows } from "@/db";
import { outgoingEvents, webhookDeliveries, webhooks } from "@/db/schema";
import { deliveryBody } from "@/lib/domain/webhook-messages";
import { SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from "@/lib/domain/webhook-signature";
import { nextAttemptAfterFailure, type EventEnvelope } from "@/lib/domain/webhooks";
import { InternalAddressError, isInternalAddress, publicOnlyLookup } from "./outbound-address";
import { auditChainStatus } from "./audit-verification";
import { recordOverdueRetroSignoffs } from "./retro-signoffs";
import { open } from "./secret-box";

/**
 * Sends what the outbox holds. A delivery is claimed for a short lease before it is sent, so two senders (two app
 * instances, or one restarted mid-send) never send it at the same moment, and a crashed sender's claims lapse.
 * Deliveries to one endpoint for one change go one at a time, in event order: a later one waits while an earlier
 * one is still being retried. A slow or failing endpoint never holds up the use cases that recorded the events.
 */

const TIMEOUT_MS = 10_000;
const LEASE_MS = 60_000;
const EXCERPT = 500;
const MAX_RESPONSE_BYTES = 16_384;

type Due = { id: string; webhookId: string; attempts: number; createdAt: number };

/** Due deliveries with nothing earlier still waiting for the same endpoint and key, oldest first; none for `skip`. */
async function dueDeliveries(now: number, limit: number, skip: string[] = []): Promise<Due[]> {
  const earlier = sql`EXISTS (SELECT 1 FROM ${webhookDeliveries} AS e WHERE e.webhook_id = ${webhookDeliveries.webhookId}
    AND e.order_key = ${webhookDeliveries.orderKey} AND e.status = 'pending' AND e.event_seq < ${webhookDeliveries.eventSeq})`;
  return await getDb()
    .select({
      id: webhookDeliveries.id,
      webhookId: webhookDeliveries.webhookId,
      attempts: webhookDeliveries.attempts,
      createdAt: webhookDeliveries.createdAt,
    })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        sql`${webhookDeliveries.nextAttemptAt} <= ${now}`,
        or(isNull(webhookDeliveries.claimedUntil), lt(webhookDeliveries.claimedUntil, now)),
        sql`NOT ${earlier}`,
        skip.length ? notInArray(webhookDeliveries.webhookId, skip) : undefined,
      ),
    )
    .orderBy(webhookDeliveries.nextAttemptAt, webhookDeliveries.eventSeq)
    .limit(limit);
}

/** Takes the lease on a delivery; false when another sender took it first. */
async function claim(id: string, now: number): Promise<boolean> {
  const done = await withTransaction(async (tx) =>
    tx
      .update(webhookDeliveries)
      .set({ claimedUntil: now + LEASE_MS })
      .where(
        and(
          eq(webhookDeliveries.id, id),
          eq(webhookDeliveries.status, "pending"),
          or(isNull(webhookDeliveries.claimedUntil), lt(webhookDeliveries.claimedUntil, now)),
        ),
      ),
  );
  return changedRows(done) === 1;
}

type Outcome = { ok: boolean; status: number | null; excerpt: string | null; error: string | null; durationMs: number };

/** POSTs the body and reads at most a little of the answer. Redirects are not followed: a 3xx is a failure. */
function post(url: URL, body: string, headers: Record<string, string>, allowPrivateNetwork: boolean): Promise<Outcome> {
  const started = Date.now();
  const done = (o: Omit<Outcome, "durationMs">): Outcome => ({ ...o, durationMs: Date.now() - started });
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivateNetwork && isIP(host) && isInternalAddress(host))
    return Promise.resolve(done({ ok: false, status: null, excerpt: null, error: new InternalAddressError(host).message }));
  return new Promise((settle) => {
    // The idle timeout alone does not bound a receiver that keeps sending a byte at a time; this does.
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    const resolve = (outcome: Outcome) => {
      clearTimeout(deadline);
      settle(outcome);
    };
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body).toString() },
        timeout: TIMEOUT_MS,
        ...(!allowPrivateNetwork && { lookup: publicOnlyLookup }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_RESPONSE_BYTES) response.destroy();
        });
        const finish = () => {
          const status = response.statusCode ?? null;
          const excerpt = Buffer.concat(chunks).toString("utf8").slice(0, EXCERPT) || null;
          const ok = status !== null && status >= 200 && status < 300;
          resolve(
            done({
              ok,
              status,
              excerpt,
              error: ok
                ? null
                : `the endpoint answered ${status}${status && status >= 300 && status < 400 ? " (redirects are not followed)" : ""}`,
            }),
          );
        };
        response.on("end", finish);
        response.on("close", finish);
        response.on("error", finish);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on("error", (error) => resolve(done({ ok: false, status: null, excerpt: null, error: error.message || String(error) })));
    request.end(body);
  });
}

/**
 * Claims up to `limit` due deliveries, at most `perEndpoint` for any one endpoint (counting `busy`, what is already
 * in flight to it), so a slow endpoint cannot take every slot from the others.
 */
async function claimDue(now: number, limit: number, perEndpoint = limit, busy = new Map<string, number>()): Promise<Due[]> {
  const taken = new Map(busy);
  const claimed: Due[] = [];
  // Endpoints already at their share are left out of the query, so their backlog cannot fill it and hide the others.
  const full = [...taken].filter(([, n]) => n >= perEndpoint).map(([id]) => id);
  for (const d of await dueDeliveries(now, limit * 4, full)) {
    if (claimed.length >= limit) break;
    if ((taken.get(d.webhookId) ?? 0) >= perEndpoint || !(await claim(d.id, now))) continue;
    taken.set(d.webhookId, (taken.get(d.webhookId) ?? 0) + 1);
    claimed.push(d);
  }
  return claimed;
}

/** Sends one claimed delivery and records how it went. */
async function send(due: Due, now: () => number): Promise<boolean> {
  const db = getDb();
  const row = await first(
    db
      .select({ webhook: webhooks, envelope: outgoingEvents.envelope })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .innerJoin(outgoingEvents, eq(outgoingEvents.seq, webhookDeliveries.eventSeq))
      .where(eq(webhookDeliveries.id, due.id)),
  );
  if (!row) return false;
  const outcome = await attempt(row.webhook, row.envelope, due.id);
  const at = now();
  const attempts = due.attempts + 1;
  const next = outcome.ok ? null : nextAttemptAfterFailure(due.createdAt, attempts, at);
  await withTransaction(async (tx) =>
    tx
      .update(webhookDeliveries)
      .set({
        attempts,
        claimedUntil: null,
        lastAttemptAt: at,
        responseStatus: outcome.status,
        responseExcerpt: outcome.excerpt,
        error: outcome.error,
        durationMs: outcome.durationMs,
        ...(outcome.ok
          ? { status: "delivered" as const, deliveredAt: at }
          : next === null
            ? { status: "failed" as const }
            : { nextAttemptAt: next }),
      })
      .where(eq(webhookDeliveries.id, due.id)),
  );
  return outcome.ok;
}

async function attempt(webhook: typeof webhooks.$inferSelect, envelope: EventEnvelope, deliveryId: string): Promise<Outcome> {
  const url = open(webhook.urlEncrypted);
  const secret = open(webhook.secretEncrypted);
  if (!url || !secret)
    return {
      ok: false,
      status: null,
      excerpt: null,
      error: "the endpoint's URL or secret cannot be decrypted (AUTH_SECRET changed?): edit the URL and rotate the secret",
      durationMs: 0,
    };
  const body = deliveryBody(webhook.format, envelope);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": "Countersign-Webhooks/1",
    "x-countersign-event": envelope.type,
    "x-countersign-delivery": deliveryId,
    "x-countersign-event-id": envelope.id,
    [TIMESTAMP_HEADER.toLowerCase()]: String(timestamp),
    [SIGNATURE_HEADER.toLowerCase()]: signDelivery(secret, timestamp, body),
  };
  return post(new URL(url), body, headers, webhook.allowPrivateNetwork);
}

/**
 * One pass: claims what is due (at most `limit`) and sends it, all at once. Resolves when every send is done.
 * Returns how many were delivered and how many failed this time.
 */
export async function sendDueWebhooks(
  options: { now?: () => number; limit?: number } = {},
): Promise<{ delivered: number; failed: number }> {
  const now = options.now ?? Date.now;
  const results = await Promise.all((await claimDue(now(), options.limit ?? 20)).map((d) => send(d, now)));
  return { delivered: results.filter(Boolean).length, failed: results.filter((ok) => !ok).length };
}

const KEEP_MS = 30 * 86_400_000;

/** Deletes deliveries settled more than 30 days ago, and events no delivery refers to any more. */
export async function pruneWebhookDeliveries(now = Date.now()): Promise<number> {
  return await withTransaction(async (tx) => {
    const gone = changedRows(
      await tx
        .delete(webhookDeliveries)
        .where(and(inArray(webhookDeliveries.status, ["delivered", "failed"]), lt(webhookDeliveries.createdAt, now - KEEP_MS))),
    );
    await tx
      .delete(outgoingEvents)
      .where(sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE ${webhookDeliveries.eventSeq} = ${outgoingEvents.seq})`);
    return gone;
  });
}

const TICK_MS = 1_000;
const MAX_IN_FLIGHT = 8;
const MAX_PER_ENDPOINT = 2;
const OVERDUE_EVERY_MS = 60_000;
const VERIFY_EVERY_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The background sender, started once per server process: every second it claims what is due (up to eight requests
 * in flight, two to any one endpoint, so one slow endpoint does not stop the others) and sends it. Every minute it
 * records retro sign-offs that went overdue; every ten minutes (and at start) it checks the audit trail (what was
 * appended since the last verified head; in full, in a worker thread, once the last full check is a day old); every
 * hour it tidies.
 */
export function startWebhookSender(): void {
  const holder = globalThis as typeof globalThis & { countersignWebhookSender?: NodeJS.Timeout };
  if (holder.countersignWebhookSender) return;
  let inFlight = 0;
  const perEndpoint = new Map<string, number>();
  const last = { overdue: 0, verify: 0, prune: 0 };
  const every = async (what: keyof typeof last, ms: number, work: () => Promise<unknown>) => {
    const now = Date.now();
    if (now - last[what] < ms) return;
    last[what] = now;
    try {
      // With several instances on one database, one of them runs each period's check.
      if (!(await claimPeriodicRun(`webhook-sender:${what}`, ms, now))) return;
      await work();
    } catch (error) {
      console.error(`Background ${what} check failed; it will run again`, error);
    }
  };
  // One tick at a time: a slow one (the writer busy, the audit check) must not let the next claim past the limits.
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      await claimAndSend();
    } finally {
      ticking = false;
    }
  };
  const claimAndSend = async () => {
    await every("overdue", OVERDUE_EVERY_MS, () => recordOverdueRetroSignoffs());
    await every("verify", VERIFY_EVERY_MS, () => auditChainStatus());
    await every("prune", PRUNE_EVERY_MS, () => pruneWebhookDeliveries());
    if (inFlight >= MAX_IN_FLIGHT) return;
    let claimed: Due[];
    try {
      claimed = await claimDue(Date.now(), MAX_IN_FLIGHT - inFlight, MAX_PER_ENDPOINT, perEndpoint);
    } catch (error) {
      console.error("Webhook sender could not read the outbox; it will try again", error);
      return;
    }
    for (const due of claimed) {
      inFlight++;
      perEndpoint.set(due.webhookId, (perEndpoint.get(due.webhookId) ?? 0) + 1);
      send(due, Date.now)
        .catch((error: unknown) => console.error("Webhook delivery failed unexpectedly; its claim lapses and it is tried again", error))
        .finally(() => {
          inFlight--;
          const left = (perEndpoint.get(due.webhookId) ?? 1) - 1;
          if (left > 0) perEndpoint.set(due.webhookId, left);
          else perEndpoint.delete(due.webhookId);
        });
    }
  };
  holder.countersignWebhookSender = setInterval(tick, TICK_MS);
  holder.countersignWebhookSender.unref();
}
