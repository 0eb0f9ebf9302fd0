import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { agentRows, issueToken, signIn } from "./fixtures";

// Drift, end to end: production is observed running a model version nobody approved; the record opens on
// the agent's page and in the inventory; an engineer who is not among its signers adopts it as a change; once that change is reviewed and
// released, the same observation is in sync and the record closes as adopted. meeting-brief-writer is no
// other journey's agent, so what its production runs moves only here.
const AGENT = "meeting-brief-writer";
const SWAPPED_VERSION = "2025-08-07";

type Spec = { model: { provider: string; name: string; version: string } } & Record<string, unknown>;

const ROLE_SIGNERS: Record<string, { email: string; label: string }> = {
  workflow_owner: { email: "owner2@countersign.test", label: "Workflow owner" },
  security: { email: "security@countersign.test", label: "Security" },
  engineering: { email: "engineer@countersign.test", label: "Engineering" },
  operations: { email: "ops@countersign.test", label: "Operations" },
  compliance: { email: "compliance@countersign.test", label: "Compliance" },
};

/** The release card's gates for one environment. */
const gates = (page: Page, environment: string) => page.getByRole("listitem", { name: `${environment} gates` });
const driftSection = (page: Page) => page.locator("#drift");

/** What production runs now, with its model's version swapped, as a platform export would find it. */
async function swappedProductionSpec(page: Page): Promise<Spec> {
  const agent = await (await page.request.get(`/api/v1/agents/${AGENT}`)).json();
  const { spec } = (await (await page.request.get(`/api/v1/agents/${AGENT}/versions/${agent.environments.production.version}`)).json()) as {
    spec: Spec;
  };
  expect(spec.model.version).not.toBe(SWAPPED_VERSION);
  return { ...spec, model: { ...spec.model, version: SWAPPED_VERSION } };
}

async function observe(request: APIRequestContext, token: string, spec: Spec) {
  const response = await request.post(`/api/v1/agents/${AGENT}/observations`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { environment: "production", spec, source: "nightly platform export" },
  });
  expect(response.status()).toBe(201);
  return (await response.json()) as { inSync: boolean; drift: { number: string; state: string; closedReason: string | null } | null };
}

async function signOff(browser: Browser, change: string, role: string) {
  const signer = ROLE_SIGNERS[role]!;
  const page = await browser.newPage();
  await signIn(page, signer.email);
  await page.goto(`/changes/${change}`);
  await page.getByRole("button", { name: `Approve as ${signer.label}` }).click();
  await expect(page.getByText(`Approved as ${signer.label}`, { exact: true })).toBeVisible();
  await page.close();
}

