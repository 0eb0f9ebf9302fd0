import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { chooseAgentByKeyboard } from "./agent-combobox";
import { signIn } from "./fixtures";

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

test("an engineer imports a Copilot Studio agent, sees what was inferred, and registers it from the prefilled form", async ({ page }) => {
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
  // Not submitted: the demo inventory keeps its count.
});

test("an engineer proposes an imported Agentforce agent as a change and sees the permission diff before anything is saved", async ({
  page,
}) => {
  await page.goto("/agents/import");
  await page.getByLabel("Files", { exact: true }).setInputFiles(filesOf("salesforce-agentforce/resort"));
  const read = page.getByRole("region", { name: "What was read" });
  await expect(read).toContainText("Salesforce Agentforce");
  await expect(read.getByRole("heading", { level: 2, name: /^Resort Concierge/ })).toBeVisible();

  await chooseAgentByKeyboard(page, page.getByRole("combobox", { name: "Agent to change" }), "Refund", /Refund Assistant/);
  const diff = page.getByRole("region", { name: "Permission diff against Refund Assistant" });
  await expect(diff).toContainText(/\d+ changes?/);
  await expect(read).toContainText("Nothing has been saved.");

  await page.getByRole("button", { name: "Propose as a change to Refund Assistant" }).click();
  await expect(page).toHaveURL(/\/changes\/new\?agent=refund-assistant$/);
  await expect(page.getByText("The proposed spec is the one imported from Salesforce Agentforce")).toBeVisible();
  await expect(page.getByLabel("Paste the agent spec as YAML or JSON")).toHaveValue(/Issue_Resort_Credit/);
  // Not saved: the editor only holds the spec in this browser.
});

test("a file that is no platform's definition is named in the error, and the chosen files stay listed", async ({ page }) => {
  await page.goto("/agents/import");
  await page
    .getByLabel("Files", { exact: true })
    .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await expect(page.getByRole("alert").filter({ hasText: "Could not import" })).toContainText("notes.txt");
  await expect(page.getByRole("list", { name: "Chosen files" })).toContainText("notes.txt");
});
