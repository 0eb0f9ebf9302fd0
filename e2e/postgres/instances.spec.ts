import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn } from "../fixtures";
import { POSTGRES_INSTANCE_PORTS } from "../ports";

/**
 * Countersign on PostgreSQL as a load-balanced installation runs it: two instances on one database behind a
 * round-robin proxy (e2e/postgres/stack.ts). A session made on one instance is honoured by the other, and
 * people acting at the same moment through both instances change each thing exactly once: of two identical
 * sign-offs one is recorded, of five identical promotions one deploys. The audit trail, written by both
 * instances at once, verifies from genesis afterwards.
 */

const SIGNER: Record<string, string> = {
  workflow_owner: "owner@countersign.test",
  security: "security@countersign.test",
  engineering: "engineer2@countersign.test",
  operations: "ops@countersign.test",
  compliance: "compliance@countersign.test",
};
const CHANGES = 10;
const instanceUrl = (i: number) => `http://localhost:${POSTGRES_INSTANCE_PORTS[i % POSTGRES_INSTANCE_PORTS.length]}`;

async function personPage(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email);
  return page;
}

test("a session made on one instance is honoured by the other", async ({ page }) => {
  await page.goto(`${instanceUrl(0)}/login`);
  await page.getByLabel("Email").fill("leader@countersign.test");
  await page.getByLabel("Password").fill("countersign-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${instanceUrl(0)}/`);
  // Cookies are per host, not per port: the other instance receives the same session cookie.
  const other = await page.request.get(`${instanceUrl(1)}/api/v1/signoffs/mine`);
  expect(other.status()).toBe(200);
  await page.goto(`${instanceUrl(1)}/metrics`);
  await expect(page).toHaveURL(`${instanceUrl(1)}/metrics`);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
});

test("concurrent sign-offs and promotions through both instances change each thing exactly once, and the trail verifies", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const author = await personPage(browser, "engineer@countersign.test");
  const signers = new Map<string, Page>();
  for (const [role, email] of Object.entries(SIGNER)) signers.set(role, await personPage(browser, email));
  const ops = signers.get("operations")!;
  const auditor = await personPage(browser, "auditor@countersign.test");
  const count = async (action: string) =>
    (await (await auditor.request.get(`/api/v1/audit?pageSize=1&action=${action}`)).json()).total as number;
  const before = { approved: await count("signoff.approved"), promoted: await count("deployment.promoted") };

  // engineer@ proposes one small change on each of ten agents running in production.
  const listed = await (await author.request.get("/api/v1/agents?pageSize=100")).json();
  const running = (listed.items as { slug: string; environments?: { production?: { version: number } | null } }[]).filter(
    (a) => a.environments?.production,
  );
  expect(running.length).toBeGreaterThanOrEqual(CHANGES);
  const labels: string[] = [];
  for (const agent of running.slice(0, CHANGES)) {
    const { environments } = await (await author.request.get(`/api/v1/agents/${agent.slug}`)).json();
    const { spec } = await (await author.request.get(`/api/v1/agents/${agent.slug}/versions/${environments.production.version}`)).json();
    spec.instructions = `${spec.instructions}\nAnswer in the customer's language.`;
    const response = await author.request.post("/api/v1/changes", {
      data: {
        agent: agent.slug,
        title: `Answer in the customer's language (${agent.slug})`,
        spec,
        rationale: "Customers write in several languages.",
        rollbackPlan: "Redeploy the previous approved version from the agent page.",
        rollbackOwner: "ops@countersign.test",
        submit: true,
      },
    });
    expect(response.status(), await response.text()).toBe(201);
    labels.push((await response.json()).number);
  }

  // Fifty sign-off requests at once, every required sign-off of every change sent several times, alternating instances.
  const wanted: { label: string; role: string }[] = [];
  for (const label of labels) {
    const { requiredSignoffs } = await (await ops.request.get(`/api/v1/changes/${label}`)).json();
    for (const { role } of requiredSignoffs as { role: string }[]) wanted.push({ label, role });
  }
  expect(wanted.length).toBeGreaterThan(0);
  const signoffs = Array.from({ length: 50 }, (_, i) => ({ ...wanted[i % wanted.length]!, i }));
  const signed = await Promise.all(
    signoffs.map(({ label, role, i }) =>
      signers
        .get(role)!
        .request.post(`${instanceUrl(i)}/api/v1/changes/${label}/signoffs`, {
          data: { role, decision: "approve" },
          headers: { origin: instanceUrl(i) },
        })
        .then((r) => ({ label, role, status: r.status() })),
    ),
  );
  for (const { label, role } of wanted) {
    const answers = signed.filter((s) => s.label === label && s.role === role).map((s) => s.status);
    expect(
      answers.filter((s) => s === 200),
      `${role} on ${label}: ${answers.join(", ")}`,
    ).toHaveLength(1);
    expect(
      answers.filter((s) => s !== 200 && s !== 409),
      `${role} on ${label}: ${answers.join(", ")}`,
    ).toHaveLength(0);
  }
  for (const label of labels) expect((await (await ops.request.get(`/api/v1/changes/${label}`)).json()).state).toBe("approved");

  // Each change promoted to development five times at once, alternating instances: fifty requests, ten deployments.
  const promotions = labels.flatMap((label) => [0, 1, 2, 3, 4].map((i) => ({ label, i })));
  const promoted = await Promise.all(
    promotions.map(({ label, i }) =>
      ops.request
        .post(`${instanceUrl(i)}/api/v1/changes/${label}/promote`, {
          data: { environment: "development" },
          headers: { origin: instanceUrl(i) },
        })
        .then((r) => ({ label, status: r.status() })),
    ),
  );
  for (const label of labels) {
    const answers = promoted.filter((p) => p.label === label).map((p) => p.status);
    expect(
      answers.filter((s) => s === 200),
      `promotions of ${label}: ${answers.join(", ")}`,
    ).toHaveLength(1);
    expect(
      answers.filter((s) => s !== 200 && s !== 409),
      `promotions of ${label}: ${answers.join(", ")}`,
    ).toHaveLength(0);
  }

  // The trail holds exactly one event per sign-off and per deployment, and verifies from genesis.
  expect(await count("signoff.approved")).toBe(before.approved + wanted.length);
  expect(await count("deployment.promoted")).toBe(before.promoted + labels.length);
  const verified = await (await auditor.request.get("/api/v1/audit/verify?mode=full")).json();
  expect(verified, JSON.stringify(verified)).toMatchObject({ ok: true });
});
