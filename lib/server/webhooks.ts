import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { enqueue } from "@/db/outbox";
import { outgoingEvents, users, webhookDeliveries, webhooks } from "@/db/schema";
import {
  TEST_EVENT,
  WEBHOOK_EVENTS,
  WEBHOOK_FORMATS,
  type DeliveryStatus,
  type EventEnvelope,
  type WebhookEventType,
  type WebhookFormat,
} from "@/lib/domain/webhooks";
import { publicUrl } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { refuseNul } from "@/lib/validations/nul";
import { actorOf, type Caller } from "./caller";
import { internalAddressOf } from "./outbound-address";
import { open, seal } from "./secret-box";
import { inOrder } from "@/lib/in-order";

/** Outgoing webhooks, managed by admins: each endpoint, its signing secret (shown once), and its deliveries. */

type Admin = Extract<Caller, { kind: "user" }>;

function assertAdmin(caller: Caller): asserts caller is Admin {
  if (caller.kind === "token")
    throw new AppError("forbidden", "API tokens cannot manage webhooks; an admin does that in Settings, Webhooks");
  if (!caller.user.roles.includes("admin")) throw new AppError("forbidden", "Only admins manage webhooks");
}

export function canManageWebhooks(caller: Caller): boolean {
  return caller.kind === "user" && caller.user.roles.includes("admin");
}

export const SECRET_PREFIX = "whsec_";
const newSecret = () => SECRET_PREFIX + randomBytes(32).toString("base64url");

const URL_HELP = "Enter the endpoint's full URL, starting with https:// (or http://)";

const urlSchema = z
  .string({ error: URL_HELP })
  .trim()
  .min(1, URL_HELP)
  .max(2000, "Keep the URL to 2,000 characters")
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: URL_HELP });
      return z.NEVER;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
      ctx.addIssue({ code: "custom", message: "The URL must start with https:// or http://" });
    else if (url.username || url.password)
      ctx.addIssue({ code: "custom", message: "Leave credentials out of the URL; deliveries are signed instead" });
    return url;
  });

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS, { error: `Events are: ${WEBHOOK_EVENTS.join(", ")}` }), { error: "Choose at least one event" })
  .min(1, "Choose at least one event")
  .max(WEBHOOK_EVENTS.length * 4, "List each event once")
  .transform((chosen) => WEBHOOK_EVENTS.filter((e) => chosen.includes(e)));

const allowPrivate = z.boolean({ error: "allowPrivateNetwork is true or false" });
const fields = {
  name: z
    .string({ error: "Name the endpoint" })
    .trim()
    .min(1, "Name the endpoint, e.g. after the channel it posts to")
    .max(80, "Keep the name to 80 characters"),
  url: urlSchema,
  format: z.enum(WEBHOOK_FORMATS, { error: "The format is slack, teams or json" }),
  events: eventsSchema,
};

export const createWebhookSchema = z.strictObject({ ...fields, allowPrivateNetwork: allowPrivate.default(false) });
/** Every field is optional: what is left out stays as it is. */
export const updateWebhookSchema = z
  .strictObject({
    ...fields,
    allowPrivateNetwork: allowPrivate,
    enabled: z.boolean({ error: "enabled is true or false" }),
  })
  .partial();

/**
 * What lists and the audit trail show of a URL: its origin only. Any part of the path may be the key (the last
 * part of a Slack URL, the first of a webhook.site or ntfy.sh one), so none of it is shown.
 */
export function urlHint(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, "") || url.search ? "/…" : ""}`;
}

/** Refuses a URL that reaches this server's own network, unless the admin allowed it for this endpoint. */
async function assertReachable(url: URL, allowPrivateNetwork: boolean) {
  if (allowPrivateNetwork) return;
  const address = await internalAddressOf(url.hostname);
  if (address)
    throw new AppError(
      "validation_failed",
      `${url.hostname} is on this server's own network (${address}). Webhooks may not reach it unless you allow private network addresses for this endpoint.`,
      { fieldErrors: { url: [`${url.hostname} resolves to ${address}, on this server's own network`] } },
    );
}

export type WebhookView = {
  id: string;
  name: string;
  urlHint: string;
  format: WebhookFormat;
  events: WebhookEventType[];
  allowPrivateNetwork: boolean;
  enabled: boolean;
  createdBy: string | null;
  createdAt: number;
  secretRotatedAt: number | null;
  pending: number;
  failed: number;
  lastDelivery: { status: DeliveryStatus; responseStatus: number | null; at: number } | null;
};

