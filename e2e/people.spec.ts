import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test("admin@ adds a person, who sets a password through the invitation link and is signed in; disabled, they are out at the next page", async ({
  page,
  browser,
}) => {
  await signIn(page, "admin@countersign.test");
  await page.getByRole("button", { name: /^Account:/ }).click();
  await page.getByRole("menuitem", { name: "People" }).click();
  await expect(page).toHaveURL(/\/settings\/people$/);
  await expect(page.getByRole("heading", { level: 1, name: "People" })).toBeVisible();

  const email = `e2e-${Date.now()}@example.com`;
  const name = `Noor E2E ${Date.now() % 10_000}`;
  const form = page.getByRole("form", { name: "Add a person" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Name").fill(name);
  await form.getByRole("checkbox", { name: "Engineering" }).check();
  await form.getByRole("button", { name: "Add person" }).click();
  const panel = page.getByRole("region", { name: `Invitation link for ${email}` });
  await expect(panel).toContainText("will not be shown again");
  const link = (await panel.locator("code").textContent())!.trim();
  expect(link).toMatch(/\/welcome\/[\w-]{40,}$/);
  const row = page.getByRole("table", { name: "People" }).getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("invited");

  // The invited person, in a browser of their own.
  const theirs = await browser.newContext();
  const them = await theirs.newPage();
  await them.goto(link);
  await expect(them.getByRole("heading", { name: `Welcome, ${name}` })).toBeVisible();
  await them.getByLabel("Password").fill("password1234");
  await them.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(them.getByText(/most common passwords/)).toBeVisible();
  await them.getByLabel("Password").fill("tulip-ocean-ladder-94");
  await them.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(them).toHaveURL(/\/$/);
  await expect(them.getByRole("button", { name: `Account: ${name}` })).toBeVisible();

  // Used once: the link now says only that it is no longer valid.
  const other = await (await browser.newContext()).newPage();
  await other.goto(link);
  await expect(other.getByRole("heading", { name: "This link is no longer valid" })).toBeVisible();

  // Disabled: their very next page is the sign-in page.
  await page.reload();
  await expect(row).toContainText("active");
  await row.getByRole("button", { name: `Disable ${name}` }).click();
  await page
    .getByRole("alertdialog", { name: `Disable ${name}?` })
    .getByRole("button", { name: "Disable" })
    .click();
  await expect(row).toContainText("disabled");
  await them.goto("/changes");
  await expect(them).toHaveURL(/\/login/);
  await theirs.close();
});
