import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

/* Everything a person does with the mouse they can do from the keyboard, and the frequent paths have shortcuts. */

test("the first Tab reaches “Skip to main content”, which moves focus past the header to the page", async ({ page }) => {
  // The login page puts the cursor in Email; the skip link is still the page's first stop (Shift+Tab from Email).
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("link", { name: "Skip to main content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();

  await signIn(page, "engineer@countersign.test");
  await page.goto("/changes");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();
  // The next Tab goes into the page, not back through the header's navigation.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("navigation", { name: "Main" }).locator(":focus")).toHaveCount(0);
});

test("the account menu opens with Enter, and Escape closes it and returns focus to its button", async ({ page }) => {
  await signIn(page, "engineer@countersign.test");
  const account = page.getByRole("button", { name: "Account: Eli Navarro" });
  await account.focus();
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  await expect(menu.getByRole("menuitem", { name: "Sign out" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(account).toBeFocused();
});

test("the theme follows the system until someone picks Light or Dark in the account menu, and the pick is remembered", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await signIn(page, "engineer@countersign.test");
  const html = page.locator("html");
  await expect(html).toHaveClass(/\bdark\b/);

  await page.getByRole("button", { name: "Account: Eli Navarro" }).click();
  await page.getByRole("menuitemradio", { name: "Light" }).click();
  await expect(html).not.toHaveClass(/\bdark\b/);
  await page.keyboard.press("Escape");

  // Remembered across pages, and applied before the page's scripts load: its first frame is already light.
  await page.addInitScript(() =>
    document.addEventListener("DOMContentLoaded", () => {
      (window as unknown as { firstTheme: string }).firstTheme = document.documentElement.className;
    }),
  );
  await page.goto("/agents");
  await expect(html).not.toHaveClass(/\bdark\b/);
  expect(await page.evaluate(() => (window as unknown as { firstTheme: string }).firstTheme)).not.toMatch(/\bdark\b/);

  await page.getByRole("button", { name: "Account: Eli Navarro" }).click();
  await expect(page.getByRole("menuitemradio", { name: "Light" })).toHaveAttribute("aria-checked", "true");
  await page.getByRole("menuitemradio", { name: "System" }).click();
  await expect(html).toHaveClass(/\bdark\b/);
  await page.emulateMedia({ colorScheme: "light" });
  await expect(html).not.toHaveClass(/\bdark\b/);
});

test("g then a, c or s goes to agents, changes or sign-offs; / finds the search; ? lists the shortcuts", async ({ page }) => {
  await signIn(page, "engineer@countersign.test");

  await page.keyboard.press("g");
  await page.keyboard.press("c");
  await expect(page).toHaveURL(/\/changes$/);
  await page.keyboard.press("g");
  await page.keyboard.press("s");
  await expect(page).toHaveURL(/\/signoffs$/);
  await page.keyboard.press("g");
  await page.keyboard.press("a");
  await expect(page).toHaveURL(/\/agents$/);

  // On the agents list, / goes to its search; on a page without one, it opens the agents list's search.
  await page.keyboard.press("/");
  const search = page.getByRole("searchbox", { name: "Search agents" });
  await expect(search).toBeFocused();
  // While typing, keys are text, not shortcuts.
  await page.keyboard.type("g a /?");
  await expect(search).toHaveValue("g a /?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeHidden();
  await page.goto("/signoffs");
  await page.keyboard.press("/");
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByRole("searchbox", { name: "Search agents" })).toBeFocused();

  // A shortcut with Ctrl or ⌘ belongs to the browser.
  await search.evaluate((field) => field.blur());
  await page.keyboard.press("g");
  await page.keyboard.press("Control+c");
  await expect(page).toHaveURL(/\/agents$/);

  // ? opens the list as a modal dialog that holds focus; Escape closes it and focus goes back where it was.
  const account = page.getByRole("button", { name: "Account: Eli Navarro" });
  await account.focus();
  await page.keyboard.press("?");
  const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("row", { name: /g then a\s+Go to Agents/ })).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Close" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  expect(await dialog.evaluate((d) => d.contains(document.activeElement) || document.activeElement === document.body)).toBe(true);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(account).toBeFocused();
});
