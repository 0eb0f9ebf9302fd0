import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type Locator, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

/**
 * Two changes race on one agent: CR-A raises a limit and is approved, CR-B lowers it and is released
 * first. CR-A is then out of date; its author updates it from production, resolving the conflict, and
 * it is reviewed and released on top of what production runs now.
 *
 * The journey uses store-credit-issuer (Refunds workflow, owner@; credits.issue with a limit) rather
 * than refund-assistant: release.spec releases refund-assistant's seeded change in parallel, and
 * releasing a change there first would put that one out of date.
 */
const AGENT = "store-credit-issuer";
const SYSTEM = "salesforce";
const ACTION = "credits.issue";
const RAISED = 900;
const LOWERED = 5;

const SIGNER: Record<string, string> = {
  workflow_owner: "owner@countersign.test",
  security: "security@countersign.test",
  engineering: "engineer2@countersign.test",
  operations: "ops@countersign.test",
  compliance: "compliance@countersign.test",
};

type Spec = { tools: { system: string; actions: { name: string; limit?: { amount: number; unit: string } }[] }[] };
type Change = {
  number: string;
  state: string;
  specHash: string;
  headVersion: number;
  baseVersion: { number: number } | null;
  requiredSignoffs: { role: string }[];
};

/**
 * Screenshots only when asked for (SHOTS_DIR): at the test's viewport and at a phone's, the screen as
 * the person sees it with `target` in view, `target` alone, and the whole page in screen-high slices.
 * Full-page captures keep the sticky header at the top instead of over the element.
 */
