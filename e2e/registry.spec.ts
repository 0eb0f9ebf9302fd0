import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test.beforeEach(async ({ page }) => {
  await signIn(page, "security@countersign.test");
});

test("a security reviewer opens refund-assistant and reads its configuration record", async ({ page }) => {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" }).click();
  await page.getByRole("link", { name: "Refund Assistant" }).click();
  await expect(page).toHaveURL(/\/agents\/refund-assistant$/);
  await expect(page.getByRole("heading", { name: "Refund Assistant", level: 1 })).toBeVisible();
  const tools = page.getByRole("table", { name: "Tools and actions" });
  await expect(tools.getByRole("row").filter({ hasText: "refunds.create" })).toContainText("write");
  await expect(tools.getByRole("row").filter({ hasText: "refunds.create" })).toContainText("required");
  await expect(page.getByText("stripe:customers.delete")).toBeVisible();
  await expect(page.getByRole("list", { name: "Autonomy: Bounded" })).toBeVisible();
  // The release journey may roll production back while this runs: either way, who put it there is named.
  await expect(page.getByRole("listitem", { name: "Production" })).toContainText(/(promoted|rolled back) by \S+@countersign\.test/);
});

test("comparing the first and latest versions shows escalations first, and the instructions diff", async ({ page }) => {
  await page.goto("/agents/refund-assistant");
  const latest = await page.getByLabel("with", { exact: true }).inputValue();
  await page.getByLabel("Compare version").selectOption("1");
  await page.getByRole("button", { name: "Compare" }).click();
  await expect(page).toHaveURL(new RegExp(`/agents/refund-assistant/compare\\?from=1&to=${latest}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`v1 → v${latest}`);
  const items = page.locator("section[aria-label] li");
  await expect(items.first()).toContainText("escalation");
  const directions = await items.evaluateAll((lis) => lis.map((li) => li.querySelector("span")?.textContent?.trim() ?? ""));
  const firstNonEscalation = directions.findIndex((d) => !d.includes("escalation"));
  if (firstNonEscalation >= 0) expect(directions.slice(firstNonEscalation).some((d) => d.includes("escalation"))).toBe(false);
  await expect(page.getByLabel("Instructions line diff")).toContainText("You help support staff issue refunds.");
});

test("picking a past date shows the version that ran then, as the API says", async ({ page }) => {
  await page.goto("/agents/refund-assistant");
  const when = new Date(Date.now() - 200 * 86_400_000);
  when.setUTCHours(12, 0, 0, 0);
  const local = when.toISOString().slice(0, 16);
  await page.getByLabel("Date and time (UTC)").fill(local);
  await page.getByRole("button", { name: "Show what ran" }).click();
  await expect(page).toHaveURL(/at=/);
  const result = page.getByLabel("As of result");
  await expect(result).toContainText(`As of ${local.replace("T", " ")}:00 UTC`);
  const api = await (await page.request.get(`/api/v1/agents/refund-assistant/as-of?at=${when.toISOString()}`)).json();
  expect(api.environments.production.version).toBeGreaterThan(0);
  await expect(result.getByRole("listitem", { name: "Production" })).toContainText(`v${api.environments.production.version}`);
  await expect(result.getByRole("listitem", { name: "Production" })).toContainText(api.environments.production.changeNumber);
});

test("the spec of a version downloads as YAML", async ({ page }) => {
  await page.goto("/agents/refund-assistant?version=1");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export YAML" }).click()]);
  expect(download.suggestedFilename()).toBe("refund-assistant-v1.yaml");
  const text = Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8");
  expect(text).toContain("name: refunds.create");
  expect(text).toContain("amount: 50");
  expect(text).toMatch(/^model:/);
});

test("the registry API answers in DESIGN.md's shapes", async ({ page }) => {
  const agent = await (await page.request.get("/api/v1/agents/refund-assistant")).json();
  expect(agent.versions[0]).toMatchObject({
    number: expect.any(Number),
    specHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    changeNumber: expect.stringMatching(/^CR-\d+$/),
  });
  const yaml = await page.request.get("/api/v1/agents/refund-assistant/versions/1?format=yaml");
  expect(yaml.headers()["content-type"]).toContain("yaml");
  expect(await yaml.text()).toContain("refunds.create");
  const diff = await (await page.request.get("/api/v1/agents/refund-assistant/diff?from=1&to=2")).json();
  expect(Array.isArray(diff.items)).toBe(true);
  expect(Array.isArray(diff.instructions)).toBe(true);
  const missing = await page.request.get("/api/v1/agents/no-such-agent");
  expect(missing.status()).toBe(404);
  expect(await missing.json()).toMatchObject({ error: "not_found" });
  const noVersion = await page.request.get("/api/v1/agents/refund-assistant/versions/999");
  expect(noVersion.status()).toBe(404);
  const bad = await page.request.get("/api/v1/agents/refund-assistant/diff?from=one&to=2");
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toMatchObject({ error: "bad_request", parameter: "from" });
  const badTime = await page.request.get("/api/v1/agents/refund-assistant/as-of?at=yesterday");
  expect(await badTime.json()).toMatchObject({ error: "bad_request", parameter: "at" });
});

test("an unknown agent or change record shows a clear 404 page", async ({ page }) => {
  const agent = await page.goto("/agents/no-such-agent");
  expect(agent?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Nothing here" })).toBeVisible();
  const change = await page.goto("/changes/CR-999999");
  expect(change?.status()).toBe(404);
  await page.getByRole("link", { name: "Go to the agents" }).click();
  await expect(page).toHaveURL(/\/agents$/);
});
