import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { auditEvents, outgoingEvents, webhookDeliveries, webhooks } from "@/db/schema";
import { verifyDelivery } from "@/lib/domain/webhook-signature";
import type { EventEnvelope } from "@/lib/domain/webhooks";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, limitRaise, retentionChange, SIGNER, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { startReceiver, type Receiver } from "@/lib/testing/webhook-receiver";
import { reportAuditVerification } from "./audit-watch";
import { signOff } from "./signoffs";
import { sendDueWebhooks } from "./webhook-sender";
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
} from "./webhooks";

let db: DB;
let receiver: Receiver;
const clock = testClock();
const admin = () => as("admin@countersign.test");
const SECOND = 1000;

beforeAll(async () => {
  db = await seedDemoEstate();
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  // Each test starts with no endpoints and an empty outbox.
  await withTransaction(async (tx) => {
    await tx.delete(webhookDeliveries);
    await tx.delete(outgoingEvents);
    await tx.delete(webhooks);
  });
  receiver.received.length = 0;
});

/** An endpoint on the test's own receiver (on 127.0.0.1, so private addresses are allowed for it). */
async function endpoint(input: Record<string, unknown> = {}) {
  return createWebhook(
    await admin(),
    { name: "Reviews channel", url: receiver.url, format: "json", events: ["signoff.requested"], allowPrivateNetwork: true, ...input },
    clock.next(),
  );
}

const deliveries = (webhookId: string) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
const send = (at = clock.peek()) => sendDueWebhooks({ now: () => at });
const envelopes = () => receiver.received.map((r) => r.json as EventEnvelope);

describe("who may manage webhooks", () => {
  it("refuses everyone but admins, before reading what they sent", async () => {
    for (const email of ["security@countersign.test", "auditor@countersign.test", "engineer@countersign.test"]) {
      expect(await errorOf(async () => createWebhook(await as(email), { url: 42 }))).toMatchObject({
        code: "forbidden",
        message: "Only admins manage webhooks",
      });
      expect(await errorOf(async () => updateWebhook(await as(email), "nope", { url: 42 }))).toMatchObject({ code: "forbidden" });
    }
    const token = await tokenWith(db, "ci", ["read", "changes:write"]);
    expect(await errorOf(() => createWebhook(token, {}))).toMatchObject({ code: "forbidden" });
    expect((await errorOf(async () => await listWebhooks(await as("security@countersign.test")))).code).toBe("forbidden");
    expect((await errorOf(async () => await redeliver(await as("auditor@countersign.test"), "nope"))).code).toBe("forbidden");
    expect((await errorOf(async () => await sendTestEvent(await as("ops@countersign.test"), "nope"))).code).toBe("forbidden");
  });
});

describe("adding an endpoint", () => {
  it("gives its signing secret once and keeps it, and the URL, only encrypted; the audit trail names neither", async () => {
    const { view, secret } = await endpoint({ url: `${receiver.url}?key=s3cr3t-path` });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(view).toMatchObject({ name: "Reviews channel", format: "json", events: ["signoff.requested"], enabled: true, pending: 0 });
    expect(view.urlHint).toBe(`${new URL(receiver.url).origin}/…`);
    const row = (await first(db.select().from(webhooks).where(eq(webhooks.id, view.id))))!;
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain("s3cr3t-path");
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "webhook"), eq(auditEvents.entityId, view.id)));
    expect(audit.map((a) => a.action)).toEqual(["webhook.created"]);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(audit)).not.toContain("s3cr3t-path");
  });

  it("names each field that is wrong, and adds nothing", async () => {
    const error = await errorOf(async () =>
      createWebhook(await admin(), { name: "", url: "ftp://example.com/x", format: "fax", events: [] }),
    );
    expect(error).toMatchObject({ code: "validation_failed" });
    expect(Object.keys((error as { details: { fieldErrors: object } }).details.fieldErrors).sort()).toEqual([
      "events",
      "format",
      "name",
      "url",
    ]);
    expect(
      await errorOf(async () =>
        createWebhook(await admin(), { name: "x", url: "https://user:pw@example.com/", format: "json", events: ["change.approved"] }),
      ),
    ).toMatchObject({ details: { fieldErrors: { url: ["Leave credentials out of the URL; deliveries are signed instead"] } } });
    expect(await db.select().from(webhooks)).toEqual([]);
  });

  it("refuses a NUL character in any field, naming it (PostgreSQL cannot store one), and adds nothing", async () => {
    for (const [field, input] of [
      ["name", { name: "a\u0000b", url: "https://example.com/x", format: "json", events: ["change.approved"] }],
      ["url", { name: "x", url: "https://example.com/x\u0000y", format: "json", events: ["change.approved"] }],
      ["events.0", { name: "x", url: "https://example.com/x", format: "json", events: ["change.approved\u0000"] }],
    ] as const)
      expect(await errorOf(async () => createWebhook(await admin(), input))).toMatchObject({
        code: "validation_failed",
        details: { fieldErrors: { [field]: [expect.stringMatching(/NUL character/)] } },
      });
    expect(await db.select().from(webhooks)).toEqual([]);
  });

  it("refuses addresses on this server's own network unless allowed for the endpoint", async () => {
    for (const url of [
      "http://127.0.0.1:9/x",
      "http://localhost/x",
      "http://10.1.2.3/",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/",
      "http://[::ffff:192.168.0.1]/",
    ]) {
      await expect(
        createWebhook(await admin(), { name: "x", url, format: "json", events: ["change.approved"] }),
        url,
      ).rejects.toMatchObject({
        code: "validation_failed",
        details: { fieldErrors: { url: [expect.stringContaining("on this server's own network")] } },
      });
    }
    await expect(endpoint()).resolves.toMatchObject({ view: { allowPrivateNetwork: true } });
  });
});

