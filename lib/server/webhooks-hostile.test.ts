import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withTransaction, type DB } from "@/db";
import { outgoingEvents, webhookDeliveries, webhooks } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, testClock } from "@/lib/testing/release-fixtures";
import { startReceiver, type Receiver } from "@/lib/testing/webhook-receiver";
import { sendDueWebhooks, startWebhookSender } from "./webhook-sender";
import { createWebhook, redeliver, sendTestEvent, updateWebhook } from "./webhooks";

/** Webhook behaviour under hostile or awkward conditions: paused endpoints, receivers that never finish answering. */

let db: DB;
let receiver: Receiver;
const clock = testClock();
const admin = () => as("admin@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  await withTransaction(async (tx) => {
    await tx.delete(webhookDeliveries);
    await tx.delete(outgoingEvents);
    await tx.delete(webhooks);
  });
  receiver.received.length = 0;
});

async function endpoint(url = receiver.url) {
  const { view } = await createWebhook(
    await admin(),
    { name: "Reviews channel", url, format: "json", events: ["signoff.requested"], allowPrivateNetwork: true },
    clock.next(),
  );
  return view;
}
const deliveries = (webhookId: string) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));

describe("a paused endpoint", () => {
  it("is sent nothing, not even what was still waiting for it when it was paused", async () => {
    const view = await endpoint();
    await limitRaise(610, clock.next());
    expect(await deliveries(view.id)).toMatchObject([{ status: "pending" }]);
    await updateWebhook(await admin(), view.id, { enabled: false }, clock.next());
    await sendDueWebhooks({ now: () => clock.peek() });
    expect(receiver.received).toEqual([]);
    expect(await deliveries(view.id)).toMatchObject([{ status: "failed", error: expect.stringContaining("paused") }]);
  });

  it("refuses a test event or a redelivery until it is enabled again", async () => {
    const view = await endpoint();
    await limitRaise(620, clock.next());
    await sendDueWebhooks({ now: () => clock.peek() });
    const [delivered] = await deliveries(view.id);
    await updateWebhook(await admin(), view.id, { enabled: false }, clock.next());
    expect(await errorOf(async () => await sendTestEvent(await admin(), view.id, clock.next()))).toMatchObject({ code: "conflict" });
    expect(await errorOf(async () => await redeliver(await admin(), delivered!.id, clock.next()))).toMatchObject({ code: "conflict" });
    expect(await deliveries(view.id)).toHaveLength(1);
  });
});

describe("a receiver that never finishes answering", () => {
  let trickle: Server;
  beforeAll(async () => {
    // Answers 200 at once, then sends one byte a second and never ends: each byte resets an idle timeout.
    trickle = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain" });
        const timer = setInterval(() => res.write("."), 1000);
        res.on("close", () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => trickle.listen(0, "127.0.0.1", resolve));
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        trickle.closeAllConnections();
        trickle.close(() => resolve());
      }),
  );

  it("is given up on within the 10-second timeout, long before the sender's one-minute claim lapses", async () => {
    const { port } = trickle.address() as AddressInfo;
    const view = await endpoint(`http://127.0.0.1:${port}/hooks`);
    await limitRaise(630, clock.next());
    const started = Date.now();
    const result = await Promise.race([
      sendDueWebhooks({ now: () => clock.peek() }),
      new Promise<"still sending">((resolve) => setTimeout(() => resolve("still sending"), 20_000)),
    ]);
    expect(result).not.toBe("still sending");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await deliveries(view.id))[0]!.claimedUntil).toBeNull();
  }, 60_000);
});

describe("one slow endpoint with a backlog", () => {
  const holder = globalThis as typeof globalThis & { countersignWebhookSender?: NodeJS.Timeout };
  afterAll(() => {
    clearInterval(holder.countersignWebhookSender);
    delete holder.countersignWebhookSender;
  });

  it("does not hold up another endpoint: the background sender reaches it within seconds", async () => {
    const other = await startReceiver();
    try {
      const slow = await endpoint();
      const healthy = await endpoint(other.url);
      // The slow endpoint has forty test events waiting (each its own order), all due before the healthy one's.
      for (let i = 0; i < 40; i++) await sendTestEvent(await admin(), slow.id, clock.next());
      await sendTestEvent(await admin(), healthy.id, clock.next());
      const now = Date.now();
      await withTransaction(async (tx) => {
        await tx
          .update(webhookDeliveries)
          .set({ nextAttemptAt: now - 60_000 })
          .where(eq(webhookDeliveries.webhookId, slow.id));
        await tx.update(webhookDeliveries).set({ nextAttemptAt: now }).where(eq(webhookDeliveries.webhookId, healthy.id));
      });
      receiver.answer(...Array<"hang">(40).fill("hang"));

      startWebhookSender();
      const started = Date.now();
      while (other.received.length === 0 && Date.now() - started < 8_000) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(other.received).toHaveLength(1);
      expect(receiver.received.length).toBeLessThanOrEqual(2);
    } finally {
      clearInterval(holder.countersignWebhookSender);
      delete holder.countersignWebhookSender;
      await other.close();
    }
  }, 60_000);
});
