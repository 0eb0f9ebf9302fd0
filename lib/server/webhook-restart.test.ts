import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DB } from "@/db";
import { webhookDeliveries } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, testClock } from "@/lib/testing/release-fixtures";
import { startReceiver, type Receiver } from "@/lib/testing/webhook-receiver";
import { createWebhook } from "./webhooks";

/**
 * The sender survives a restart: a real sender process is killed while a delivery is in flight, and the one
 * started after it delivers the event. Both run the app's own sender (lib/testing/run-webhook-sender.ts) with tsx.
 */

let db: DB;
let receiver: Receiver;
const running: ChildProcess[] = [];

beforeAll(async () => {
  db = await seedDemoEstate();
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const child of running) child.kill("SIGKILL");
  await receiver.close();
});

/** Starts a sender process on this test's database and waits until it says it is running. */
async function startSender(): Promise<ChildProcess> {
  const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
  const child = spawn(tsx, ["--conditions=react-server", "lib/testing/run-webhook-sender.ts"], {
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  running.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`the sender process stopped early (exit code ${code})`)));
  });
  return child;
}

async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 200));
}

it("a delivery in flight when the server stops is sent by the next server, once its claim lapses", async () => {
  const clock = testClock();
  const { view } = await createWebhook(
    as("admin@countersign.test"),
    { name: "Restart", url: receiver.url, format: "json", events: ["signoff.requested"], allowPrivateNetwork: true },
    clock.next(),
  );
  const change = limitRaise(880, clock.next());
  const delivery = () => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, view.id)).get()!;
  // Due now, by the real clock the sender processes read.
  db.update(webhookDeliveries).set({ nextAttemptAt: Date.now() }).where(eq(webhookDeliveries.webhookId, view.id)).run();

  receiver.answer("hang");
  const first = await startSender();
  await until(() => receiver.received.length === 1);
  first.kill("SIGKILL");
  await new Promise((resolve) => first.once("exit", resolve));
  // The dead sender still holds its claim: nothing was recorded as attempted.
  expect(delivery()).toMatchObject({ status: "pending", attempts: 0 });
  expect(delivery().claimedUntil).toBeGreaterThan(Date.now());

  // A minute later the claim has lapsed (moved back here rather than waited for), and the restarted sender delivers.
  db.update(webhookDeliveries)
    .set({ claimedUntil: Date.now() - 1 })
    .where(eq(webhookDeliveries.webhookId, view.id))
    .run();
  const second = await startSender();
  await until(() => delivery().status === "delivered");
  second.kill("SIGKILL");
  expect(receiver.received).toHaveLength(2);
  const ids = receiver.received.map((r) => (r.json as { id: string; change: { label: string } }).id);
  expect(ids[0]).toBe(ids[1]);
  expect((receiver.received[1]!.json as { change: { label: string } }).change.label).toBe(change.label);
  expect(delivery()).toMatchObject({ status: "delivered", attempts: 1, responseStatus: 200 });
});