test.describe.serial("drift on meeting-brief-writer: observed, adopted as a change, released, closed", () => {
  // Each step builds on the last: a retry would observe and adopt twice.
  test.describe.configure({ retries: 0 });
  let token = "";
  let swapped: Spec;
  let drift = "";
  let change = "";

  test("an observation with a swapped model version opens a drift record, shown on the agent's page", async ({ page, request }) => {
    token = await issueToken(page, ["observe"], "e2e-drift-observer");
    swapped = await swappedProductionSpec(page);
    const observed = await observe(request, token, swapped);
    expect(observed.inSync).toBe(false);
    expect(observed.drift).toMatchObject({ state: "open" });
    drift = observed.drift!.number;

    await page.goto(`/agents/${AGENT}#drift`);
    const record = driftSection(page).getByRole("article", { name: `Drift ${drift}` });
    await expect(record).toContainText("production");
    await expect(record).toContainText("medium");
    await expect(record).toContainText(SWAPPED_VERSION);
    await expect(record.getByRole("table", { name: `Observations of ${drift}` })).toContainText("nightly platform export");
    await expect(driftSection(page)).toContainText("Last observed in production:");
    // An admin reads drift but does not resolve it.
    await expect(page.getByRole("form", { name: `Resolve ${drift}` })).toHaveCount(0);
  });

  test("the inventory lists the agent under open drift", async ({ page }) => {
    await signIn(page, "security@countersign.test");
    await page.goto("/agents?drift=open");
    await expect(agentRows(page).filter({ hasText: AGENT })).toHaveCount(1);
    await expect(agentRows(page).filter({ hasText: "call-notes-digest" })).toHaveCount(0);
  });

  test("engineer2@ adopts it as a change and lands on the new change record", async ({ page }) => {
    // engineer2@ authors the change, so engineer@ signs it for engineering: nobody approves their own change.
    await signIn(page, "engineer2@countersign.test");
    await page.goto(`/agents/${AGENT}#drift`);
    const form = page.getByRole("form", { name: `Resolve ${drift}` });
    await form.getByRole("radio", { name: "Adopt as a change" }).check();
    await form.getByRole("button", { name: "Resolve drift" }).click();
    await expect(form.getByLabel("Reason")).toBeFocused(); // required: the browser asks for it first
    await form.getByLabel("Reason").fill("The newer model version writes better briefs; make it the approved one");
    await form.getByRole("button", { name: "Resolve drift" }).click();
    await expect(page).toHaveURL(/\/changes\/CR-\d+$/);
    change = /\/changes\/(CR-\d+)$/.exec(page.url())![1]!;
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`Adopt what production runs (${drift})`);

    await page.goto(`/agents/${AGENT}#drift`);
    const record = driftSection(page).getByRole("article", { name: `Drift ${drift}` });
    await expect(record.getByRole("region", { name: "Resolution" })).toContainText("Adopted as a change");
    await expect(record.getByRole("link", { name: change })).toBeVisible();
  });

  test("the change is completed, signed by its required signers and released to production", async ({ page, browser }) => {
    test.slow();
    // The adopted change carries the observed spec; its author completes the way back and sends it to review.
    await signIn(page, "engineer2@countersign.test");
    const edited = await page.request.patch(`/api/v1/changes/${change}`, {
      data: { rollbackPlan: "Redeploy the previous approved version.", rollbackOwner: "ops@countersign.test" },
    });
    expect(edited.status()).toBe(200);
    const submitted = await page.request.post(`/api/v1/changes/${change}/submit`, { data: {} });
    expect(submitted.status()).toBe(200);
    const { requiredSignoffs } = (await submitted.json()) as { requiredSignoffs: { role: string }[] };
    expect(requiredSignoffs.map((s) => s.role)).toContain("engineering");
    for (const { role } of requiredSignoffs) await signOff(browser, change, role);

    const ops = await browser.newPage();
    await signIn(ops, "ops@countersign.test");
    await ops.goto(`/changes/${change}`);
    await expect(ops.locator("header").getByText("Approved", { exact: true })).toBeVisible();
    await ops.getByRole("button", { name: "Promote to development" }).click();
    await expect(gates(ops, "development")).toContainText("running this version");
    await ops.getByRole("button", { name: "Promote to staging" }).click();
    await expect(gates(ops, "staging")).toContainText("running this version");
    const evalForm = ops.getByRole("form", { name: "Record an eval run" });
    await evalForm.getByLabel("Passed").fill("40");
    await evalForm.getByLabel("Failed").fill("0");
    await evalForm.getByRole("button", { name: "Record eval run" }).click();
    await expect(gates(ops, "production")).toContainText("40/40 passed");
    await ops.getByRole("button", { name: "Promote to production" }).click();
    await expect(gates(ops, "production")).toContainText("running this version");
    await expect(ops.locator("header").getByText("Released", { exact: true })).toBeVisible();
    await ops.close();
  });

  test("observed again, production matches the adopted version: the drift record closes as adopted", async ({ page, request }) => {
    const observed = await observe(request, token, swapped);
    expect(observed.inSync).toBe(true);
    expect(observed.drift).toMatchObject({ number: drift, state: "closed", closedReason: "adopted" });

    await signIn(page, "ops@countersign.test");
    await page.goto(`/agents/${AGENT}#drift`);
    await expect(driftSection(page)).toContainText("No open drift");
    await expect(driftSection(page)).toContainText("matching the approved version");
    await driftSection(page)
      .getByText(/^Closed drift \(\d+\)$/)
      .click();
    await expect(
      driftSection(page).getByRole("list", { name: "Closed drift" }).getByRole("listitem").filter({ hasText: drift }),
    ).toContainText("adopted");
  });
});
