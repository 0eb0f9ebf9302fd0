import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test("admin@ issues a read token, sees it once, uses it, and revokes it: the API refuses it at once", async ({ page, request }) => {
  await signIn(page, "admin@countersign.test");
  await page.getByRole("button", { name: /^Account:/ }).click();
  await page.getByRole("menuitem", { name: "API tokens" }).click();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  await expect(page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Sign-off policy" })).toHaveAttribute(
    "href",
    "/settings/policy",
  );

  const name = `e2e-read-${Date.now()}`;
  const form = page.getByRole("form", { name: "Issue an API token" });
  await form.getByLabel("Name").fill(name);
  // No scope chosen: the server says so beside the scopes.
  await form.getByRole("button", { name: "Issue token" }).click();
  await expect(form.getByText("Choose at least one scope")).toBeVisible();
  await expect(form.getByText("Read agents, changes and evidence")).toBeVisible();
  await form.getByRole("checkbox", { name: "read", exact: true }).check();
  await form.getByRole("button", { name: "Issue token" }).click();

  // The secret, once, with the warning and a curl example.
  const panel = page.getByRole("region", { name: `Copy the token for “${name}” now` });
  await expect(panel).toContainText("It will not be shown again");
  await expect(panel).toContainText('curl -H "Authorization: Bearer');
  await expect(panel).toContainText("/api/v1/agents");
  const token = await panel.getByLabel("New API token").inputValue();
  expect(token).toMatch(/^cst_[A-Za-z0-9_-]{43}$/);

  const row = page.getByRole("table", { name: "API tokens" }).getByRole("row", { name: new RegExp(name) });
  const lastUsed = row.getByRole("cell").nth(3);
  const status = row.getByRole("cell").nth(4);
  await expect(status).toHaveText("active");
  await expect(lastUsed).toHaveText("never");

  const auth = { Authorization: `Bearer ${token}` };
  const allowed = await request.get("/api/v1/agents", { headers: auth });
  expect(allowed.status()).toBe(200);
  expect((await allowed.json()).total).toBeGreaterThan(0);

  // Shown once: after a reload the secret is gone, and the list says the token was used.
  await page.reload();
  await expect(page.getByLabel("New API token")).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);
  await expect(lastUsed).not.toHaveText("never");

  // Revoking asks first; cancelling changes nothing.
  const revoke = row.getByRole("button", { name: `Revoke ${name}` });
  await revoke.click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText(`Revoke “${name}”?`);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await expect(status).toHaveText("active");

  await revoke.click();
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByText(`Token “${name}” revoked`)).toBeVisible();
  await expect(status).toContainText("revoked");
  await expect(revoke).toHaveCount(0);

  const refused = await request.get("/api/v1/agents", { headers: auth });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({ error: "unauthenticated" });
});

test("engineer@ is told only admins manage API tokens, and has no way to issue or revoke one", async ({ page }) => {
  await signIn(page, "engineer@countersign.test");
  await page.getByRole("button", { name: /^Account:/ }).click();
  await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeVisible();
  await expect(page.getByRole("menuitem", { name: "API tokens" })).toHaveCount(0);
  await page.keyboard.press("Escape");

  await page.goto("/settings/tokens");
  await expect(page.getByText("Only admins manage API tokens.")).toBeVisible();
  await expect(page.getByRole("link", { name: "audit log" })).toHaveAttribute("href", "/audit?entity=api_token");
  await expect(page.getByRole("form", { name: "Issue an API token" })).toHaveCount(0);
  await expect(page.getByRole("table", { name: "API tokens" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
});
