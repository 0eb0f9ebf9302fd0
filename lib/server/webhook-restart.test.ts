import { spawn, type ChildProcess } from "node:child_process";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { first, withTransaction, type DB } from "@/db";
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
  // tsx as a loader in this one process, not its CLI: the CLI runs the script in a child of its own, which a SIGKILL
  // of the CLI would leave running (the sender would not die, and would outlive the test).
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/testing/run-webhook-sender.ts"], {
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

async function until(condition: () => boolean | Promise<boolean>) {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 200));
}

it("a delivery in flight when the server stops is sent by the next server, once its claim lapses", async () => {
  const clock = testClock();
  const { view } = await createWebhook(
    await as("admin@countersign.test"),
    { name: "Restart", url: receiver.url, format: "json", events: ["signoff.requested"], allowPrivateNetwork: true },
    clock.next(),
  );
  const change = await limitRaise(880, clock.next());
  const delivery = async () => (await first(db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, view.id))))!;
  // Due now, by the real clock the sender processes read.
  await withTransaction(async (tx) => {
    await tx.update(webhookDeliveries).set({ nextAttemptAt: Date.now() }).where(eq(webhookDeliveries.webhookId, view.id));
  });

  receiver.answer("hang");
  const firstSender = await startSender();
  await until(() => receiver.received.length === 1);
  firstSender.kill("SIGKILL");
  await new Promise((resolve) => firstSender.once("exit", resolve));
  // The dead sender still holds its claim: nothing was recorded as attempted.
  expect(await delivery()).toMatchObject({ status: "pending", attempts: 0 });
  expect((await delivery()).claimedUntil).toBeGreaterThan(Date.now());

  // A minute later the claim has lapsed (moved back here rather than waited for), and the restarted sender delivers.
  await withTransaction(async (tx) => {
    await tx
      .update(webhookDeliveries)
      .set({ claimedUntil: Date.now() - 1 })
      .where(eq(webhookDeliveries.webhookId, view.id));
  });
  const second = await startSender();
  await until(async () => (await delivery()).status === "delivered");
  second.kill("SIGKILL");
  expect(receiver.received).toHaveLength(2);
  const ids = receiver.received.map((r) => (r.json as { id: string; change: { label: string } }).id);
  expect(ids[0]).toBe(ids[1]);
  expect((receiver.received[1]!.json as { change: { label: string } }).change.label).toBe(change.label);
  expect(await delivery()).toMatchObject({ status: "delivered", attempts: 1, responseStatus: 200 });
});
