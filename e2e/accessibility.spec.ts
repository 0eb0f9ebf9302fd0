import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";
import { OWN_ORGANISATION_PORT } from "./ports";

/*
 * Every main page, as each role sees it, at a desktop and a phone width, passes axe-core's WCAG 2.1 A and AA
 * rules with no serious or critical violation. One test per role walks its pages in one browser tab.
 */

const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** The pages everyone signed in can open; the change page is the first change the list shows. */
const EVERYONE = [
  "/",
  "/agents",
  "/agents/refund-assistant",
  "/agents/import",
  "/agents/new",
  "/changes",
  "change",
  "/signoffs",
  "/incidents",
  "/metrics",
  "/audit",
  "/audit/as-of?agent=refund-assistant",
  "/audit/evidence",
  "/settings/policy",
  "/settings/account",
];
const ADMIN_ONLY = ["/settings/people", "/settings/workflows", "/settings/tokens", "/settings/security"];

const ROLES = [
  { role: "admin", email: "admin@countersign.test", pages: [...EVERYONE, ...ADMIN_ONLY] },
  { role: "security", email: "security@countersign.test", pages: EVERYONE },
  { role: "engineer", email: "engineer@countersign.test", pages: EVERYONE },
  { role: "ops", email: "ops@countersign.test", pages: EVERYONE },
  { role: "workflow owner", email: "owner@countersign.test", pages: EVERYONE },
  { role: "compliance", email: "compliance@countersign.test", pages: EVERYONE },
  { role: "leader", email: "leader@countersign.test", pages: EVERYONE },
  { role: "auditor", email: "auditor@countersign.test", pages: EVERYONE },
];

/** axe's serious and critical findings on the page as it is now, one line each: rule, where, page and width. */
async function seriousViolations(page: Page, where: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(" ")} on ${where}: ${v.help}`));
}

/** Opens a page, then checks it at both widths without reloading it. */
async function checkPage(page: Page, path: string, label = ""): Promise<string[]> {
  await page.setViewportSize(DESKTOP);
  const response = await page.goto(path);
  expect(response?.status(), `${path} opens`).toBeLessThan(400);
  await page.waitForLoadState("networkidle");
  const found = await seriousViolations(page, `${path} at 1440${label}`);
  await page.setViewportSize(PHONE);
  found.push(...(await seriousViolations(page, `${path} at 390${label}`)));
  return found;
}

async function firstChange(page: Page): Promise<string> {
  await page.goto("/changes");
  const href = await page.locator('main a[href^="/changes/CR-"]').first().getAttribute("href");
  expect(href, "the change list shows a change").toBeTruthy();
  return href!;
}

for (const { role, email, pages } of ROLES) {
  test(`every page the ${role} sees passes axe's WCAG 2.1 AA rules at desktop and phone widths`, async ({ page }) => {
    test.setTimeout(4 * 60_000);
    await signIn(page, email);
    const change = await firstChange(page);
    const found: string[] = [];
    for (const path of pages) found.push(...(await checkPage(page, path === "change" ? change : path)));
    expect(found, found.join("\n")).toEqual([]);
  });
}

test("the main pages pass axe's WCAG 2.1 AA rules in the dark theme", async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await page.emulateMedia({ colorScheme: "dark" });
  const found = await checkPage(page, "/login", " (dark)");
  await signIn(page, "admin@countersign.test");
  const change = await firstChange(page);
  const main = ["/", "/agents", "/agents/refund-assistant", "/agents/import", change, "/changes", "/signoffs", "/incidents", "/metrics"];
  for (const path of [...main, "/audit", "/audit/evidence", "/settings/policy", "/settings/people", "/settings/account"]) {
    found.push(...(await checkPage(page, path, " (dark)")));
  }
  expect(found, found.join("\n")).toEqual([]);
});

test("the pages for people not signed in pass axe's WCAG 2.1 AA rules", async ({ page }) => {
  const found = await checkPage(page, "/login");
  found.push(...(await checkPage(page, "/welcome/not-a-real-link")));
  // An installation with no admin yet offers the one-time setup; the own-organisation journey may already have used it.
  const setup = `http://localhost:${OWN_ORGANISATION_PORT}/setup`;
  if ((await page.request.get(setup)).ok()) found.push(...(await checkPage(page, setup)));
  expect(found, found.join("\n")).toEqual([]);
});
