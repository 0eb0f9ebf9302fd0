import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

/** The release card's gates for one environment. */
const gates = (page: Page, environment: string) => page.getByRole("listitem", { name: `${environment} gates` });

async function openChange(page: Page, agent: string, title: RegExp) {
  await page.goto(`/changes?agent=${agent}`);
  await page.getByRole("link", { name: title }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
}

test.describe.serial("releasing refund-assistant's approved limit raise, then rolling it back", () => {
  // ops@ releases it: by the default policy an engineer may not release their own high-risk change.
  test("ops@ promotes it development → staging, records the staging eval, and releases it to production", async ({ page }) => {
    await signIn(page, "ops@countersign.test");
    await openChange(page, "refund-assistant", /Raise the refunds\.create limit to \d+ USD/);
    // Production waits for a clean staging eval of this exact spec; the checklist says so and who can fix it.
    await expect(gates(page, "production")).toContainText("no eval run recorded in staging");
    await expect(gates(page, "production")).toContainText("Who can fix it: engineering");
    // The ladder: staging takes only what ran in development.
    await expect(gates(page, "staging")).toContainText("has not run in development");
    await expect(page.getByRole("button", { name: "Promote to production" })).toHaveCount(0);

    await page.getByRole("button", { name: "Promote to development" }).click();
    await expect(gates(page, "development")).toContainText("running this version");
    await page.getByRole("button", { name: "Promote to staging" }).click();
    await expect(gates(page, "staging")).toContainText("running this version");

    const evalForm = page.getByRole("form", { name: "Record an eval run" });
    await evalForm.getByLabel("Passed").fill("180");
    await evalForm.getByLabel("Failed").fill("0");
    await evalForm.getByRole("button", { name: "Record eval run" }).click();
    await expect(page.getByText(/Eval run recorded: 180\/180 passed in staging/)).toBeVisible();
    await expect(gates(page, "production")).toContainText("180/180 passed");

    await page.getByRole("button", { name: "Promote to production" }).click();
    await expect(gates(page, "production")).toContainText("running this version");
    await expect(page.locator("header").getByText("Released", { exact: true })).toBeVisible();
  });

  test("ops@ rolls production back with a reason; the change is rolled back and an incident is opened", async ({ page }) => {
    await signIn(page, "ops@countersign.test");
    await page.goto("/agents/refund-assistant");
    const form = page.getByRole("form", { name: "Roll back" });
    await form.getByRole("button", { name: /Roll back production/ }).click();
    await expect(form.getByLabel("Reason")).toBeFocused(); // required: the browser asks for it first
    await form.getByLabel("Reason").fill("Refund reversals doubled after the limit raise");
    await form.getByRole("button", { name: /Roll back production/ }).click();
    await expect(page.getByText(/production runs v\d+ again; CR-\d+ marked rolled back; incident/)).toBeVisible();
    const incidents = page.locator("section").filter({ has: page.getByRole("heading", { name: "Incidents" }) });
    await expect(incidents).toContainText("Refund reversals doubled after the limit raise");

    await page
      .getByRole("link", { name: /Incidents/ })
      .first()
      .click();
    await expect(page).toHaveURL(/\/incidents/);
    await expect(page.getByRole("table", { name: "Incidents" })).toContainText("Refund reversals doubled after the limit raise");

    await openChange(page, "refund-assistant", /Raise the refunds\.create limit to \d+ USD/);
    await expect(page.locator("header").getByText("Rolled back", { exact: true })).toBeVisible();
  });
});

test("ops@ releases the crm-record-updater emergency fix on one approval; its retro sign-off deadline shows", async ({ page }) => {
  await signIn(page, "ops@countersign.test");
  await openChange(page, "crm-record-updater", /Contain:/);
  await expect(gates(page, "production")).toContainText("emergency path");
  await expect(gates(page, "production")).toContainText("emergency release approved by");
  await page.getByRole("button", { name: "Release as emergency" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Retro sign-off due" })).toContainText(/in 2 days|in 1 day|in 4\d hours/);
  await expect(page.locator("header").getByText("Released", { exact: true })).toBeVisible();
});

test("the API: a gate failure is a 409 naming the gates, and of 20 parallel promotions exactly one deploys", async ({ page }) => {
  await signIn(page, "engineer@countersign.test");
  const drafts = (await (await page.request.get("/api/v1/changes?state=draft&pageSize=100")).json()).items as {
    number: string;
    agent: string;
  }[];
  let draft: { number: string; agent: string } | undefined;
  for (const candidate of drafts.filter((c) => !["refund-assistant", "crm-record-updater", "meeting-brief-writer"].includes(c.agent))) {
    const detail = await (await page.request.get(`/api/v1/changes/${candidate.number}`)).json();
    if (detail.specHash) {
      draft = candidate;
      break;
    }
  }
  if (!draft) throw new Error("The demo estate has no draft with a valid spec");

  const refused = await page.request.post(`/api/v1/changes/${draft.number}/promote`, { data: { environment: "production" } });
  expect(refused.status()).toBe(409);
  const body = await refused.json();
  expect(body.error).toBe("gate_failed");
  expect(body.gates).toContainEqual(expect.objectContaining({ gate: "change_state", met: false }));

  const responses = await Promise.all(
    Array.from({ length: 20 }, () =>
      page.request.post(`/api/v1/changes/${draft.number}/promote`, { data: { environment: "development" } }),
    ),
  );
  const statuses = responses.map((r) => r.status()).sort();
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  const log = await (await page.request.get(`/api/v1/deployments?agent=${draft.agent}&environment=development&pageSize=5`)).json();
  expect(log.items.filter((d: { changeNumber: string }) => d.changeNumber === draft.number)).toHaveLength(1);
});
