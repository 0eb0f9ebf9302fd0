import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test("admin@ adds a workflow, raises its class with a reason, and moves an agent into it", async ({ page }) => {
  await signIn(page, "admin@countersign.test");
  await page.goto("/settings/workflows");
  await expect(page.getByRole("heading", { level: 1, name: "Workflows" })).toBeVisible();

  const stamp = Date.now();
  const name = `E2E Payouts ${stamp}`;
  const slug = `e2e-payouts-${stamp}`;
  const add = page.getByRole("form", { name: "Add a workflow" });
  await add.getByLabel("Name").fill(name);
  await add.getByLabel("Owner").selectOption("owner@countersign.test");
  await add.getByLabel("Risk class").selectOption("medium");
  await add.getByLabel("Why this class").fill("pays partners");
  await add.getByRole("button", { name: "Add workflow" }).click();
  const row = page.getByRole("table", { name: "Workflows" }).getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText(slug);
  await expect(row).toContainText("medium");

  // A new class without a new reason is refused beside the reason.
  await row.getByText(`Change ${name}`).click();
  const change = page.getByRole("form", { name: `Change ${name}` });
  await change.getByLabel("Risk class").selectOption("critical");
  await expect(change.getByLabel("Why this class")).toHaveValue("");
  await change.getByRole("button", { name: "Save changes" }).click();
  await expect(change.getByText(/the reason is required when the risk class changes/)).toBeVisible();
  await change.getByLabel("Why this class").fill("pays partners large sums");
  await change.getByRole("button", { name: "Save changes" }).click();
  await expect(row).toContainText("critical");
  await expect(row).toContainText("pays partners large sums");

  // The agent's details: moved into the new workflow.
  await page.goto("/agents/sla-breach-watcher");
  await page.getByRole("link", { name: "Edit details" }).click();
  await expect(page).toHaveURL(/\/agents\/sla-breach-watcher\/edit$/);
  const details = page.getByRole("form", { name: "Agent details" });
  await details.getByLabel("Workflow").selectOption(slug);
  await expect(details.getByRole("note")).toContainText("re-assesses the agent’s open changes");
  await details.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByText(/details saved/)).toBeVisible();
  const agent = await page.request.get("/api/v1/agents/sla-breach-watcher");
  expect((await agent.json()).workflow).toMatchObject({ slug, riskClass: "critical" });
});

test("leader@ reads that only admins manage workflows, and cannot edit an agent's details", async ({ page }) => {
  await signIn(page, "leader@countersign.test");
  await page.goto("/settings/workflows");
  await expect(page.getByText("Only admins manage workflows.")).toBeVisible();
  await expect(page.getByRole("form", { name: "Add a workflow" })).toHaveCount(0);
  await page.goto("/agents/sla-breach-watcher");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit details" })).toHaveCount(0);
  await page.goto("/agents/sla-breach-watcher/edit");
  await expect(page.getByText("Only admins and the agent’s engineering owner edit its details.")).toBeVisible();
});
