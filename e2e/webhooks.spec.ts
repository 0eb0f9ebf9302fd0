import { expect, test, type Page } from "@playwright/test";
import { verifyDelivery } from "../lib/domain/webhook-signature";
import type { EventEnvelope } from "../lib/domain/webhooks";
import { startReceiver, type Receiver } from "../lib/testing/webhook-receiver";
import { signIn } from "./fixtures";

/**
 * An admin points Countersign at a receiver (a real HTTP server this test starts on 127.0.0.1), and the running app's
 * background sender delivers to it: signed, retried after a failure, and never in the way of a sign-off.
 */

let receiver: Receiver;
test.beforeEach(async () => {
  receiver = await startReceiver();
});
test.afterEach(() => receiver.close());

/** Adds an endpoint through the settings page and reads its secret, shown this once. */
async function addWebhook(page: Page, name: string, events: string[]): Promise<string> {
  await signIn(page, "admin@countersign.test");
  await page.goto("/settings/webhooks");
  const form = page.getByRole("form", { name: "Add a webhook" });
  await form.getByLabel("Name").fill(name);
  await form.getByRole("textbox", { name: /^URL/ }).fill(receiver.url);
  await form.getByRole("radio", { name: /Generic JSON/ }).check();
  await form.getByRole("checkbox", { name: "Sign-off requested" }).uncheck();
  for (const event of events) await form.getByRole("checkbox", { name: event, exact: true }).check();
  // The receiver is on this machine: refused until the admin allows it.
  await form.getByRole("button", { name: "Add webhook" }).click();
  await expect(form.getByText(/on this server's own network/).first()).toBeVisible();
  await form.getByRole("checkbox", { name: /Allow addresses on this server's own network/ }).check();
  await form.getByRole("button", { name: "Add webhook" }).click();
  const secret = await page.getByRole("textbox", { name: "Signing secret" }).inputValue();
  expect(secret).toMatch(/^whsec_/);
  await page.getByRole("button", { name: "I have copied it" }).click();
  await expect(page.getByRole("textbox", { name: "Signing secret" })).toHaveCount(0);
  return secret;
}

async function deleteWebhook(page: Page, name: string) {
  await page.goto("/settings/webhooks");
  await page.getByRole("link", { name }).click();
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete webhook" }).click();
  await expect(page).toHaveURL(/\/settings\/webhooks$/);
  await expect(page.getByRole("link", { name })).toHaveCount(0);
}

const arrived = (type: string, match: (e: EventEnvelope) => boolean = () => true) =>
  receiver.received.filter((r) => (r.json as EventEnvelope).type === type && match(r.json as EventEnvelope));

test("an admin adds a webhook; a test event arrives signed, a 500 is retried, and a delivery can be redelivered", async ({ page }) => {
  test.slow();
  const name = `Receiver ${Date.now()}`;
  const secret = await addWebhook(page, name, ["Change approved"]);
  await page.getByRole("link", { name }).click();
  await expect(page.getByText("Nothing sent yet")).toBeVisible();

  receiver.answer(500);
  await page.getByRole("button", { name: "Send a test event" }).click();
  await expect.poll(() => arrived("webhook.test").length, { timeout: 60_000 }).toBe(1);
  await page.reload();
  await expect(page.getByRole("table", { name: "Deliveries" })).toContainText("Retrying");
  await expect(page.getByRole("table", { name: "Deliveries" })).toContainText("500");

  // The sender tries again 30 seconds later, and the receiver now answers 200.
  await expect.poll(() => arrived("webhook.test").length, { timeout: 90_000 }).toBe(2);
  const [first, second] = arrived("webhook.test");
  expect((first!.json as EventEnvelope).id).toBe((second!.json as EventEnvelope).id);
  const header = {
    signature: String(second!.headers["x-countersign-signature"]),
    timestamp: String(second!.headers["x-countersign-timestamp"]),
  };
  expect(verifyDelivery(secret, header, second!.body, Math.floor(Date.now() / 1000))).toBe(true);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("table", { name: "Deliveries" })).toContainText("Delivered", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  await page.getByRole("button", { name: /^Redeliver webhook\.test/ }).click();
  await expect.poll(() => arrived("webhook.test").length, { timeout: 60_000 }).toBe(3);
  await deleteWebhook(page, name);
});

test("a receiver that never answers does not hold up a sign-off; the decision waits in order behind the unanswered request", async ({
  page,
  browser,
}) => {
  test.slow();
  const name = `Slow receiver ${Date.now()}`;
  await addWebhook(page, name, ["Sign-off requested", "Sign-off decided"]);
  // Every request hangs until the test ends.
  receiver.answer(...Array<"hang">(50).fill("hang"));

  const engineer = await browser.newPage();
  await signIn(engineer, "engineer@countersign.test");
  const agent = await (await engineer.request.get("/api/v1/agents/refund-assistant")).json();
  const { spec } = await (
    await engineer.request.get(`/api/v1/agents/refund-assistant/versions/${agent.environments.production.version}`)
  ).json();
  spec.tools
    .find((t: { system: string }) => t.system === "stripe")
    .actions.find((a: { name: string }) => a.name === "refunds.create").limit = { amount: 7100, unit: "USD" };
  const created = await engineer.request.post("/api/v1/changes", {
    data: {
      agent: "refund-assistant",
      title: "Raise the refund limit to 7100 USD (webhook journey)",
      spec,
      rollbackPlan: "Redeploy the previous version.",
      rollbackOwner: "ops@countersign.test",
      harmMetrics: [{ name: "reversal rate", comparator: ">", threshold: 2, window: "7d" }],
      submit: true,
    },
  });
  expect(created.status()).toBe(201);
  const label = (await created.json()).number as string;
  await engineer.close();
  await expect.poll(() => arrived("signoff.requested", (e) => e.change?.label === label).length, { timeout: 60_000 }).toBe(1);

  // The request for this change is still hanging at the receiver; security signs off all the same.
  const reviewer = await browser.newPage();
  await signIn(reviewer, "security@countersign.test");
  await reviewer.goto(`/changes/${label}`);
  await reviewer.getByRole("button", { name: "Approve as Security" }).click();
  await expect(reviewer.getByText("Approved as Security", { exact: true })).toBeVisible();
  await reviewer.close();

  // The decision waits behind the unanswered request for the same change: queued, not sent.
  await page.goto("/settings/webhooks");
  await page.getByRole("link", { name }).click();
  const decided = page
    .getByRole("table", { name: "Deliveries" })
    .getByRole("row")
    .filter({ hasText: "signoff.decided" })
    .filter({ hasText: label });
  await expect(decided).toContainText("Queued");
  expect(arrived("signoff.decided", (e) => e.change?.label === label)).toHaveLength(0);
  await deleteWebhook(page, name);
});