async function shoot(page: Page, target: Locator, name: string) {
  const dir = process.env.SHOTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = (suffix: string) => path.join(dir, `${name}-${suffix}.png`);
  for (const [width, height] of [
    [1440, 900],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await target.scrollIntoViewIfNeeded();
    await page.screenshot({ path: file(`${width}-screen`) });
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await target.evaluate((element) => {
      const rect = element.getBoundingClientRect();
      return { x: rect.x + window.scrollX, y: rect.y + window.scrollY, width: rect.width, height: rect.height };
    });
    await page.screenshot({ path: file(`${width}`), fullPage: true, clip: box });
    const total = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, slice = 1; y < total; y += height, slice++) {
      await page.screenshot({
        path: file(`${width}-page-${slice}`),
        fullPage: true,
        clip: { x: 0, y, width, height: Math.min(height, total - y) },
      });
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** One person, in a browser context of their own. */
async function personPage(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email);
  return page;
}

async function productionSpec(page: Page): Promise<{ version: number; spec: Spec }> {
  const agent = await (await page.request.get(`/api/v1/agents/${AGENT}`)).json();
  const version = agent.environments.production.version as number;
  const { spec } = await (await page.request.get(`/api/v1/agents/${AGENT}/versions/${version}`)).json();
  return { version, spec };
}

function limitOf(spec: Spec): number {
  return spec.tools.find((t) => t.system === SYSTEM)!.actions.find((a) => a.name === ACTION)!.limit!.amount;
}

async function getChange(page: Page, label: string): Promise<Change> {
  const response = await page.request.get(`/api/v1/changes/${label}`);
  expect(response.status()).toBe(200);
  return response.json();
}

/** engineer@ proposes a new limit straight to review, through the API as a CI pipeline would. */
async function proposeLimit(author: Page, amount: number, title: string): Promise<string> {
  const { spec } = await productionSpec(author);
  spec.tools.find((t) => t.system === SYSTEM)!.actions.find((a) => a.name === ACTION)!.limit = { amount, unit: "USD" };
  const response = await author.request.post("/api/v1/changes", {
    data: {
      agent: AGENT,
      title,
      spec,
      rationale: "Store credit limits follow the support policy of the quarter.",
      rollbackPlan: "Redeploy the previous approved version from the agent page.",
      rollbackOwner: "ops@countersign.test",
      harmMetrics: [{ name: "store credit reversal rate", comparator: ">", threshold: 2, window: "7d" }],
      submit: true,
    },
  });
  expect(response.status()).toBe(201);
  const change = await response.json();
  expect(change.state).toBe("in_review");
  return change.number as string;
}

/** Every required role approves, each by its own signer, except the roles listed in `except`. */
async function approveByApi(signers: Map<string, Page>, label: string, except: string[] = []) {
  const anyone = signers.get("security")!;
  const { requiredSignoffs } = await getChange(anyone, label);
  for (const { role } of requiredSignoffs.filter((r) => !except.includes(r.role))) {
    const signer = signers.get(role);
    if (!signer) throw new Error(`No demo signer for ${role}`);
    const response = await signer.request.post(`/api/v1/changes/${label}/signoffs`, { data: { role, decision: "approve" } });
    expect(response.status(), `${role} approves ${label}`).toBe(200);
  }
}

/** ops@ takes a change up the ladder through the API, with the staging eval production asks for. */
async function releaseByApi(ops: Page, label: string) {
  for (const environment of ["development", "staging"]) {
    const response = await ops.request.post(`/api/v1/changes/${label}/promote`, { data: { environment } });
    expect(response.status(), `${label} to ${environment}`).toBe(200);
  }
  const { specHash } = await getChange(ops, label);
  const run = await ops.request.post("/api/v1/evals", {
    data: { agent: AGENT, specHash, environment: "staging", suite: `${AGENT}-regression`, passed: 120, failed: 0, change: label },
  });
  expect(run.status()).toBe(201);
  const released = await ops.request.post(`/api/v1/changes/${label}/promote`, { data: { environment: "production" } });
  expect(released.status(), `${label} to production`).toBe(200);
}

const card = (page: Page, title: string | RegExp) =>
  page.locator("section").filter({ has: page.getByRole("heading", { level: 2, name: title, exact: typeof title === "string" }) });
const gates = (page: Page, environment: string) => page.getByRole("listitem", { name: `${environment} gates` });
const gate = (page: Page, environment: string, name: string) => gates(page, environment).getByRole("listitem").filter({ hasText: name });
const stateBadge = (page: Page, state: string) => page.locator("header").getByText(state, { exact: true });
const reviewCard = (page: Page, role: string) => card(page, new RegExp(`^Your review as ${role}:`));

test("an approved change overtaken in production is updated from it, re-reviewed on the result and released by someone else", async ({
  page: author,
  browser,
}) => {
  test.setTimeout(600_000);
  await signIn(author, "engineer@countersign.test");
  const signers = new Map<string, Page>();
  for (const [role, email] of Object.entries(SIGNER)) signers.set(role, await personPage(browser, email));
  const ops = signers.get("operations")!;
  const security = signers.get("security")!;

  const before = await productionSpec(author);
  expect(limitOf(before.spec), "the seeded limit lies between the two proposals").toBeGreaterThan(LOWERED);
  expect(limitOf(before.spec)).toBeLessThan(RAISED);

  const a = await test.step("CR-A raises the limit and is approved by all four owners", async () => {
    const label = await proposeLimit(author, RAISED, `Raise the ${ACTION} limit to ${RAISED} USD`);
    const change = await getChange(author, label);
    expect(change.requiredSignoffs.map((r) => r.role).sort()).toEqual(["engineering", "operations", "security", "workflow_owner"]);
    await approveByApi(signers, label);
    expect((await getChange(author, label)).state).toBe("approved");
    return { label, reviewedVersion: change.headVersion };
  });

  const b = await test.step("CR-B lowers the limit; the author sees CR-A racing it, and CR-B is released first by ops@", async () => {
    const label = await proposeLimit(author, LOWERED, `Lower the ${ACTION} limit to ${LOWERED} USD`);
    await author.goto(`/changes/${label}`);
    await expect(
      card(author, "Other open changes on this agent").getByRole("link", { name: new RegExp(`^${a.label} Raise`) }),
    ).toBeVisible();
    await approveByApi(signers, label);
    await releaseByApi(ops, label);
    const production = await productionSpec(author);
    expect(limitOf(production.spec)).toBe(LOWERED);
    return { label, production: production.version };
  });

  await test.step("the author opens CR-A: out of date, the production gate not met, the escalation named", async () => {
    await author.goto(`/changes/${a.label}`);
    const notice = author.getByRole("status", { name: "Out of date" });
    await expect(notice).toContainText(`${a.label} is based on v${before.version}; production runs v${b.production} since ${b.label}`);
    await expect(notice).toContainText(`${ACTION} limit raised ${LOWERED} → ${RAISED} USD`);
    await expect(gate(author, "production", "Up to date with production").getByLabel("missing")).toBeVisible();
    await expect(gate(author, "staging", "Up to date with production").getByLabel("missing")).toBeVisible();
    await expect(gate(author, "staging", "Ran in the environment before").getByLabel("missing")).toBeVisible();
    // The policy has someone other than the author release a high-risk change.
    await expect(gate(author, "production", "Released by someone other than the author").getByLabel("missing")).toBeVisible();
    await expect(author.getByRole("button", { name: /Promote to (staging|production)/ })).toHaveCount(0);
    await expect(card(author, `Permission diff against v${b.production}, what production runs now`)).toContainText(
      `${ACTION} limit raised ${LOWERED} → ${RAISED} USD`,
    );
  });

  await test.step("Update from production: both changed the limit; keeping CR-A's value sends it back to review", async () => {
    const notice = author.getByRole("status", { name: "Out of date" });
    await notice.getByRole("button", { name: "Update from production" }).click();
    await expect(notice).toContainText("Both this change and production changed these fields");
    const field = notice.getByRole("group", { name: `action ${SYSTEM}:${ACTION}` });
    await expect(field.getByText(`limit ${RAISED} USD`)).toBeVisible();
    await expect(field.getByText(`limit ${LOWERED} USD`)).toBeVisible();
    const apply = notice.getByRole("button", { name: "Update with these choices" });
    await expect(apply).toBeDisabled();
    await shoot(author, notice, "out-of-date-conflict");

    await field.getByRole("radio", { name: /^Keep this change's/ }).check();
    await expect(field.getByRole("radio", { name: /^Take production's/ })).not.toBeChecked();
    await apply.click();
    await expect(author.getByText(`${a.label} is up to date with production (v${b.production})`)).toBeVisible();
    await expect(author.getByRole("status", { name: "Out of date" })).toHaveCount(0);
    await expect(stateBadge(author, "In review")).toBeVisible();
    const diff = card(author, `Permission diff against v${b.production}, what production runs now`);
    await expect(diff.getByRole("listitem").filter({ hasText: `${ACTION} limit raised ${LOWERED} → ${RAISED} USD` })).toContainText(
      "escalation",
    );
    await expect(gate(author, "production", "Up to date with production").getByLabel("met")).toBeVisible();
    // The four approvals were given on a diff that no longer holds: folded as history, all four asked again.
    const signoffs = card(author, "Sign-offs");
    await expect(signoffs.getByText("Earlier decisions (4)")).toBeVisible();
    await expect(signoffs.getByRole("list", { name: "Current sign-offs" }).getByRole("listitem")).toHaveCount(4);
    await expect(signoffs.getByRole("list", { name: "Current sign-offs" }).getByText("waiting", { exact: true })).toHaveCount(4);
    const updated = await getChange(author, a.label);
    expect(updated.baseVersion?.number).toBe(b.production);
  });

  await test.step("security@ re-reviews: what changed since their review, then approves", async () => {
    await security.goto(`/changes/${a.label}`);
    const review = reviewCard(security, "Security");
    const since = review.getByRole("region", { name: "Changes since your review" });
    await expect(since).toContainText(`You decided on v${a.reviewedVersion} (compared with v${before.version})`);
    await expect(since).toContainText(`Production moved from v${before.version} to v${b.production} under it`);
    await expect(review).toContainText(`${ACTION} limit raised ${LOWERED} → ${RAISED} USD`);
    await shoot(security, review, "security-changes-since-review");
    await review.getByRole("button", { name: "Approve as Security" }).click();
    await expect(security.getByText("Approved as Security", { exact: true })).toBeVisible();
    await expect(reviewCard(security, "Security")).toHaveCount(0);
  });

  await test.step("ops@ requests changes; the author resubmits; ops@ can approve again and the change is approved", async () => {
    await approveByApi(signers, a.label, ["security", "operations"]);
    await ops.goto(`/changes/${a.label}`);
    const review = reviewCard(ops, "Operations");
    await review.getByLabel("Comment").fill("Name the dashboard that watches store credit reversals.");
    await review.getByRole("button", { name: "Request changes" }).click();
    await expect(ops.getByText("Sent back to the author")).toBeVisible();
    await expect(stateBadge(ops, "Draft")).toBeVisible();

    await author.goto(`/changes/${a.label}`);
    await expect(stateBadge(author, "Draft")).toBeVisible();
    await author.getByRole("button", { name: "Submit for review" }).click();
    await expect(author.getByText(`${a.label} sent for review`)).toBeVisible();
    await expect(stateBadge(author, "In review")).toBeVisible();

    await approveByApi(signers, a.label, ["operations"]);
    await ops.reload();
    const again = reviewCard(ops, "Operations");
    await expect(again.getByRole("button", { name: "Approve as Operations" })).toBeVisible();
    await again.getByRole("button", { name: "Approve as Operations" }).click();
    await expect(ops.getByText("Approved as Operations", { exact: true })).toBeVisible();
    await expect(stateBadge(ops, "Approved")).toBeVisible();

    const signoffs = card(ops, "Sign-offs");
    const current = signoffs.getByRole("list", { name: "Current sign-offs" });
    await expect(current.getByRole("listitem")).toHaveCount(4);
    await expect(current.getByText("approved", { exact: true })).toHaveCount(4);
    // Round one (four approvals on the old diff) and round two (three approvals and the request for changes).
    const earlier = signoffs.getByText("Earlier decisions (8)");
    await expect(earlier).toBeVisible();
    await earlier.click();
    await expect(signoffs.getByText(/Operations: changes requested by Priya Raman/)).toBeVisible();
    await expect(signoffs).toContainText("“Name the dashboard that watches store credit reversals.”");
    await shoot(ops, signoffs, "signoffs-earlier-decisions");
  });

  await test.step("ops@ takes CR-A through development and staging, records the staging eval and releases it", async () => {
    await ops.goto(`/changes/${a.label}`);
    await expect(gate(ops, "production", "Released by someone other than the author").getByLabel("met")).toBeVisible();
    await ops.getByRole("button", { name: "Promote to development" }).click();
    await expect(gates(ops, "development")).toContainText("running this version");
    await expect(gate(ops, "staging", "Ran in the environment before").getByLabel("met")).toBeVisible();
    await ops.getByRole("button", { name: "Promote to staging" }).click();
    await expect(gates(ops, "staging")).toContainText("running this version");

    const evalForm = ops.getByRole("form", { name: "Record an eval run" });
    await evalForm.getByLabel("Environment").selectOption("staging");
    await evalForm.getByLabel("Passed").fill("150");
    await evalForm.getByLabel("Failed").fill("0");
    await evalForm.getByRole("button", { name: "Record eval run" }).click();
    await expect(ops.getByText(/Eval run recorded: 150\/150 passed in staging/)).toBeVisible();
    await expect(gate(ops, "production", "Clean staging eval of this exact spec")).toContainText("150/150 passed");

    await ops.getByRole("button", { name: "Promote to production" }).click();
    await expect(stateBadge(ops, "Released")).toBeVisible();
    await expect(card(ops, "Release")).toContainText(/Released to production on .+ by ops@countersign\.test/);
  });

  await test.step("production runs CR-A's version, with its limit, on top of CR-B", async () => {
    const change = await getChange(author, a.label);
    expect(change.state).toBe("released");
    const production = await productionSpec(author);
    expect(production.version).toBe(change.headVersion);
    expect(limitOf(production.spec)).toBe(RAISED);

    await author.goto(`/agents/${AGENT}`);
    const environment = author.getByRole("listitem", { name: "Production", exact: true });
    await expect(environment).toContainText(`v${change.headVersion}`);
    await expect(environment).toContainText(`through ${a.label}`);
    await author.goto(`/changes/${a.label}`);
    await expect(stateBadge(author, "Released")).toBeVisible();
    await expect(author.getByRole("status", { name: "Out of date" })).toHaveCount(0);
  });

  for (const person of signers.values()) await person.context().close();
});
