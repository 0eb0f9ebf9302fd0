import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

/** Agents other specs release or roll back; this spec leaves them alone so the specs can run in parallel. */
const USED_ELSEWHERE = [
  "refund-assistant",
  "crm-record-updater",
  "incident-triage-bot",
  "account-notes-summarizer",
  "chargeback-responder",
  "store-credit-issuer",
];

type StillRunning = { environment: string; version: number; rolledBackAt: string; change: string | null; rollBackTo: number | null };

const releaseCard = (page: Page) => page.locator("section").filter({ has: page.getByRole("heading", { name: "Release", exact: true }) });

async function firstChangeIn(page: Page, state: string): Promise<string> {
  const { items } = (await (await page.request.get(`/api/v1/changes?state=${state}&pageSize=1`)).json()) as { items: { number: string }[] };
  expect(items.length, `the demo estate has a ${state} change`).toBeGreaterThan(0);
  return items[0]!.number;
}

test("a released change says who released it and when, with no missing gates and nothing to promote", async ({ page }) => {
  await signIn(page, "ops@countersign.test");
  await page.goto(`/changes/${await firstChangeIn(page, "released")}`);
  const card = releaseCard(page);
  await expect(card.getByRole("listitem", { name: "production gates passed" })).toContainText(
    /Released to production( as an emergency)? on \d{4}-\d\d-\d\d \d\d:\d\d UTC by \S+@countersign\.test \(v\d+\)/,
  );
  await expect(card.getByLabel("missing")).toHaveCount(0);
  await expect(card.getByText("Who can fix it")).toHaveCount(0);
  await expect(card.getByRole("button", { name: /Promote|Release as emergency/ })).toHaveCount(0);
});

test("a rolled-back change says when and by whom it was rolled back, and its incident", async ({ page }) => {
  await signIn(page, "ops@countersign.test");
  await page.goto(`/changes/${await firstChangeIn(page, "rolled_back")}`);
  const card = releaseCard(page);
  await expect(card.getByRole("status")).toContainText(/Released on .+ by .+; rolled back on .+ by .+ \(“.+”\), incident “.+”\./);
  await expect(card.getByLabel("missing")).toHaveCount(0);
  await expect(card.getByRole("button")).toHaveCount(0);
});

test("staging and development still running a version production rolled back are flagged, and one action rolls them back", async ({
  page,
}) => {
  await signIn(page, "ops@countersign.test");
  // The API names the environments still running a rolled-back version; the demo estate holds a few such agents.
  const { items } = (await (await page.request.get("/api/v1/agents?pageSize=500")).json()) as { items: { slug: string }[] };
  let found: { slug: string; stillRunning: StillRunning[] } | undefined;
  for (const { slug } of items.filter((a) => !USED_ELSEWHERE.includes(a.slug))) {
    const agent = (await (await page.request.get(`/api/v1/agents/${slug}`)).json()) as { stillRunningRolledBack: StillRunning[] };
    const stillRunning = agent.stillRunningRolledBack;
    if (stillRunning.length === 2 && stillRunning.every((s) => s.rollBackTo !== null)) {
      found = { slug, stillRunning };
      break;
    }
  }
  expect(found, "an agent whose staging and development still run a version rolled back in production").toBeDefined();
  const { slug, stillRunning } = found!;
  const [staging, development] = stillRunning;
  expect(staging).toMatchObject({ environment: "staging", change: expect.stringMatching(/^CR-\d+$/) });
  expect(development!.environment).toBe("development");
  const incidentsBefore = (await (await page.request.get(`/api/v1/incidents?agent=${slug}`)).json()).total as number;

  await page.goto(`/agents/${slug}`);
  const notice = page.getByRole("region", { name: "Still running a version rolled back in production" });
  expect(development!.version).toBe(staging!.version);
  await expect(notice).toContainText(`Staging and development still run v${staging!.version}, which was rolled back in production`);
  await expect(notice).toContainText(staging!.change!);
  await expect(page.getByRole("listitem", { name: "Staging", exact: true })).toContainText(
    `v${staging!.version} was rolled back in production`,
  );

  await notice.getByRole("button", { name: "Roll back staging and development too" }).click();
  await expect(
    page.getByText(`staging runs v${staging!.rollBackTo} again; development runs v${development!.rollBackTo} again`),
  ).toBeVisible();
  await expect(notice).toHaveCount(0);
  await expect(page.getByRole("listitem", { name: "Staging", exact: true })).toContainText(`v${staging!.rollBackTo}`);

  const after = (await (await page.request.get(`/api/v1/agents/${slug}`)).json()) as { stillRunningRolledBack: StillRunning[] };
  expect(after.stillRunningRolledBack).toEqual([]);
  expect((await (await page.request.get(`/api/v1/incidents?agent=${slug}`)).json()).total).toBe(incidentsBefore);
  // The change it came from stays rolled back, and its page now shows staging rolled back too.
  await page.goto(`/changes/${staging!.change}`);
  await expect(page.locator("header").getByText("Rolled back", { exact: true })).toBeVisible();
  await expect(releaseCard(page).getByRole("listitem", { name: "staging gates passed" })).toContainText(
    `Rolled back to v${staging!.rollBackTo}`,
  );
});