const viewColumns = {
  id: webhooks.id,
  name: webhooks.name,
  urlHint: webhooks.urlHint,
  format: webhooks.format,
  events: webhooks.events,
  allowPrivateNetwork: webhooks.allowPrivateNetwork,
  enabled: webhooks.enabled,
  createdBy: users.name,
  createdAt: webhooks.createdAt,
  secretRotatedAt: webhooks.secretRotatedAt,
};

async function views(ids?: string[]): Promise<WebhookView[]> {
  const db = getDb();
  const rows = await db
    .select(viewColumns)
    .from(webhooks)
    .leftJoin(users, eq(users.id, webhooks.createdById))
    .where(ids ? inArray(webhooks.id, ids) : undefined)
    .orderBy(webhooks.name, webhooks.id);
  if (rows.length === 0) return [];
  const counts = await db
    .select({ webhookId: webhookDeliveries.webhookId, status: webhookDeliveries.status, n: sql<number>`count(*)` })
    .from(webhookDeliveries)
    .where(
      and(
        inArray(webhookDeliveries.status, ["pending", "failed"]),
        inArray(
          webhookDeliveries.webhookId,
          rows.map((r) => r.id),
        ),
      ),
    )
    .groupBy(webhookDeliveries.webhookId, webhookDeliveries.status);
  return await inOrder(rows, async (row) => {
    const last = await first(
      db
        .select({ status: webhookDeliveries.status, responseStatus: webhookDeliveries.responseStatus, at: webhookDeliveries.lastAttemptAt })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.webhookId, row.id), sql`${webhookDeliveries.lastAttemptAt} IS NOT NULL`))
        .orderBy(desc(webhookDeliveries.lastAttemptAt))
        .limit(1),
    );
    const count = (status: DeliveryStatus) => counts.find((c) => c.webhookId === row.id && c.status === status)?.n ?? 0;
    return { ...row, pending: count("pending"), failed: count("failed"), lastDelivery: last ? { ...last, at: last.at! } : null };
  });
}

export async function listWebhooks(caller: Caller): Promise<WebhookView[]> {
  assertAdmin(caller);
  return await views();
}

async function viewOf(id: string): Promise<WebhookView> {
  const [view] = await views([id]);
  if (!view) throw new AppError("not_found", "No webhook has this id; it may have been deleted");
  return view;
}

export async function getWebhook(caller: Caller, id: string): Promise<WebhookView> {
  assertAdmin(caller);
  return await viewOf(id);
}

const auditPayload = (w: { name: string; urlHint: string; format: string; events: string[]; allowPrivateNetwork: boolean }) => ({
  name: w.name,
  url: w.urlHint,
  format: w.format,
  events: w.events,
  allowPrivateNetwork: w.allowPrivateNetwork,
});

/** Adds an endpoint. Its signing secret comes back this once; it is kept encrypted and never shown again. */
export function createWebhook(caller: Caller, input: unknown, now = Date.now()): Promise<{ view: WebhookView; secret: string }> {
  // Who and what are checked at once (a refusal throws here); only the address lookup is waited for.
  assertAdmin(caller);
  refuseNul(input, "The webhook was not added: check the highlighted fields");
  const data = parseInput(createWebhookSchema, input, "The webhook was not added: check the highlighted fields");
  return assertReachable(data.url, data.allowPrivateNetwork).then(async () => await addChecked(caller, data, now));
}

async function addChecked(
  caller: Admin,
  data: z.output<typeof createWebhookSchema>,
  now: number,
): Promise<{ view: WebhookView; secret: string }> {
  const id = randomUUID();
  const secret = newSecret();
  const row = {
    id,
    name: data.name,
    urlEncrypted: seal(data.url.href),
    urlHint: urlHint(data.url),
    format: data.format,
    events: data.events,
    secretEncrypted: seal(secret),
    allowPrivateNetwork: data.allowPrivateNetwork,
    enabled: true,
    createdById: caller.user.id,
    createdAt: now,
    updatedAt: now,
  };
  await withTransaction(async (tx) => {
    await tx.insert(webhooks).values(row);
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "webhook.created",
      entityType: "webhook",
      entityId: id,
      payload: auditPayload(row),
    });
  });
  return { view: await viewOf(id), secret };
}

