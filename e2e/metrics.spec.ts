import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

/*
 * Other journeys release and roll back refund-assistant while this one runs, so no exact number is
 * asserted: only that the numbers answer the filters and that every count matches the records behind it.
 */

const METRICS = [
  "Change lead time",
  "Deployment frequency",
  "Change fail rate",
  "Failed deployment recovery time",
  "Deployment rework rate",
];

const tiles = (page: Page) => page.getByRole("region", { name: "DORA metrics" }).getByRole("link");
const tile = (page: Page, name: string) =>
  page.getByRole("region", { name: "DORA metrics" }).getByRole("link", { name: new RegExp(`^${name}`) });
const releasesOn = async (page: Page) => Number(/(\d+) releases?/.exec(await tile(page, "Deployment frequency").innerText())?.[1]);

test.beforeEach(async ({ page }) => {
  await signIn(page, "leader@countersign.test");
});

test("leader@ sees the five DORA numbers with their bands, a weekly trend for each, and where the thresholds come from", async ({
  page,
}) => {
  await page.goto("/metrics");
  await expect(page.getByRole("heading", { level: 1, name: "DORA metrics for agent changes" })).toBeVisible();
  await expect(tiles(page)).toHaveCount(5);
  for (const name of METRICS) {
    await expect(tile(page, name)).toBeVisible();
    const chart = page.getByRole("figure", { name });
    await expect(chart).toBeVisible();
    await expect(chart.locator("svg.recharts-surface").first()).toBeVisible();
  }
  await expect(tile(page, "Deployment frequency")).toContainText(/per week/);
  await expect(tile(page, "Deployment frequency")).toContainText(/deployment days? a week/);
  await expect(tile(page, "Change fail rate")).toContainText(/\d+(\.\d)?%/);
  await expect(tile(page, "Deployment rework rate")).toContainText("no official DORA band");
  await expect(page.getByRole("table", { name: "Change fail rate and lead time by workflow" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Change fail rate and lead time by platform" })).toBeVisible();
  await expect(page.getByText(/Source of the thresholds: DORA 2023/)).toBeVisible();
  await expect(page.getByRole("link", { name: "Export numbers (CSV)" })).toHaveAttribute("href", /\/metrics\/export\?.*what=numbers/);
});

test("choosing the Refunds workflow narrows the numbers, and the choice stays in the URL", async ({ page }) => {
  await page.goto("/metrics");
  const everyAgent = await releasesOn(page);
  expect(everyAgent).toBeGreaterThan(0);

  await page.getByRole("combobox", { name: "Workflow" }).selectOption({ label: "Refunds" });
  await expect(page).toHaveURL(/[?&]workflow=refunds/);
  await expect.poll(() => releasesOn(page)).toBeLessThan(everyAgent);
  await expect(page.getByText(/for the Refunds workflow/)).toBeVisible();

  await page.reload();
  await expect(page.getByRole("combobox", { name: "Workflow" })).toHaveValue("refunds");
  await expect(page.getByRole("link", { name: "Export numbers (CSV)" })).toHaveAttribute("href", /workflow=refunds/);
});

test("the change fail rate tile opens the records behind it: as many rows as failed releases counted", async ({ page }) => {
  await page.goto("/metrics");
  await tile(page, "Change fail rate").click();
  await expect(page).toHaveURL(/[?&]drill=changeFailRate/);
  const heading = page.getByRole("heading", { name: /^Change fail rate: / });
  await expect(heading).toBeVisible();

  // Tile, heading and rows come from one render, so they agree even while other journeys release.
  const counted = /(\d+) of (\d+) releases/.exec(await tile(page, "Change fail rate").innerText());
  expect(counted).not.toBeNull();
  const [, failed, releases] = counted!;
  await expect(heading).toHaveText(`Change fail rate: ${failed} of ${releases} releases`);
  // A page holds the latest 50; the rest are a page away and all of them in the export.
  await expect(page.getByRole("table", { name: "Records behind change fail rate" }).locator("tbody tr")).toHaveCount(
    Math.min(Number(failed), 50),
  );
  if (Number(failed) > 0) {
    await expect(page.getByRole("link", { name: "Export these records (CSV)" })).toHaveAttribute(
      "href",
      /what=records.*drill=changeFailRate/,
    );
    await expect(
      page
        .getByRole("table", { name: "Records behind change fail rate" })
        .getByRole("link", { name: /^CR-\d+/ })
        .first(),
    ).toBeVisible();
  }

  await page
    .getByRole("region", { name: /^Change fail rate: / })
    .getByRole("link", { name: "Close" })
    .click();
  await expect(page).not.toHaveURL(/drill=/);
  await expect(heading).toHaveCount(0);
});

test("a range with no release shows dashes and says why, instead of empty charts", async ({ page }) => {
  await page.goto("/metrics?from=2020-01-01&to=2020-03-31");
  await expect(tiles(page)).toHaveCount(5);
  for (const name of METRICS) await expect(tile(page, name)).toContainText("—");
  await expect(page.getByText("No production release in this range and scope")).toBeVisible();
  await expect(page.getByRole("figure")).toHaveCount(0);
});

test("a parameter the dashboard cannot read is named, with a way back", async ({ page }) => {
  await page.goto("/metrics?risk=extreme");
  await expect(page.getByRole("alert").filter({ hasText: "risk must be one of" })).toBeVisible();
  await page.goto("/metrics?drill=speed");
  await expect(page.getByRole("alert").filter({ hasText: "drill must be one of" })).toBeVisible();
  await page.getByRole("link", { name: /Show the last 26 weeks/ }).click();
  await expect(tiles(page)).toHaveCount(5);
});

test("the numbers and the records behind them export as CSV, and agree", async ({ page }) => {
  // Up to yesterday: the demo history ends at the start of today, and other journeys deploy today.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const numbers = await page.request.get(`/metrics/export?what=numbers&to=${yesterday}`);
  expect(numbers.status()).toBe(200);
  expect(numbers.headers()["content-type"]).toContain("text/csv");
  const rows = (await numbers.text()).trim().split("\r\n");
  expect(rows[0]).toBe("metric,value,unit,band,previous_value,count,total,note,from,to,scope");
  expect(rows.slice(1).map((r) => r.split(",")[0])).toEqual(METRICS);
  const failed = Number(rows.find((r) => r.startsWith("Change fail rate,"))!.split(",")[5]);

  const records = await page.request.get(`/metrics/export?what=records&drill=changeFailRate&to=${yesterday}`);
  expect(records.status()).toBe(200);
  const lines = (await records.text()).trim().split("\r\n");
  expect(lines[0]).toBe("metric,at,agent,agent_name,environment,version,kind,deployed_at,change,change_title,hours,note,incidents");
  expect(lines.length - 1).toBe(failed);

  expect((await page.request.get("/metrics/export?what=records")).status()).toBe(400);
});

test("at phone width the tiles and charts fit the screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/metrics");
  await expect(tiles(page)).toHaveCount(5);
  const chart = page.getByRole("figure", { name: "Change lead time" }).locator("svg.recharts-surface").first();
  await expect(chart).toBeVisible();
  expect((await chart.boundingBox())!.width).toBeLessThanOrEqual(390);
  expect(await page.locator("main").evaluate((main) => main.scrollWidth <= main.clientWidth)).toBe(true);
});
