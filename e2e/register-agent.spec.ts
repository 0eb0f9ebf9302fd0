import { expect, test, type Page } from "@playwright/test";
import { agentRows, signIn } from "./fixtures";

const panel = (page: Page) => page.getByRole("complementary", { name: "Live review" });

test("an engineer registers an agent through review: a taken slug is named and nothing typed is lost; submitted, the change page shows it in review", async ({
  page,
}) => {
  await signIn(page, "engineer@countersign.test");
  await page.goto("/agents");
  await page.getByRole("link", { name: "Register agent" }).click();
  await expect(page).toHaveURL(/\/agents\/new$/);

  await page.getByLabel("Slug").fill("refund-assistant");
  await page.getByRole("textbox", { name: /^Name/ }).fill("Note reader");
  await page.getByLabel("Description").fill("Reads account notes for support staff.");
  await page.getByLabel("Platform").selectOption("openai-agents");
  await page.getByLabel("Workflow").selectOption("account-notes");
  await expect(panel(page)).toContainText("Compared with nothing yet: a new agent");
  await expect(panel(page).getByText("medium", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Add harm metric" }).click();
  await page.getByLabel("Harm metric 1: name").fill("wrong summary rate");
  await page.getByLabel("Harm metric 1: threshold").fill("5");
  await page.getByLabel("Rollback plan").fill("Turn the agent off in the support sidebar.");
  await page.getByLabel("Rollback owner").selectOption("ops@countersign.test");

  // The slug is taken: said next to it, and the registration creates nothing.
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.locator("#agent-slug-error")).toHaveText('The slug "refund-assistant" is taken by another agent');
  await expect(page).toHaveURL(/\/agents\/new$/);
  await expect(page.getByRole("textbox", { name: /^Name/ })).toHaveValue("Note reader");
  await expect(page.getByLabel("Rollback plan")).toHaveValue("Turn the agent off in the support sidebar.");

  await page.getByLabel("Slug").fill("e2e-note-reader");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+$/);
  const label = page.url().split("/").at(-1)!;
  await expect(page.getByRole("heading", { name: "Register Note reader" })).toBeVisible();
  await expect(page.locator("header").getByText("In review", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("list", { name: "Current sign-offs" }).getByText("waiting", { exact: true })).toHaveCount(4);

  // Withdrawn at once, so the demo inventory other specs count stays as it was; the agent is kept, withdrawn.
  await page.getByRole("button", { name: "Withdraw…" }).click();
  await page.getByLabel("Reason for withdrawing").fill("Registered by the end-to-end test");
  await page.getByRole("button", { name: `Withdraw ${label}` }).click();
  await expect(page.getByText("Withdrawn", { exact: true }).first()).toBeVisible();
  await page.goto("/agents?status=withdrawn");
  await expect(agentRows(page).filter({ hasText: "e2e-note-reader" })).toHaveCount(1);
  await expect(
    agentRows(page)
      .first()
      .getByRole("link", { name: new RegExp(`Withdrawn.*${label}`) }),
  ).toBeVisible();
});