export function updateWebhook(caller: Caller, id: string, input: unknown, now = Date.now()): Promise<WebhookView> {
  assertAdmin(caller);
  refuseNul(input, "The webhook was not saved: check the highlighted fields");
  const data = parseInput(updateWebhookSchema, input, "The webhook was not saved: check the highlighted fields");
  return saveChecked(caller, id, data, now);
}

async function saveChecked(caller: Admin, id: string, data: z.output<typeof updateWebhookSchema>, now: number): Promise<WebhookView> {
  const current = await first(getDb().select().from(webhooks).where(eq(webhooks.id, id)));
  if (!current) throw new AppError("not_found", "No webhook has this id; it may have been deleted");
  const allowPrivateNetwork = data.allowPrivateNetwork ?? current.allowPrivateNetwork;
  // A new URL is checked; so is the old one when private addresses are no longer allowed.
  if (data.url) await assertReachable(data.url, allowPrivateNetwork);
  else if (current.allowPrivateNetwork && !allowPrivateNetwork) {
    const stored = open(current.urlEncrypted);
    if (stored) await assertReachable(new URL(stored), false);
  }
  const set = {
    ...(data.name !== undefined && { name: data.name }),
    ...(data.url && { urlEncrypted: seal(data.url.href), urlHint: urlHint(data.url) }),
    ...(data.format !== undefined && { format: data.format }),
    ...(data.events !== undefined && { events: data.events }),
    ...(data.enabled !== undefined && { enabled: data.enabled }),
    allowPrivateNetwork,
    updatedAt: now,
  };
  await withTransaction(async (tx) => {
    const done = await first(tx.update(webhooks).set(set).where(eq(webhooks.id, id)).returning());
    if (!done) throw new AppError("not_found", "No webhook has this id; it may have been deleted");
    // A paused endpoint is sent nothing: what was still waiting for it is settled, as events while paused are not kept.
    if (!done.enabled)
      await tx
        .update(webhookDeliveries)
        .set({ status: "failed", claimedUntil: null, error: "not sent: the endpoint was paused" })
        .where(and(eq(webhookDeliveries.webhookId, id), eq(webhookDeliveries.status, "pending")));
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "webhook.updated",
      entityType: "webhook",
      entityId: id,
      payload: { ...auditPayload(done), enabled: done.enabled, urlChanged: Boolean(data.url) },
    });
  });
  return await viewOf(id);
}

/** A new signing secret, shown this once; deliveries from now on are signed with it. */
export async function rotateWebhookSecret(caller: Caller, id: string, now = Date.now()): Promise<{ view: WebhookView; secret: string }> {
  assertAdmin(caller);
  const secret = newSecret();
  await withTransaction(async (tx) => {
    const done = await first(
      tx
        .update(webhooks)
        .set({ secretEncrypted: seal(secret), secretRotatedAt: now, updatedAt: now })
        .where(eq(webhooks.id, id))
        .returning({ name: webhooks.name }),
    );
    if (!done) throw new AppError("not_found", "No webhook has this id; it may have been deleted");
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "webhook.secret_rotated",
      entityType: "webhook",
      entityId: id,
      payload: { name: done.name },
    });
  });
  return { view: await viewOf(id), secret };
}

