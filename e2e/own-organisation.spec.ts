import { expect, test, type Browser, type Page } from "@playwright/test";
import { OWN_ORGANISATION_PORT } from "./ports";

/*
 * A real organisation installs Countersign with COUNTERSIGN_DEMO=off (the second web server of
 * playwright.config.ts): an empty database, no demo people. Its first admin sets up, invites the
 * people who sign, creates a workflow; an engineer registers an agent; each owner signs; it is
 * promoted to production and is active. Then the engineer is disabled, and their open tab is refused.
 */

const BASE = `http://localhost:${OWN_ORGANISATION_PORT}`;
test.use({ baseURL: BASE });
// The setup happens once per installation: a second attempt on the same database cannot start over, so no retry.
test.describe.configure({ retries: 0 });

const admin = { name: "Morgan Admin", email: "morgan@acme.example", password: "granite-harbour-lantern-51" };
const people = {
  security: { name: "Sasha Secure", email: "sasha@acme.example", role: "Security", password: "copper-meadow-violin-22" },
  engineer: { name: "Eden Engineer", email: "eden@acme.example", role: "Engineering", password: "pepper-glacier-orbit-38" },
  owner: { name: "Wren Owner", email: "wren@acme.example", role: "Workflow owner", password: "saffron-tunnel-kettle-64" },
  operator: { name: "Omar Operator", email: "omar@acme.example", role: "Operations", password: "velvet-canyon-beacon-17" },
};

const gates = (page: Page, environment: string) => page.getByRole("listitem", { name: `${environment} gates` });

/** The person opens their one-time link in a browser of their own, sets a password, and is signed in. */
async function acceptInvitation(browser: Browser, link: string, person: { name: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext({ baseURL: BASE })).newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: `Welcome, ${person.name}` })).toBeVisible();
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(`${BASE}/`);
  await expect(page.getByRole("button", { name: `Account: ${person.name}` })).toBeVisible();
  return page;
}

async function approve(page: Page, label: string, role: string) {
  await page.goto(`/changes/${label}`);
  await page.getByRole("button", { name: `Approve as ${role}` }).click();
  await expect(page.getByText(`Approved as ${role}`, { exact: true })).toBeVisible();
}

