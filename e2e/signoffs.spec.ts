import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

/** engineer@ proposes raising refunds.create's limit (through the API, as a CI pipeline or the editor would). */
async function proposeLimitRaise(page: Page, amount: number): Promise<string> {
  await signIn(page, "engineer@countersign.test");
  const agent = await (await page.request.get("/api/v1/agents/refund-assistant")).json();
  const { spec } = await (
    await page.request.get(`/api/v1/agents/refund-assistant/versions/${agent.environments.production.version}`)
  ).json();
  spec.tools
    .find((t: { system: string }) => t.system === "stripe")
    .actions.find((a: { name: string }) => a.name === "refunds.create").limit = { amount, unit: "USD" };
  const response = await page.request.post("/api/v1/changes", {
    data: {
      agent: "refund-assistant",
      title: `Raise the refund limit to ${amount} USD`,
      spec,
      rollbackPlan: "Redeploy the previous version.",
      rollbackOwner: "ops@countersign.test",
      harmMetrics: [{ name: "reversal rate", comparator: ">", threshold: 2, window: "7d" }],
      submit: true,
    },
  });
  expect(response.status()).toBe(201);
  return (await response.json()).number as string;
}

async function approveFromQueue(browser: Browser, email: string, role: string, label: string, section: RegExp) {
  const page = await browser.newPage();
  await signIn(page, email);
  // The bell says a sign-off is needed; the nav counts what waits.
  await page.getByRole("button", { name: /^Notifications: \d+ unread$/ }).click();
  await expect(page.getByRole("menu")).toContainText(`${label} “Raise the refund limit`);
  await page.keyboard.press("Escape");
  await page.getByRole("link", { name: /Sign-offs/ }).click();
  await page.getByRole("link", { name: new RegExp(label) }).click();
  const review = page
    .getByRole("region")
    .filter({ hasText: `Your review as ${role}` })
    .or(page.locator("section").filter({ hasText: `Your review as ${role}` }))
    .first();
  await expect(review).toContainText(section);
  await review.getByRole("button", { name: `Approve as ${role}` }).click();
  await expect(page.getByText(`Approved as ${role}`, { exact: true })).toBeVisible();
  await page.close();
}

test("the four owners each find the limit raise in their queue, see their part first, and approve it", async ({ page, browser }) => {
  test.slow();
  const label = await proposeLimitRaise(page, 6000);
  await page.goto(`/changes/${label}`);
  await expect(page.getByText(/Your review as/)).toHaveCount(0); // the author cannot sign
  await approveFromQueue(browser, "owner@countersign.test", "Workflow owner", label, /Instructions unchanged|Role impacts/);
  await approveFromQueue(browser, "security@countersign.test", "Security", label, /refunds\.create limit raised/);
  await approveFromQueue(browser, "engineer2@countersign.test", "Engineering", label, /Eval runs for this spec/);
  await approveFromQueue(browser, "ops@countersign.test", "Operations", label, /Rollback plan/);
  await page.reload();
  await expect(page.getByText("Approved", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("list", { name: "Timeline" })).toContainText("it was approved");
});

test("an edit after two approvals shows them dismissed; a rejection needs a comment", async ({ page, browser }) => {
  const label = await proposeLimitRaise(page, 6500);
  const approvers: [string, string][] = [
    ["ops@countersign.test", "operations"],
    ["owner@countersign.test", "workflow_owner"],
  ];
  for (const [email, role] of approvers) {
    const other = await browser.newPage();
    await signIn(other, email);
    expect((await other.request.post(`/api/v1/changes/${label}/signoffs`, { data: { role, decision: "approve" } })).status()).toBe(200);
    await other.close();
  }
  expect((await page.request.patch(`/api/v1/changes/${label}`, { data: { rationale: "Added context after review" } })).status()).toBe(200);
  await page.goto(`/changes/${label}`);
  // The two approvals given on the old content are history now, folded under the current round.
  await page.getByText(/^Earlier decisions \(\d+\)$/).click();
  for (const signer of ["Priya Raman", "Olivia Owens"]) {
    await expect(
      page
        .getByRole("listitem")
        .filter({ hasText: signer })
        .filter({ hasText: /dismissed: change edited by engineer@countersign.test at / }),
    ).toHaveCount(1);
  }

  const security = await browser.newPage();
  await signIn(security, "security@countersign.test");
  await security.goto(`/changes/${label}`);
  await security.getByRole("button", { name: "Reject" }).click();
  await expect(security.getByText("Say why: a comment is required to reject or request changes.")).toBeVisible();
  await security.getByLabel("Comment").fill("Too broad for one step");
  await security.getByRole("button", { name: "Reject" }).click();
  await expect(security.getByText("Rejected", { exact: true }).first()).toBeVisible();
  await security.close();
});

test("the sign-off API: tokens and authors are refused; 20 parallel approvals record exactly one", async ({ page, browser }) => {
  const label = await proposeLimitRaise(page, 7000);
  const own = await page.request.post(`/api/v1/changes/${label}/signoffs`, { data: { role: "engineering", decision: "approve" } });
  expect(own.status()).toBe(403);
  const security = await browser.newPage();
  await signIn(security, "security@countersign.test");
  const missing = await security.request.post(`/api/v1/changes/${label}/signoffs`, { data: { role: "security", decision: "reject" } });
  expect(missing.status()).toBe(422);
  const responses = await Promise.all(
    Array.from({ length: 20 }, () =>
      security.request.post(`/api/v1/changes/${label}/signoffs`, { data: { role: "security", decision: "approve" } }),
    ),
  );
  const statuses = responses.map((r) => r.status());
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  const mine = await (await security.request.get("/api/v1/signoffs/mine")).json();
  expect(mine.items.some((i: { number: string }) => i.number === label)).toBe(false);
  await security.close();
});
