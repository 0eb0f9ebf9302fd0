import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

// Registering an agent grows the demo estate, whose counts other journeys check (e2e/inventory.spec.ts): this
// file runs after all of them, as its own Playwright project (playwright.config.ts).

const FIXTURES = path.resolve("lib/importers/fixtures");

/** Every file of a fixture folder, as a person would pick them all in the file chooser. */
function filesOf(folder: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) =>
      statSync(path.join(dir, name)).isDirectory() ? walk(path.join(dir, name)) : [path.join(dir, name)],
    );
  return walk(path.join(FIXTURES, folder)).sort();
}

test.beforeEach(async ({ page }) => {
  await signIn(page, "engineer@countersign.test");
});

test("an engineer imports a Copilot Studio agent, sees what was inferred, and registers it through review from the prefilled form", async ({
  page,
}) => {
  await page.goto("/agents");
  await page.getByRole("link", { name: "Import from a platform" }).click();
  await expect(page).toHaveURL(/\/agents\/import$/);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByLabel("Files", { exact: true }).setInputFiles(filesOf("copilot-studio/travel-desk"));

  const read = page.getByRole("region", { name: "What was read" });
  await expect(read).toContainText("Microsoft Copilot Studio");
  await expect(read.getByRole("heading", { level: 2, name: /^Contoso Travel Desk/ })).toBeVisible();
  await expect(read.getByText("inferred", { exact: true }).first()).toBeVisible();
  await expect(read.getByRole("list", { name: "Warnings for Contoso Travel Desk" }).getByRole("listitem").first()).toBeVisible();
  await expect(read.getByLabel("Spec of Contoso Travel Desk")).toContainText("autonomy:");
  await page.screenshot({ path: "test-results/import-page.png", fullPage: true });

  await page.getByRole("button", { name: "Register as a new agent" }).click();
  await expect(page).toHaveURL(/\/agents\/new$/);
  await expect(page.getByRole("textbox", { name: /^Name/ })).toHaveValue("Contoso Travel Desk");
  await expect(page.getByRole("combobox", { name: /^Platform/ })).toHaveValue("copilot-studio");
  await expect(page.getByLabel("Paste the agent spec as YAML or JSON")).toHaveValue(/service-now/);

  // Registered in a low-risk workflow, so the estate's counts by risk stay as other journeys expect them.
  const slug = `travel-desk-${Date.now().toString(36)}`;
  await page.getByLabel("Slug").fill(slug);
  await page.getByLabel("Workflow").selectOption("account-notes");
  await page.getByLabel("Engineering owner").selectOption("engineer@countersign.test");
  await page.getByRole("button", { name: "Add harm metric" }).click();
  await page.getByLabel("Harm metric 1: name").fill("emails sent without a traveller's request");
  await page.getByLabel("Harm metric 1: threshold").fill("0");
  await page.getByLabel("Rollback plan").fill("Unpublish the agent in Copilot Studio.");
  await page.getByLabel("Rollback owner").selectOption("ops@countersign.test");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+$/);
  await expect(page.locator("header").getByText("In review", { exact: true }).first()).toBeVisible();
  await page.goto(`/agents/${slug}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Contoso Travel Desk");
});