test("a new organisation: first admin, invited people, a workflow, an agent registered through review and released; a disabled engineer is out at their next click", async ({
  page,
  browser,
}) => {
  test.setTimeout(10 * 60_000);

  // Empty: no demo people, no demo banner; the login page points to the one-time setup.
  await page.goto("/login");
  await expect(page.getByText(/demo/i)).toHaveCount(0);
  await page.getByRole("link", { name: "Set up the first admin" }).click();
  await expect(page).toHaveURL(/\/setup$/);
  await page.getByLabel("Name").fill(admin.name);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("password1234");
  await page.getByRole("button", { name: "Create admin" }).click();
  await expect(page.getByText(/most common passwords/)).toBeVisible();
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Create admin" }).click();
  await expect(page).toHaveURL(`${BASE}/`);
  await expect(page.getByRole("button", { name: `Account: ${admin.name}` })).toBeVisible();
  // Once there is an admin, setup is gone.
  expect((await page.request.get("/setup")).status()).toBe(404);

  // The admin also works in engineering here, so someone other than the author can sign its part.
  await page.goto("/settings/people");
  const table = page.getByRole("table", { name: "People" });
  await table.getByRole("button", { name: `Change roles of ${admin.name}` }).click();
  const roles = page.getByRole("dialog", { name: `Roles of ${admin.name}` });
  await roles.getByRole("checkbox", { name: "Engineering" }).check();
  await roles.getByRole("button", { name: "Save roles" }).click();
  await expect(roles).toBeHidden();
  await expect(table.getByRole("row", { name: new RegExp(admin.name) })).toContainText("Engineering");

  // Each person is added with their role and passes on a one-time link; each opens it and sets a password.
  const tabs: Record<keyof typeof people, Page> = {} as Record<keyof typeof people, Page>;
  for (const [key, person] of Object.entries(people) as [keyof typeof people, (typeof people)[keyof typeof people]][]) {
    // A fresh page each time: no refresh of the previous save still on its way while the next person is typed.
    await page.goto("/settings/people");
    const form = page.getByRole("form", { name: "Add a person" });
    await form.getByLabel("Email").fill(person.email);
    await form.getByLabel("Name").fill(person.name);
    await form.getByRole("checkbox", { name: person.role, exact: true }).check();
    await expect(form.getByLabel("Email")).toHaveValue(person.email);
    await form.getByRole("button", { name: "Add person" }).click();
    const panel = page.getByRole("region", { name: `Invitation link for ${person.email}` });
    await expect(panel.locator("code")).toContainText("/welcome/");
    const link = (await panel.locator("code").textContent())!.trim();
    tabs[key] = await acceptInvitation(browser, link, person);
  }
  await page.reload();
  for (const person of Object.values(people))
    await expect(table.getByRole("row", { name: new RegExp(person.name) })).toContainText("active");

  // A workflow, owned by the workflow owner, with its risk class and why.
  await page.goto("/settings/workflows");
  const add = page.getByRole("form", { name: "Add a workflow" });
  await add.getByLabel("Name").fill("Customer refunds");
  await add.getByLabel("Owner").selectOption(people.owner.email);
  await add.getByLabel("Risk class").selectOption("medium");
  await add.getByLabel("Why this class").fill("Small refunds, capped per customer");
  await add.getByRole("button", { name: "Add workflow" }).click();
  await expect(page.getByRole("table", { name: "Workflows" })).toContainText("Customer refunds");

  // The engineer registers an agent; a bad slug is named, nothing typed is lost.
  const eng = tabs.engineer;
  await eng.goto("/agents");
  await eng.getByRole("link", { name: "Register agent" }).click();
  await eng.getByLabel("Slug").fill("Refund Helper!");
  await eng.getByRole("textbox", { name: /^Name/ }).fill("Refund helper");
  await eng.getByLabel("Description").fill("Drafts refunds for support staff to approve.");
  await eng.getByLabel("Platform").selectOption("openai-agents");
  await eng.getByLabel("Workflow").selectOption("customer-refunds");
  await eng.getByLabel("Engineering owner").selectOption(people.engineer.email);
  await eng.getByRole("button", { name: "Add harm metric" }).click();
  await eng.getByLabel("Harm metric 1: name").fill("refund reversal rate");
  await eng.getByLabel("Harm metric 1: threshold").fill("2");
  await eng.getByLabel("Rollback plan").fill("Switch the agent off in the support sidebar.");
  await eng.getByLabel("Rollback owner").selectOption(people.operator.email);
  await eng.getByRole("button", { name: "Submit for review" }).click();
  await expect(eng.locator("#agent-slug-error")).toBeVisible();
  await expect(eng.getByLabel("Rollback plan")).toHaveValue("Switch the agent off in the support sidebar.");
  await eng.getByLabel("Slug").fill("refund-helper");
  await eng.getByRole("button", { name: "Submit for review" }).click();
  await expect(eng).toHaveURL(/\/changes\/CR-\d+$/);
  const label = eng.url().split("/").at(-1)!;
  await expect(eng.locator("header").getByText("In review", { exact: true }).first()).toBeVisible();
  // A new agent in a medium workflow: medium, and all four owners asked.
  await expect(eng.getByText("medium: new agent in medium-risk workflow Customer refunds")).toBeVisible();
  await expect(eng.getByRole("list", { name: "Current sign-offs" }).getByText("waiting", { exact: true })).toHaveCount(4);
  await eng.goto("/agents");
  await expect(eng.getByRole("table", { name: "Agent inventory" }).getByRole("row", { name: /Refund helper/ })).toContainText("Proposed");

  // Each owner signs their part; the author cannot.
  await approve(tabs.owner, label, "Workflow owner");
  await approve(tabs.security, label, "Security");
  await approve(page, label, "Engineering");
  await approve(tabs.operator, label, "Operations");

  // The engineer promotes it, records the staging eval, and releases it to production.
  await eng.goto(`/changes/${label}`);
  await expect(eng.locator("header").getByText("Approved", { exact: true }).first()).toBeVisible();
  await eng.getByRole("button", { name: "Promote to development" }).click();
  await expect(gates(eng, "development")).toContainText("running this version");
  await eng.getByRole("button", { name: "Promote to staging" }).click();
  await expect(gates(eng, "staging")).toContainText("running this version");
  const evalForm = eng.getByRole("form", { name: "Record an eval run" });
  await evalForm.getByLabel("Passed").fill("120");
  await evalForm.getByLabel("Failed").fill("0");
  await evalForm.getByRole("button", { name: "Record eval run" }).click();
  await expect(gates(eng, "production")).toContainText("120/120 passed");
  await eng.getByRole("button", { name: "Promote to production" }).click();
  await expect(eng.locator("header").getByText("Released", { exact: true })).toBeVisible();

  // Active in the inventory, running v1 in production.
  await eng.goto("/agents");
  const row = eng.getByRole("table", { name: "Agent inventory" }).getByRole("row", { name: /Refund helper/ });
  await expect(row).not.toContainText("Proposed");
  await expect(row).toContainText("v1");

  // The admin disables the engineer; the engineer's open tab is refused at its next click.
  await page.goto("/settings/people");
  const engineerRow = table.getByRole("row", { name: new RegExp(people.engineer.name) });
  await engineerRow.getByRole("button", { name: `Disable ${people.engineer.name}` }).click();
  await page
    .getByRole("alertdialog", { name: `Disable ${people.engineer.name}?` })
    .getByRole("button", { name: "Disable" })
    .click();
  await expect(engineerRow).toContainText("disabled");
  await eng.getByRole("link", { name: "Changes", exact: true }).first().click();
  await expect(eng).toHaveURL(/\/login/);
  expect((await eng.request.get("/api/v1/changes")).status()).toBe(401);
});
