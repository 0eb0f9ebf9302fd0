import { expect, test, type Page } from "@playwright/test";
import { chooseAgentByKeyboard } from "./agent-combobox";
import { signIn } from "./fixtures";

const panel = (page: Page) => page.getByRole("complementary", { name: "Live review" });

test("an engineer raises the refund limit: the panel shows the escalation, tier high and four signers; submitted, it waits on them", async ({
  page,
}) => {
  await signIn(page, "engineer@countersign.test");
  await page.goto("/agents/refund-assistant");
  await page.getByRole("link", { name: "Propose a change" }).click();
  await expect(page).toHaveURL(/\/changes\/new\?agent=refund-assistant/);
  await page.getByLabel("Limit for refunds.create").fill("5000");
  await expect(panel(page)).toContainText(/refunds\.create limit raised \d+ → 5000 USD/);
  await expect(panel(page).getByText("escalation").first()).toBeVisible();
  await expect(panel(page).getByText("high", { exact: true })).toBeVisible();
  const signers = panel(page).getByRole("list", { name: "Required signers" });
  for (const role of ["Workflow owner", "Security", "Engineering", "Operations"]) await expect(signers).toContainText(role);

  // Submitting without the attested fields names each one.
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.locator("#title-error")).toHaveText("Give the change a title");
  await expect(page.getByText(/Add at least one harm metric: this change escalates authority/).first()).toBeVisible();
  // A refused first submission creates nothing: the editor stays on the new change, with what was typed.
  await expect(page).toHaveURL(/\/changes\/new\?agent=refund-assistant/);

  await page.getByLabel("Title").fill("Raise the refund limit to 5000 USD");
  await page.getByRole("button", { name: "Add harm metric" }).click();
  await page.getByLabel("Harm metric 1: name").fill("refund reversal rate");
  await page.getByLabel("Harm metric 1: threshold").fill("2");
  await page.getByLabel("Rollback plan").fill("Redeploy the previous approved version from the agent page.");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+$/);
  await expect(page.locator("header").getByText("In review", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("list", { name: "Required signers" })).toContainText("Operations");
  await expect(page.getByRole("list", { name: "Current sign-offs" }).getByText("waiting", { exact: true })).toHaveCount(4);
});

test("a wording change on a read-only agent is a pre-approved standard change", async ({ page }) => {
  await signIn(page, "engineer2@countersign.test");
  await page.goto("/changes/new?agent=account-notes-summarizer");
  await page
    .getByLabel("Instructions")
    .fill("Summarise the last ninety days of account notes in five short bullet points.\nQuote figures exactly as written in the notes.");
  await expect(panel(page)).toContainText("Standard change: pre-approved under “Instructions wording on a read-only agent”");
  await expect(panel(page).getByText("low", { exact: true })).toBeVisible();
  await page.getByLabel("Title").fill("Shorter bullets");
  await page.getByLabel("Rollback plan").fill("Redeploy the previous version.");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+$/);
  await expect(page.getByText("Approved", { exact: true }).first()).toBeVisible();
});

test("broken YAML names its line, and the draft is still there after a reload", async ({ page }) => {
  await signIn(page, "engineer@countersign.test");
  await page.goto("/changes/new?agent=incident-triage-bot");
  await page.getByRole("tab", { name: "YAML / JSON" }).click();
  const broken = "model:\n  provider: openai\n  name: [gpt-4.1\nautonomy: bounded\n";
  await page.getByLabel("Paste the agent spec as YAML or JSON").fill(broken);
  await expect(panel(page)).toContainText(/Line \d+/);
  await page.getByLabel("Title").fill("Work in progress");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+\/edit/);
  await page.reload();
  await expect(page.getByLabel("Paste the agent spec as YAML or JSON")).toHaveValue(broken);
  await expect(page.getByLabel("Title")).toHaveValue("Work in progress");
  await expect(panel(page)).toContainText(/Line \d+/);
});

test("unsaved edits survive a reload of the editor", async ({ page }) => {
  await signIn(page, "engineer@countersign.test");
  await page.goto("/changes/new?agent=chargeback-responder");
  await page.getByLabel("Title").fill("Typed but not saved");
  await page.waitForTimeout(300);
  await page.reload();
  await expect(page.getByLabel("Title")).toHaveValue("Typed but not saved");
});

test("security finds the changes waiting on their sign-off", async ({ page }) => {
  await signIn(page, "security@countersign.test");
  await page.goto("/changes");
  await page.getByLabel("Needs my sign-off").click();
  await expect(page).toHaveURL(/needsMySignoff=1/);
  await expect(page.getByLabel("Needs my sign-off")).toBeChecked();
  const rows = page.getByRole("table", { name: "Change records" }).locator("tbody tr");
  await expect(rows.first()).toContainText("Security");
  await expect(rows.first()).toContainText("In review");
});

