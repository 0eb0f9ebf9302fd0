import { expect, test } from "@playwright/test";
import { agentRows, DEMO_USERS, signIn } from "./fixtures";

test.describe("signing in", () => {
  for (const user of DEMO_USERS) {
    test(`${user.email} signs in, lands on their home page, and opens the inventory`, async ({ page }) => {
      await signIn(page, user.email);
      await expect(page.getByRole("heading", { name: `Welcome back, ${user.name.split(" ")[0]}`, level: 1 })).toBeVisible();
      await expect(page.getByRole("region", { name: "Alerts" })).toBeVisible();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" }).click();
      await expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
      expect(await agentRows(page).count()).toBeGreaterThanOrEqual(24);
      await page.getByRole("button", { name: `Account: ${user.name}` }).click();
      await expect(page.getByRole("menu")).toContainText(user.email);
      await expect(page.getByRole("menu")).toContainText(`Roles: ${user.role}`);
    });
  }

  test("an anonymous visit goes to the login page and comes back after sign-in", async ({ page }) => {
    await page.goto("/agents?risk=critical");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fagents%3Frisk%3Dcritical/);
    await page.getByLabel("Email").fill("auditor@countersign.test");
    await page.getByLabel("Password").fill("countersign-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/agents\?risk=critical/);
    await expect(page.getByLabel("Risk class")).toHaveValue("critical");
  });

  test("a wrong password shows a clear message and keeps the email", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("security@countersign.test");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Wrong" })).toHaveText("Wrong email or password. Check both and try again.");
    await expect(page.getByLabel("Email")).toHaveValue("security@countersign.test");
    await expect(page).toHaveURL(/\/login/);
  });

  test("signing out ends the session", async ({ page }) => {
    await signIn(page, "ops@countersign.test");
    await page.getByRole("button", { name: "Account: Priya Raman" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/agents");
    await expect(page).toHaveURL(/\/login/);
  });

  test("the API answers 401 JSON without a session, and the list with one", async ({ page, request }) => {
    const anonymous = await request.get("/api/v1/agents");
    expect(anonymous.status()).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: "unauthenticated" });
    expect((await request.get("/api/health")).ok()).toBe(true);

    await signIn(page, "leader@countersign.test");
    const response = await page.request.get("/api/v1/agents?risk=high&pageSize=2");
    expect(response.status()).toBe(200);
    const body = await response.json();
    expect(body.total).toBe(9);
    expect(body.items).toHaveLength(2);
    expect(body.items[0]).toMatchObject({ workflow: { riskClass: "high" }, environments: { production: { version: expect.any(Number) } } });
    const bad = await page.request.get("/api/v1/agents?platform=myspace");
    expect(bad.status()).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "bad_request", parameter: "platform" });
  });
});
