import { expect, test } from "@playwright/test";
import { chooseAgentByKeyboard } from "./agent-combobox";
import { signIn } from "./fixtures";

test("ops@ opens an incident against a suspected deployment, finds it first in the list, and resolves it", async ({ page }) => {
  await signIn(page, "ops@countersign.test");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: /Incidents/ })
    .click();
  await page.locator("summary", { hasText: "Open an incident" }).click();
  const form = page.getByRole("form", { name: "Open an incident" });
  await chooseAgentByKeyboard(page, form.getByRole("combobox", { name: "Agent" }), "store cred", /^Store Credit Issuer/);
  // The suspected deployment is chosen from the agent's recent deployments.
  await expect(form.getByLabel("Suspected deployment").locator("option")).not.toHaveCount(1);
  await form.getByLabel("Suspected deployment").selectOption({ index: 1 });
  await form.getByLabel("Severity").selectOption("sev2");
  await form.getByLabel("Title").fill("Store credit issued twice for one order");
  await form.getByRole("button", { name: "Open incident" }).click();
  await expect(page.getByText("Incident opened: Store credit issued twice for one order")).toBeVisible();

  const row = page
    .getByRole("table", { name: "Incidents" })
    .getByRole("row")
    .filter({ hasText: "Store credit issued twice for one order" });
  await expect(row).toContainText("SEV2");
  await expect(row).toContainText("open");
  await row.getByText("Resolve", { exact: true }).click();
  await row.getByLabel("Resolution").selectOption("fix_forward");
  await row.getByRole("button", { name: "Mark resolved" }).click();
  await expect(row.getByText("Name the change record that fixed it forward")).toBeVisible();
  await row.getByLabel("Resolution").selectOption("no_action");
  await row.getByRole("button", { name: "Mark resolved" }).click();
  await expect(page.getByText(/Resolved \(no action\): Store credit issued twice/)).toBeVisible();
  await expect(row).toContainText("resolved");
});

test("a leader reads incidents but cannot open or resolve them", async ({ page }) => {
  await signIn(page, "leader@countersign.test");
  await page.goto("/incidents?open=false");
  await expect(page.getByRole("table", { name: "Incidents" })).toBeVisible();
  await expect(page.getByText("Open an incident")).toHaveCount(0);
  await expect(page.getByText("Resolve", { exact: true })).toHaveCount(0);
});

test("incidents filtered by an agent chosen with the keyboard; the URL keeps it, and a reload names the agent", async ({ page }) => {
  await signIn(page, "leader@countersign.test");
  await page.goto("/incidents");
  const filter = page.getByRole("search").getByRole("combobox", { name: "Agent" });
  await chooseAgentByKeyboard(page, filter, "REFUND", /^Refund Assistant/);
  await expect(page).toHaveURL(/\/incidents\?agent=refund-assistant$/);
  const table = page.getByRole("table", { name: "Incidents" });
  const empty = page.getByText("No incidents match");
  await expect(table.or(empty)).toBeVisible();
  if (await table.isVisible()) {
    for (const row of await table.locator("tbody tr").all()) await expect(row).toContainText("Refund Assistant");
  }
  await page.reload();
  await expect(page.getByRole("search").getByRole("combobox", { name: "Agent" })).toHaveValue("Refund Assistant");

  // Nothing matches: the box says so, and Escape leaves the filter as it was.
  const box = page.getByRole("search").getByRole("combobox", { name: "Agent" });
  await box.fill("zz-no-such-agent");
  await expect(page.getByRole("status").filter({ hasText: "No agent matches “zz-no-such-agent”" })).toBeVisible();
  await box.press("Escape");
  await box.press("Escape");
  await expect(box).toHaveValue("Refund Assistant");
  await expect(page).toHaveURL(/agent=refund-assistant$/);
});
