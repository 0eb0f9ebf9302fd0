import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

const AGENT = "refund-assistant";

/** engineer2@'s change records on the agent, as the API counts them. */
async function myChanges(page: Page): Promise<{ total: number; items: { number: string; title: string; state: string }[] }> {
  const response = await page.request.get(`/api/v1/changes?agent=${AGENT}&mine=1&pageSize=500`);
  expect(response.status()).toBe(200);
  return response.json();
}

test("a refused first submission lists every problem at once and creates nothing; completed, it goes to review", async ({ page }) => {
  await signIn(page, "engineer2@countersign.test");
  const before = await myChanges(page);

  await page.goto(`/changes/new?agent=${AGENT}`);
  await expect(page.getByRole("heading", { level: 1, name: "Propose a change to Refund Assistant" })).toBeVisible();
  // The fields a submission needs carry a star, and say so to screen readers; the others do not.
  await expect(page.getByText("Fields marked * are needed to submit for review; a draft saves without them.")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Title (required to submit)" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Rollback plan (required to submit)" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Rollback owner (required to submit)" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Rationale", exact: true })).toBeVisible();

  await page.getByLabel("Limit for refunds.create").fill("80");
  const panel = page.getByRole("complementary", { name: "Live review" });
  await expect(panel).toContainText(/refunds\.create limit raised \d+ → 80 USD/);

  await page.getByRole("button", { name: "Submit for review" }).click();
  const problems = page.getByRole("alert").filter({ hasText: "Fix these first:" });
  await expect(problems).toBeVisible();
  await expect(problems.getByRole("listitem")).toHaveCount(3);
  await expect(problems).toContainText("title: Give the change a title");
  await expect(problems).toContainText("rollbackPlan: Describe how to roll this change back");
  await expect(problems).toContainText(
    /harmMetrics: Add at least one harm metric: this change escalates authority \(refunds\.create limit raised/,
  );
  await expect(page.locator("#title-error")).toHaveText("Give the change a title");
  await expect(page).toHaveURL(new RegExp(`/changes/new\\?agent=${AGENT}$`));

  // Nothing was created: not in the API, not in the list as an "Untitled draft".
  expect((await myChanges(page)).total).toBe(before.total);
  const drafts = before.items.filter((c) => c.state === "draft").length;
  await page.goto(`/changes?agent=${AGENT}&mine=1&state=draft`);
  if (drafts === 0) await expect(page.getByText("No change records match")).toBeVisible();
  else await expect(page.getByRole("table", { name: "Change records" }).locator("tbody tr")).toHaveCount(drafts);
  await expect(page.getByText("Untitled draft")).toHaveCount(0);

  // Back in the editor, what was typed is still there; completing what was missing submits it.
  await page.goto(`/changes/new?agent=${AGENT}`);
  await expect(page.getByLabel("Limit for refunds.create")).toHaveValue("80");
  await page.getByLabel("Title").fill("Raise the refund limit to 80 USD");
  await page.getByRole("button", { name: "Add harm metric" }).click();
  await page.getByLabel("Harm metric 1: name").fill("refund reversal rate");
  await page.getByLabel("Harm metric 1: threshold").fill("2");
  await page.getByLabel("Rollback plan").fill("Redeploy the previous approved version from the agent page.");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Raise the refund limit to 80 USD" })).toBeVisible();
  await expect(page.locator("header").getByText("In review", { exact: true })).toBeVisible();

  const after = await myChanges(page);
  expect(after.total).toBe(before.total + 1);
  const label = page.url().match(/CR-\d+/)![0];
  expect(after.items.find((c) => c.number === label)).toMatchObject({ title: "Raise the refund limit to 80 USD", state: "in_review" });
});
