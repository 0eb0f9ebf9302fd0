import { expect, test, type Download, type Page } from "@playwright/test";
import { chooseAgentByKeyboard } from "./agent-combobox";
import { signIn } from "./fixtures";

const DAY = 86_400_000;

async function textOf(download: Download): Promise<string> {
  return Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8");
}

async function downloadLink(page: Page, name: string): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
  return download;
}

test.beforeEach(async ({ page }) => {
  await signIn(page, "auditor@countersign.test");
});

test("the auditor verifies the audit trail's integrity", async ({ page }) => {
  await page.goto("/audit");
  await expect(page.getByRole("navigation", { name: "Audit views" }).getByRole("link", { name: "Log" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await page.getByRole("button", { name: "Verify integrity" }).click();
  await expect(page.getByText(/^Intact: all \d+ events chain from the first to the last\.$/)).toBeVisible();
  // It says what was verified, and when: in full up to a point, then what was appended since.
  await expect(page.getByText(/^Events 1–[\d,]+ verified in full at \d{4}-/)).toBeVisible();
  // A full verification runs in the background and reports when it is done.
  await page.getByRole("button", { name: "Verify in full" }).click();
  await expect(page.getByRole("button", { name: "Verify in full" })).toBeEnabled({ timeout: 30_000 });
  await expect(page.getByText(/^Intact: all \d+ events chain from the first to the last\.$/)).toBeVisible();
});

test("what ran when: refund-assistant in production on a past date, with its change record and approvals", async ({ page }) => {
  await page.goto("/audit");
  await page.getByRole("navigation", { name: "Audit views" }).getByRole("link", { name: "What ran when" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "What ran when" })).toBeVisible();
  await expect(page.getByText("Choose an agent and an instant")).toBeVisible();

  const when = new Date(Date.now() - 60 * DAY);
  when.setUTCHours(12, 0, 0, 0);
  const local = when.toISOString().slice(0, 19);
  await chooseAgentByKeyboard(page, page.getByRole("combobox", { name: "Agent" }), "refund-a", /^Refund Assistant/);
  await page.getByLabel("Date and time (UTC)").fill(local);
  await page.getByRole("button", { name: "Show what ran" }).click();
  await expect(page).toHaveURL(/\/audit\/as-of\?agent=refund-assistant&at=/);
  await expect(page.getByRole("region", { name: "What ran then" })).toContainText(`Refund Assistant as of ${local.replace("T", " ")} UTC`);

  // The registry's own answer for the same instant names the same version and change record.
  const api = await (await page.request.get(`/api/v1/agents/refund-assistant/as-of?at=${when.toISOString()}`)).json();
  const production = page.getByRole("region", { name: "Production" });
  await expect(production.getByRole("heading", { level: 2 })).toHaveText("Production");
  await expect(production).toContainText(`v${api.environments.production.version}`);
  // Promoted: the change record of the deployment; rolled back to: the one that first released the version.
  const change = api.environments.production.changeNumber;
  await expect(production.getByRole("link", { name: change ?? /^CR-\d+$/, exact: Boolean(change) }).first()).toBeVisible();
  const approvals = production.getByRole("table", { name: `Approvals of v${api.environments.production.version}` });
  await expect(approvals.getByRole("row").nth(1)).toBeVisible();
  expect(await approvals.locator("tbody tr").count()).toBe(api.environments.production.approvals.length);
  await expect(production).toContainText("What has changed since");

  await page.goto("/audit/as-of?agent=refund-assistant&at=2000-01-01T00:00:00");
  await expect(page.getByRole("status")).toContainText("Refund Assistant did not exist yet at 2000-01-01 00:00:00 UTC");
});

test("the evidence pack for the last quarter: exceptions first, downloads as CSV and JSON", async ({ page }) => {
  await page.goto("/audit");
  await page.getByRole("navigation", { name: "Audit views" }).getByRole("link", { name: "Evidence pack" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Evidence pack: production releases" })).toBeVisible();
  // The exceptions come before the releases, whatever the quarter held.
  await expect(page.getByRole("heading", { level: 2 })).toHaveText(["Exceptions", "Releases"]);
  await expect(page.getByText(/^\d+ events, verified intact from the first to the last$/)).toBeVisible();
  await expect(page.getByText(/^[0-9a-f]{64}$/)).toBeVisible(); // the chain's head hash

  const json = JSON.parse(await textOf(await downloadLink(page, "Download JSON")));
  expect(json.releases.length).toBeGreaterThan(0);
  expect(json.chain.count).toBeGreaterThan(0);
  expect(json.chain).toMatchObject({ headHash: expect.stringMatching(/^[0-9a-f]{64}$/), verified: true });
  expect(json.releases[0]).toMatchObject({
    change: { number: expect.stringMatching(/^CR-\d+$/) },
    deployment: { environment: "production" },
  });
  // Releases with exceptions come first in the file too.
  const flagged = json.releases.map((r: { exceptions: unknown[] }) => r.exceptions.length > 0);
  expect(flagged).toEqual([...flagged].sort((a: boolean, b: boolean) => Number(b) - Number(a)));

  const csv = await downloadLink(page, "Download CSV");
  expect(csv.suggestedFilename()).toMatch(/^countersign-evidence-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = (await textOf(csv)).trimEnd().split("\r\n");
  expect(lines[0]).toMatch(/^generated_at,\d{4}-/);
  expect(Number(lines.find((l) => l.startsWith("chain_count,"))!.split(",")[1])).toBeGreaterThan(0);
  const header = lines.findIndex((l) => l.startsWith("change,"));
  expect(lines[header - 1]).toBe("");
  expect(lines[header]).toContain(",exceptions,");
  expect(lines.length - header - 1).toBe(json.releases.length);
});

test("over the whole history the overdue retro sign-off is listed first, as an exception and as the first release", async ({ page }) => {
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 400 * DAY).toISOString().slice(0, 10);
  await page.goto(`/audit/evidence?from=${from}&to=${today}`);
  await expect(page.getByLabel("From (UTC)")).toHaveValue(from);
  // A page holds 10 releases: the summary's count of each kind leads to the releases with that exception.
  await page.getByRole("link", { name: /^\d+ overdue retro sign-off$/ }).click();
  await expect(page.getByRole("status")).toContainText("Showing only the releases with overdue retro sign-off");
  const exceptions = page.getByRole("table", { name: "Exceptions" });
  const overdue = exceptions.getByRole("row").filter({ hasText: "overdue retro sign-off" }).filter({ hasText: "incident-triage-bot" });
  await expect(overdue).toHaveCount(1);
  await expect(overdue).toContainText("still waiting on");
  const first = page.getByRole("article").first();
  await expect(first).toContainText(
    /overdue retro sign-off|approval after deployment|missing eval|self-approval|skipped environment|out-of-date release|author released own change/,
  );
  // The exception's link leads to its release block.
  await overdue.getByRole("link", { name: /^CR-\d+$/ }).click();
  await expect(page).toHaveURL(/#release-/);
});

test("a long period is read a page of releases at a time, with totals for the whole period and the filters kept", async ({ page }) => {
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 400 * DAY).toISOString().slice(0, 10);
  await page.goto(`/audit/evidence?from=${from}&to=${today}`);
  const summary = page.getByText(/^\d+ production releases, \d+ with exceptions/);
  const total = Number((await summary.textContent())!.match(/^(\d+)/)![1]);
  expect(total).toBeGreaterThan(10);
  const pages = page.getByRole("navigation", { name: "Pages of releases" });
  await expect(pages).toContainText(`Releases 1–10 of ${total}`);
  await expect(page.getByRole("article")).toHaveCount(10);
  const firstOnPage1 = await page.getByRole("article").first().getAttribute("id");

  await pages.getByRole("link", { name: "Next 10" }).click();
  await expect(page).toHaveURL(new RegExp(`from=${from}.*after=`));
  await expect(pages).toContainText(`Releases 11–${Math.min(20, total)} of ${total}`);
  await expect(page.getByLabel("From (UTC)")).toHaveValue(from);
  await expect(summary).toHaveText(new RegExp(`^${total} production releases`));
  expect(await page.getByRole("article").first().getAttribute("id")).not.toBe(firstOnPage1);

  await pages.getByRole("link", { name: "Previous 10" }).click();
  await expect(pages).toContainText(`Releases 1–10 of ${total}`);
  expect(await page.getByRole("article").first().getAttribute("id")).toBe(firstOnPage1);
  await expect(pages.getByRole("link", { name: "Previous 10" })).toHaveCount(0);
});
