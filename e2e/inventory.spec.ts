import { expect, test } from "@playwright/test";
import { agentRows, signIn } from "./fixtures";

test.beforeEach(async ({ page }) => {
  await signIn(page, "security@countersign.test");
  await page.goto("/agents");
});

test("search narrows the inventory as you type, and the URL keeps it", async ({ page }) => {
  await page.getByRole("searchbox", { name: "Search agents" }).fill("refund");
  await expect(page).toHaveURL(/q=refund/);
  await expect(agentRows(page).filter({ hasText: "refund-assistant" })).toHaveCount(1);
  const count = await agentRows(page).count();
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(24);
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search agents" })).toHaveValue("refund");
  await expect(agentRows(page)).toHaveCount(count);
});

test("platform, workflow and risk filters combine, and clear", async ({ page }) => {
  await page.getByLabel("Risk class").selectOption("low");
  await expect(page).toHaveURL(/risk=low/);
  await expect(agentRows(page)).toHaveCount(3);
  await page.getByLabel("Platform").selectOption("copilot-studio");
  await expect(page).toHaveURL(/platform=copilot-studio/);
  await expect(agentRows(page)).toHaveCount(1);
  await expect(agentRows(page).first()).toContainText("account-notes-summarizer");
  await page.getByLabel("Workflow").selectOption("refunds");
  await expect(page.getByText("No agents match these filters")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(agentRows(page)).toHaveCount(24);
});

test("sorting by a column, both ways", async ({ page }) => {
  await page.getByRole("link", { name: /^Risk/ }).click();
  await expect(page).toHaveURL(/sort=risk&dir=asc/);
  await expect(agentRows(page).first().getByText("low", { exact: true })).toBeVisible();
  await page.getByRole("link", { name: /^Risk/ }).click();
  await expect(page).toHaveURL(/sort=risk&dir=desc/);
  await expect(agentRows(page).first().getByText("critical", { exact: true })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: /Risk/ })).toHaveAttribute("aria-sort", "descending");
});

test("pagination keeps the filters", async ({ page }) => {
  await page.goto("/agents?pageSize=10&sort=name");
  await expect(agentRows(page)).toHaveCount(10);
  await expect(page.getByText("Showing 1–10 of 24")).toBeVisible();
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page).toHaveURL(/pageSize=10/);
  await expect(page.getByText("Showing 11–20 of 24")).toBeVisible();
});

test("CSV export holds exactly the filtered rows", async ({ page }) => {
  await page.goto("/agents?risk=critical");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^countersign-agents-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
  const lines = text.trim().split("\r\n");
  expect(lines[0]).toBe(
    "slug,name,platform,workflow,risk_class,autonomy,development,staging,production,production_spec_hash,production_approved_by,last_deployed_at,last_reviewed_at,open_changes,open_drift,last_observed_at",
  );
  expect(lines).toHaveLength(1 + 6);
  expect(lines.slice(1).every((line) => line.split(",")[4] === "critical")).toBe(true);
});

test("a link with a filter value Countersign does not know says so", async ({ page }) => {
  await page.goto("/agents?platform=myspace");
  await expect(page.getByRole("alert").filter({ hasText: "filter" })).toContainText("platform must be one of");
  await page.getByRole("link", { name: "Show all agents" }).click();
  await expect(agentRows(page)).toHaveCount(24);
});

test("the posture filter narrows to agents running in production and not observed lately, each saying so", async ({ page }) => {
  await page.getByLabel("Posture").selectOption({ label: "Unobserved in production" });
  await expect(page).toHaveURL(/observed=stale/);
  const rows = agentRows(page);
  await expect(rows.first()).toBeVisible();
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  await expect(rows.filter({ hasText: "Unobserved" })).toHaveCount(count);
  await page.getByLabel("Posture").selectOption({ label: "Any posture" });
  await expect(page).not.toHaveURL(/observed=/);
  await expect(agentRows(page)).toHaveCount(24);
});
