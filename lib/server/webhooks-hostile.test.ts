import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { outgoingEvents, webhookDeliveries, webhooks } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, testClock } from "@/lib/testing/release-fixtures";
import { startReceiver, type Receiver } from "@/lib/testing/webhook-receiver";
import { sendDueWebhooks } from "./webhook-sender";
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
beforeEach(() => {
  db.delete(webhookDeliveries).run();
  db.delete(outgoingEvents).run();
  db.delete(webhooks).run();
  receiver.received.length = 0;
});

async function endpoint(url = receiver.url) {
  const { view } = await createWebhook(
    admin(),
    { name: "Reviews channel", url, format: "json", events: ["signoff.requested"], allowPrivateNetwork: true },
    clock.next(),
  );
  return view;
}
const deliveries = (webhookId: string) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).all();

describe("a paused endpoint", () => {
  it("is sent nothing, not even what was still waiting for it when it was paused", async () => {
    const view = await endpoint();
    limitRaise(610, clock.next());
    expect(deliveries(view.id)).toMatchObject([{ status: "pending" }]);
    await updateWebhook(admin(), view.id, { enabled: false }, clock.next());
    await sendDueWebhooks({ now: () => clock.peek() });
    expect(receiver.received).toEqual([]);
    expect(deliveries(view.id)).toMatchObject([{ status: "failed", error: expect.stringContaining("paused") }]);
  });

  it("refuses a test event or a redelivery until it is enabled again", async () => {
    const view = await endpoint();
    limitRaise(620, clock.next());
    await sendDueWebhooks({ now: () => clock.peek() });
    const [delivered] = deliveries(view.id);
    await updateWebhook(admin(), view.id, { enabled: false }, clock.next());
    expect(errorOf(() => sendTestEvent(admin(), view.id, clock.next()))).toMatchObject({ code: "conflict" });
    expect(errorOf(() => redeliver(admin(), delivered!.id, clock.next()))).toMatchObject({ code: "conflict" });
    expect(deliveries(view.id)).toHaveLength(1);
  });
});