/** Deletes an endpoint and its deliveries; events no other endpoint waits for are deleted with them. */
export async function deleteWebhook(caller: Caller, id: string, now = Date.now()): Promise<{ name: string }> {
  assertAdmin(caller);
  return await withTransaction(async (tx) => {
    const row = await first(tx.select({ name: webhooks.name, urlHint: webhooks.urlHint }).from(webhooks).where(eq(webhooks.id, id)));
    if (!row) throw new AppError("not_found", "No webhook has this id; it may have been deleted");
    await tx.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id));
    await tx.delete(webhooks).where(eq(webhooks.id, id));
    await tx
      .delete(outgoingEvents)
      .where(sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE ${webhookDeliveries.eventSeq} = ${outgoingEvents.seq})`);
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "webhook.deleted",
      entityType: "webhook",
      entityId: id,
      payload: { name: row.name, url: row.urlHint },
    });
    return { name: row.name };
  });
}

export type DeliveryView = {
  id: string;
  eventId: string;
  eventType: string;
  summary: string;
  changeLabel: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  responseStatus: number | null;
  error: string | null;
  durationMs: number | null;
  deliveredAt: number | null;
  createdAt: number;
  redelivery: boolean;
};

export const DELIVERIES_PAGE = 50;

/** An endpoint's deliveries, newest first: what was sent, how it went, and when it will be tried again. */
export async function listDeliveries(caller: Caller, webhookId: string, page = 1): Promise<{ items: DeliveryView[]; total: number }> {
  assertAdmin(caller);
  await viewOf(webhookId);
  const db = getDb();
  // A page beyond any there could be (or not a number) reads as the first.
  const offset = (Number.isSafeInteger(page) && page > 1 ? page - 1 : 0) * DELIVERIES_PAGE;
  const rows = await db
    .select({ d: webhookDeliveries, envelope: outgoingEvents.envelope })
    .from(webhookDeliveries)
    .innerJoin(outgoingEvents, eq(outgoingEvents.seq, webhookDeliveries.eventSeq))
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.eventSeq))
    .limit(DELIVERIES_PAGE)
    .offset(offset);
  const total =
    (
      await first(
        db
          .select({ n: sql<number>`count(*)` })
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.webhookId, webhookId)),
      )
    )?.n ?? 0;
  return {
    total,
    items: rows.map(({ d, envelope }) => ({
      id: d.id,
      eventId: envelope.id,
      eventType: envelope.type,
      summary: envelope.data.summary,
      changeLabel: envelope.change?.label ?? null,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
      lastAttemptAt: d.lastAttemptAt,
      responseStatus: d.responseStatus,
      error: d.error,
      durationMs: d.durationMs,
      deliveredAt: d.deliveredAt,
      createdAt: d.createdAt,
      redelivery: d.redeliveryOf !== null,
    })),
  };
}

/**
 * Sends an event again to the endpoint: a new delivery, due now, with its own 24 hours of retries. It keeps no
 * place in the change's order (the order it was first sent in stands); the receiver tells it by its event id.
 */
export async function redeliver(caller: Caller, deliveryId: string, now = Date.now()): Promise<{ eventType: string }> {
  assertAdmin(caller);
  return await withTransaction(async (tx) => {
    const row = await first(
      tx
        .select({ d: webhookDeliveries, type: outgoingEvents.type })
        .from(webhookDeliveries)
        .innerJoin(outgoingEvents, eq(outgoingEvents.seq, webhookDeliveries.eventSeq))
        .where(eq(webhookDeliveries.id, deliveryId)),
    );
    if (!row) throw new AppError("not_found", "No delivery has this id; it may have been tidied away");
    await assertEnabled(tx, row.d.webhookId);
    const pending = await first(
      tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.webhookId, row.d.webhookId),
            eq(webhookDeliveries.eventSeq, row.d.eventSeq),
            eq(webhookDeliveries.status, "pending"),
          ),
        ),
    );
    if (pending) throw new AppError("conflict", "This event is already waiting to be delivered to this endpoint");
    const id = randomUUID();
    await tx.insert(webhookDeliveries).values({
      id,
      webhookId: row.d.webhookId,
      eventSeq: row.d.eventSeq,
      orderKey: `redelivery:${id}`,
      status: "pending",
      nextAttemptAt: now,
      createdAt: now,
      redeliveryOf: row.d.redeliveryOf ?? row.d.id,
    });
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "webhook.redelivered",
      entityType: "webhook",
      entityId: row.d.webhookId,
      payload: { delivery: row.d.id, event: row.type },
    });
    return { eventType: row.type };
  });
}

/** Refuses to queue anything for a paused endpoint: it would never be sent. */
async function assertEnabled(tx: Pick<ReturnType<typeof getDb>, "select">, webhookId: string) {
  const row = await first(tx.select({ enabled: webhooks.enabled }).from(webhooks).where(eq(webhooks.id, webhookId)));
  if (!row) throw new AppError("not_found", "No webhook has this id; it may have been deleted");
  if (!row.enabled) throw new AppError("conflict", "This endpoint is paused: enable it first, then send to it");
}

/** Queues a `webhook.test` event to this endpoint only, to check that it receives, verifies and answers. */
export async function sendTestEvent(caller: Caller, webhookId: string, now = Date.now()): Promise<void> {
  assertAdmin(caller);
  const envelope: EventEnvelope = {
    id: randomUUID(),
    type: TEST_EVENT,
    occurredAt: new Date(now).toISOString(),
    agent: null,
    change: null,
    actor: actorOf(caller),
    data: {
      summary: `A test event sent by ${caller.user.name} from Countersign's webhook settings`,
      url: `${publicUrl()}/settings/webhooks/${webhookId}`,
    },
  };
  await withTransaction(async (tx) => {
    await assertEnabled(tx, webhookId);
    await enqueue(tx, envelope, [{ id: webhookId }], now);
  });
}
