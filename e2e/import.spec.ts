import { readdirSync, readFileSync, statSync } from "node:fs";
import { zipSync } from "fflate";
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

test("an engineer proposes an imported Agentforce agent as a change, seeing the permission diff before anything is saved, and saves it", async ({
  page,
}) => {
  await page.goto("/agents/import");
  await page.getByLabel("Files", { exact: true }).setInputFiles(filesOf("salesforce-agentforce/resort"));
  const read = page.getByRole("region", { name: "What was read" });
  await expect(read).toContainText("Salesforce Agentforce");
  await expect(read.getByRole("heading", { level: 2, name: /^Resort Concierge/ })).toBeVisible();

  await chooseAgentByKeyboard(page, page.getByRole("combobox", { name: "Agent to change" }), "Renewal", /Renewal Negotiator/);
  const diff = page.getByRole("region", { name: "Permission diff against Renewal Negotiator" });
  await expect(diff).toContainText(/\d+ changes?/);
  await expect(read).toContainText("Nothing has been saved.");

  await page.getByRole("button", { name: "Propose as a change to Renewal Negotiator" }).click();
  await expect(page).toHaveURL(/\/changes\/new\?agent=renewal-negotiator$/);
  await expect(page.getByText("The proposed spec is the one imported from Salesforce Agentforce")).toBeVisible();
  await expect(page.getByLabel("Paste the agent spec as YAML or JSON")).toHaveValue(/Issue_Resort_Credit/);
  await page.getByLabel("Title").fill("Move the negotiator to the resort concierge's definition");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+\/edit/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Renewal Negotiator");
  await expect(page.getByRole("textbox", { name: "Action name (salesforce 3)" })).toHaveValue("Issue_Resort_Credit");
});

test("an Agentforce export chosen as a .zip is unpacked in the browser, and what it held but was not read is listed", async ({ page }) => {
  await page.goto("/agents/import");
  const entries: Record<string, Uint8Array> = { "icon.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1]) };
  for (const file of filesOf("salesforce-agentforce/resort")) entries[path.relative(FIXTURES, file)] = new Uint8Array(readFileSync(file));
  await page
    .getByLabel("Files", { exact: true })
    .setInputFiles({ name: "unpackaged.zip", mimeType: "application/zip", buffer: Buffer.from(zipSync(entries)) });
  const read = page.getByRole("region", { name: "What was read" });
  await expect(read).toContainText("Salesforce Agentforce");
  await expect(read.getByRole("heading", { level: 2, name: /^Resort Concierge/ })).toBeVisible();
  await expect(page.getByRole("list", { name: "Not read from the archive" })).toContainText(
    "unpackaged.zip/icon.png: skipped, not a text file",
  );
});

test("a file that is no platform's definition is named in the error, and the chosen files stay listed", async ({ page }) => {
  await page.goto("/agents/import");
  await page
    .getByLabel("Files", { exact: true })
    .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await expect(page.getByRole("alert").filter({ hasText: "Could not import" })).toContainText("notes.txt");
  await expect(page.getByRole("list", { name: "Chosen files" })).toContainText("notes.txt");
});