describe("delivering events", () => {
  it("sends a sign-off request as the generic envelope, signed with the endpoint's secret", async () => {
    const { view, secret } = await endpoint();
    const change = await limitRaise(700, clock.next());
    // The use case only wrote the outbox: nothing has been sent yet.
    expect(receiver.received).toHaveLength(0);
    expect(await deliveries(view.id)).toMatchObject([{ status: "pending", attempts: 0 }]);

    expect(await send()).toEqual({ delivered: 1, failed: 0 });
    const [request] = receiver.received;
    const timestamp = request!.headers["x-countersign-timestamp"] as string;
    const signature = request!.headers["x-countersign-signature"] as string;
    expect(verifyDelivery(secret, { signature, timestamp }, request!.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(request!.headers["x-countersign-event"]).toBe("signoff.requested");
    const envelope = request!.json as EventEnvelope;
    expect(envelope).toMatchObject({
      type: "signoff.requested",
      agent: { slug: "refund-assistant", name: expect.any(String) },
      change: {
        label: change.label,
        title: "Limit 700",
        riskTier: "high",
        state: "in_review",
        url: expect.stringMatching(new RegExp(`/changes/${change.label}$`)),
      },
      actor: { type: "user", label: "engineer@countersign.test" },
      data: { roles: expect.arrayContaining(["security", "workflow_owner"]), url: envelope.change!.url },
    });
    expect(Object.keys(envelope).sort()).toEqual(["actor", "agent", "change", "data", "id", "occurredAt", "type"]);
    expect(envelope.data.escalations).toEqual(
      expect.arrayContaining([expect.objectContaining({ summary: expect.stringContaining("refunds.create") })]),
    );
    expect(await deliveries(view.id)).toMatchObject([{ status: "delivered", attempts: 1, responseStatus: 200 }]);
  });

  it("posts Slack Block Kit and Teams Adaptive Cards to endpoints of those formats", async () => {
    await endpoint({ name: "Slack", format: "slack" });
    await endpoint({ name: "Teams", format: "teams" });
    const change = await limitRaise(710, clock.next());
    await send();
    const slack = receiver.received.find((r) => (r.json as { blocks?: unknown }).blocks)!.json as {
      blocks: { type: string; elements?: { url: string }[] }[];
    };
    expect(slack.blocks.map((b) => b.type)).toContain("actions");
    expect(slack.blocks.find((b) => b.type === "actions")!.elements![0]!.url).toMatch(new RegExp(`/changes/${change.label}$`));
    expect(JSON.stringify(slack)).toContain("Permission diff");
    const teams = receiver.received.find((r) => (r.json as { type?: string }).type === "message")!.json as {
      attachments: { content: { type: string } }[];
    };
    expect(teams.attachments[0]!.content.type).toBe("AdaptiveCard");
  });

  it("sends only what an enabled endpoint subscribed to", async () => {
    const { view: decided } = await endpoint({ events: ["signoff.decided"] });
    const { view: paused } = await endpoint({ events: ["signoff.requested", "signoff.decided"] });
    await updateWebhook(await admin(), paused.id, { enabled: false }, clock.next());
    const change = await retentionChange("refund-assistant", 3, clock.next());
    expect(await deliveries(decided.id)).toEqual([]);
    const role = change.signoffs.find((s) => s.status === "pending")!.role;
    await signOff(await as(SIGNER[role]!), change.label, { role, decision: "approve" }, clock.next());
    expect(await deliveries(decided.id)).toHaveLength(1);
    expect(await deliveries(paused.id)).toEqual([]);
    await send();
    expect(envelopes()).toMatchObject([{ type: "signoff.decided", data: { role, decision: "approved" } }]);
  });

  it("writes nothing for a use case that was refused", async () => {
    const { view } = await endpoint({ events: ["signoff.decided", "signoff.requested"] });
    const change = await limitRaise(720, clock.next());
    const before = (await deliveries(view.id)).length;
    expect(
      (
        await errorOf(
          async () =>
            await signOff(await as("security@countersign.test"), change.label, { role: "security", decision: "maybe" }, clock.next()),
        )
      ).code,
    ).toBe("validation_failed");
    expect(await deliveries(view.id)).toHaveLength(before);
  });
});

describe("when the endpoint fails", () => {
  it("retries after a 500 with backoff, then delivers", async () => {
    const { view } = await endpoint();
    await limitRaise(730, clock.next());
    const at = clock.peek();
    receiver.answer(500);
    expect(await send(at)).toEqual({ delivered: 0, failed: 1 });
    const [failed] = await deliveries(view.id);
    expect(failed).toMatchObject({
      status: "pending",
      attempts: 1,
      responseStatus: 500,
      nextAttemptAt: at + 30 * SECOND,
      responseExcerpt: "failing with 500",
    });
    expect(failed!.error).toContain("answered 500");
    // Not yet due: nothing is sent.
    expect(await send(at + 29 * SECOND)).toEqual({ delivered: 0, failed: 0 });
    expect(await send(at + 30 * SECOND)).toEqual({ delivered: 1, failed: 0 });
    expect(await deliveries(view.id)).toMatchObject([{ status: "delivered", attempts: 2, responseStatus: 200, error: null }]);
    // The same event both times: a receiver tells a retry by its id.
    expect(new Set(envelopes().map((e) => e.id)).size).toBe(1);
  });

  it("picks up where it left off after a restart: a crashed sender's claim lapses and the delivery is sent", async () => {
    const { view } = await endpoint();
    await limitRaise(740, clock.next());
    const at = clock.peek();
    receiver.answer(503);
    await send(at);
    // A sender claims the retry and dies before it answers (the process restarted).
    const [row] = await deliveries(view.id);
    await withTransaction(async (tx) => {
      await tx
        .update(webhookDeliveries)
        .set({ claimedUntil: at + 60 * SECOND })
        .where(eq(webhookDeliveries.id, row!.id));
    });
    expect(await send(at + 45 * SECOND)).toEqual({ delivered: 0, failed: 0 });
    // After the lease, the new process's sender takes it.
    expect(await send(at + 61 * SECOND)).toEqual({ delivered: 1, failed: 0 });
    expect(await deliveries(view.id)).toMatchObject([{ status: "delivered", attempts: 2, claimedUntil: null }]);
  });

  it("keeps each change's events in order: a later one waits while an earlier one is retried; other changes go on", async () => {
    const { view } = await endpoint({ events: ["signoff.requested", "signoff.decided"] });
    const first = await limitRaise(750, clock.next());
    await signOff(await as("security@countersign.test"), first.label, { role: "security", decision: "approve" }, clock.next());
    const other = await limitRaise(760, clock.next());
    const at = clock.peek();
    // The two changes' first requests go out at once: the first change's is the one that fails, whichever arrives first.
    receiver.answerWhen((json) => (json as { change?: { label?: string } }).change?.label === first.label, 500);
    await send(at);
    // First attempt: the first change's request failed, its decision waited; the other change's request went.
    // The two changes' requests are sent at once, so they may arrive in either order.
    expect(
      envelopes()
        .map((e) => [e.change!.label, e.type])
        .sort(),
    ).toEqual(
      [
        [first.label, "signoff.requested"],
        [other.label, "signoff.requested"],
      ].sort(),
    );
    await send(at + 30 * SECOND);
    expect(
      envelopes()
        .map((e) => [e.change!.label, e.type])
        .slice(2),
    ).toEqual([[first.label, "signoff.requested"]]);
    await send(at + 31 * SECOND);
    expect(
      envelopes()
        .map((e) => [e.change!.label, e.type])
        .slice(3),
    ).toEqual([[first.label, "signoff.decided"]]);
    expect((await deliveries(view.id)).every((d) => d.status === "delivered")).toBe(true);
  });

  it("gives up after 24 hours and lets an admin redeliver", async () => {
    const { view } = await endpoint();
    await limitRaise(770, clock.next());
    const start = clock.peek();
    receiver.answer(500, 500);
    await send(start);
    const [row] = await deliveries(view.id);
    // Many attempts later, close to the end of the window.
    await withTransaction(async (tx) => {
      await tx
        .update(webhookDeliveries)
        .set({ attempts: 29, nextAttemptAt: start + 23.5 * 3_600_000 })
        .where(eq(webhookDeliveries.id, row!.id));
    });
    await send(start + 23.5 * 3_600_000);
    expect(await deliveries(view.id)).toMatchObject([{ status: "failed", attempts: 30 }]);

    expect(await redeliver(await admin(), row!.id, clock.next())).toEqual({ eventType: "signoff.requested" });
    expect((await errorOf(async () => await redeliver(await admin(), row!.id, clock.next()))).code).toBe("conflict");
    await send(clock.peek());
    const all = (await listDeliveries(await admin(), view.id)).items;
    expect(all.map((d) => [d.status, d.redelivery])).toEqual([
      ["delivered", true],
      ["failed", false],
    ]);
    expect(new Set(envelopes().map((e) => e.id)).size).toBe(1);
  });

  it("refuses at send time an address on this server's network when the endpoint is not allowed to reach it", async () => {
    const { view } = await endpoint();
    await withTransaction(async (tx) => {
      await tx.update(webhooks).set({ allowPrivateNetwork: false }).where(eq(webhooks.id, view.id));
    });
    await limitRaise(780, clock.next());
    await send();
    expect(receiver.received).toHaveLength(0);
    expect((await deliveries(view.id))[0]!.error).toContain("on this server's own network");
  });
});

describe("managing an endpoint", () => {
  it("rotates the secret: later deliveries are signed with the new one", async () => {
    const { view, secret: old } = await endpoint();
    const { secret } = await rotateWebhookSecret(await admin(), view.id, clock.next());
    expect(secret).not.toBe(old);
    await sendTestEvent(await admin(), view.id, clock.next());
    await send();
    const [request] = receiver.received;
    const header = {
      signature: request!.headers["x-countersign-signature"] as string,
      timestamp: request!.headers["x-countersign-timestamp"] as string,
    };
    const now = Math.floor(Date.now() / 1000);
    expect(verifyDelivery(secret, header, request!.body, now)).toBe(true);
    expect(verifyDelivery(old, header, request!.body, now)).toBe(false);
    expect(request!.json).toMatchObject({ type: "webhook.test", change: null, agent: null });
  });

  it("deletes an endpoint with its deliveries and the events nobody else waits for", async () => {
    const { view } = await endpoint();
    await limitRaise(790, clock.next());
    expect(await db.select().from(outgoingEvents)).toHaveLength(1);
    expect(await deleteWebhook(await admin(), view.id, clock.next())).toEqual({ name: "Reviews channel" });
    expect(await db.select().from(webhookDeliveries)).toEqual([]);
    expect(await db.select().from(outgoingEvents)).toEqual([]);
    expect((await errorOf(async () => await deleteWebhook(await admin(), view.id))).code).toBe("not_found");
  });
});

describe("a failed audit verification", () => {
  it("is sent once per distinct failure, and again only after the trail verified clean", async () => {
    await endpoint({ events: ["audit.verification_failed"] });
    const failed = { ok: false, firstBadSeq: 7, reason: "event #7 was altered after it was written" };
    expect(await reportAuditVerification(failed, clock.next())).toBe(true);
    expect(await reportAuditVerification(failed, clock.next())).toBe(false);
    expect(
      await reportAuditVerification({ ...failed, firstBadSeq: 3, reason: "event #3 was altered after it was written" }, clock.next()),
    ).toBe(true);
    expect(await reportAuditVerification({ ok: true, firstBadSeq: null, reason: null }, clock.next())).toBe(false);
    expect(await reportAuditVerification(failed, clock.next())).toBe(true);
    // One at a time, in the order they were found.
    for (let i = 0; i < 3; i++) await send();
    expect(envelopes().map((e) => e.data.verification?.firstBadSeq)).toEqual([7, 3, 7]);
    expect(envelopes()[0]).toMatchObject({
      type: "audit.verification_failed",
      actor: { type: "system" },
      data: { url: expect.stringMatching(/\/audit$/) },
    });
  });
});

describe("approval and release events", () => {
  it("tells the endpoint a change was approved", async () => {
    await endpoint({ events: ["change.approved"] });
    const change = await retentionChange("refund-assistant", 5, clock.next());
    await approveAll(change.label, clock);
    await send();
    expect(envelopes()).toMatchObject([{ type: "change.approved", change: { label: change.label, state: "approved" } }]);
  });
});