test("an auditor filters the change records by an agent found by typing, with the keyboard; a link keeps it, and back returns to it", async ({
  page,
}) => {
  await signIn(page, "auditor@countersign.test");
  await page.goto("/changes");
  const filter = page.getByRole("search").getByRole("combobox", { name: "Agent" });
  await expect(filter).toHaveAttribute("aria-expanded", "false");
  // "assist" is inside the name, not its start: the server finds substrings too.
  await chooseAgentByKeyboard(page, filter, "assist", /^Refund Assistant/);
  await expect(page).toHaveURL(/\/changes\?agent=refund-assistant$/);
  const rows = page.getByRole("table", { name: "Change records" }).locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) await expect(row).toContainText("Refund Assistant");
  await expect(filter).toHaveValue("Refund Assistant");

  // The link holds the filter: opened afresh, the box names the agent (looked up on the server).
  await page.goto("/changes?agent=refund-assistant&state=released");
  await expect(page.getByRole("search").getByRole("combobox", { name: "Agent" })).toHaveValue("Refund Assistant");
  await page.getByRole("search").getByRole("button", { name: "Clear Agent" }).click();
  await expect(page).toHaveURL(/\/changes\?state=released$/);
  await page.goBack();
  await expect(page).toHaveURL(/agent=refund-assistant/);
  await expect(page.getByRole("search").getByRole("combobox", { name: "Agent" })).toHaveValue("Refund Assistant");
});

test("an admin publishes a new policy version; others can only read it", async ({ page, browser }) => {
  await signIn(page, "admin@countersign.test");
  await page.goto("/settings/policy");
  await expect(page.getByText(/^Version \d+\./)).toBeVisible();
  const version = Number((await page.getByText(/^Version \d+\./).textContent())!.match(/Version (\d+)/)![1]);
  await page.getByLabel("medium: Security").check();
  await page.getByRole("button", { name: `Publish as version ${version + 1}` }).click();
  await expect(page.getByText(`Policy version ${version + 1} published`)).toBeVisible();
  await expect(page.getByText(`Version ${version + 1}.`)).toBeVisible();

  const other = await browser.newPage();
  await signIn(other, "security@countersign.test");
  await other.goto("/settings/policy");
  await expect(other.getByText("Only admins can change it.")).toBeVisible();
  await expect(other.getByRole("button", { name: /Publish/ })).toHaveCount(0);
  await other.close();
});

test("an author withdraws a draft, with a reason", async ({ page }) => {
  await signIn(page, "engineer@countersign.test");
  await page.goto("/changes/new?agent=renewal-reminder");
  await page.getByLabel("Title").fill("Remind two weeks earlier");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page).toHaveURL(/\/changes\/CR-\d+\/edit/);
  const label = page.url().match(/CR-\d+/)![0];
  await page.goto(`/changes/${label}`);
  await page.getByRole("button", { name: "Withdraw…" }).click();
  await page.getByLabel("Reason for withdrawing").fill("Sales ops changed their mind");
  await page.getByRole("button", { name: `Withdraw ${label}` }).click();
  await expect(page.getByText("Withdrawn", { exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit" })).toHaveCount(0);
});

test("the change-record API: 201 on propose, 422 naming the field, edit and submit by number", async ({ page }) => {
  await signIn(page, "engineer2@countersign.test");
  const agent = await (await page.request.get("/api/v1/agents/gdpr-request-handler")).json();
  const production = agent.environments.production.version;
  const { spec } = await (await page.request.get(`/api/v1/agents/gdpr-request-handler/versions/${production}`)).json();

  const broken = structuredClone(spec);
  broken.tools[0].actions[0].access = "owner";
  const invalid = await page.request.post("/api/v1/changes", {
    data: { agent: "gdpr-request-handler", title: "x", spec: broken, submit: true },
  });
  expect(invalid.status()).toBe(422);
  const body = await invalid.json();
  expect(body).toMatchObject({
    error: "validation_failed",
    fieldErrors: { "spec.tools.0.actions.0.access": ['Access must be "read", "write" or "admin"'] },
  });

  spec.traceRetentionDays = 1095;
  const created = await page.request.post("/api/v1/changes", {
    data: {
      agent: "gdpr-request-handler",
      title: "Keep traces three years",
      spec,
      rollbackPlan: "Redeploy the previous version.",
      rollbackOwner: "ops@countersign.test",
    },
  });
  expect(created.status()).toBe(201);
  const change = await created.json();
  expect(change).toMatchObject({
    number: expect.stringMatching(/^CR-\d+$/),
    state: "draft",
    agent: "gdpr-request-handler",
    riskTier: "low",
    signoffs: [],
  });
  expect(change.permissionDiff[0]).toMatchObject({ kind: "trace_retention_changed", domain: "incident_path" });

  const edited = await page.request.patch(`/api/v1/changes/${change.number}`, { data: { rationale: "Regulators asked for it." } });
  expect((await edited.json()).rationale).toBe("Regulators asked for it.");
  const submitted = await page.request.post(`/api/v1/changes/${change.number}/submit`);
  expect(submitted.status()).toBe(200);
  expect(await submitted.json()).toMatchObject({
    state: "in_review",
    requiredSignoffs: [{ role: "operations", reason: "the change touches incident path" }],
  });
  const again = await page.request.post(`/api/v1/changes/${change.number}/submit`);
  expect(again.status()).toBe(409);
  const list = await (await page.request.get("/api/v1/changes?agent=gdpr-request-handler&state=in_review")).json();
  expect(list.items.map((c: { number: string }) => c.number)).toContain(change.number);
  const malformed = await page.request.post("/api/v1/changes", { data: "not json", headers: { "content-type": "application/json" } });
  expect(malformed.status()).toBe(400);
});
