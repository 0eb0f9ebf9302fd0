import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";
import { OWN_ORGANISATION_PORT } from "./ports";

/*
 * Every main page, as each role sees it, at a desktop and a phone width, passes axe-core's WCAG 2.1 A and AA
 * rules with no serious or critical violation; so do the main pages in the dark theme. One test per role walks
 * its pages in one browser tab, and lists every finding (rule, element, page, width) before it fails.
 */

const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * What a page shows depends on who asks for these: each role's home, sign-off queue, and the buttons and forms
 * of an agent and a change (the first change the list shows).
 */
const EVERY_ROLE = ["/", "/agents/refund-assistant", "change", "/signoffs"];
/** Settings as everyone but an admin reads them (the policy read-only, their own account). */
const SETTINGS = ["/settings/policy", "/settings/account"];
/**
 * These read the same for everyone signed in but for the header's counts: lists (ten rows, the same markup as
 * fifty), metrics, the audit views, importing and registering. The admin, who sees every page, checks them.
 */
const SAME_FOR_EVERYONE = [
  "/agents?pageSize=10",
  "/agents/import",
  "/agents/new",
  "/changes?pageSize=10",
  "/incidents?pageSize=10",
  "/metrics",
  "/audit?pageSize=10",
  "/audit/as-of?agent=refund-assistant",
  `/audit/evidence?from=${day(-14)}&to=${day(0)}`,
];
const ADMIN_SETTINGS = [
  ...SETTINGS,
  "/settings/people",
  "/settings/workflows",
  "/settings/tokens",
  "/settings/security",
  "/settings/webhooks",
  "/api/docs",
];

const ROLES = [
  { role: "admin", email: "admin@countersign.test", pages: [...EVERY_ROLE, ...ADMIN_SETTINGS] },
  { role: "admin", email: "admin@countersign.test", pages: SAME_FOR_EVERYONE, same: true },
  { role: "security", email: "security@countersign.test", pages: EVERY_ROLE },
  { role: "engineer", email: "engineer@countersign.test", pages: EVERY_ROLE },
  { role: "ops", email: "ops@countersign.test", pages: EVERY_ROLE },
  { role: "workflow owner", email: "owner@countersign.test", pages: EVERY_ROLE },
  { role: "compliance", email: "compliance@countersign.test", pages: EVERY_ROLE },
  { role: "leader", email: "leader@countersign.test", pages: EVERY_ROLE },
  { role: "auditor", email: "auditor@countersign.test", pages: [...EVERY_ROLE, ...SETTINGS] },
];

/** axe's serious and critical findings on the page as it is now, one line each: rule, where, page and width. */
async function seriousViolations(page: Page, where: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(WCAG)
    .options({ resultTypes: ["violations"] })
    .analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(" ")} on ${where}: ${v.help}`));
}

/** Opens a page (its charts loaded), then checks it at each width without reloading it. */
async function checkPage(page: Page, path: string, { label = "", widths = [DESKTOP, PHONE] } = {}): Promise<string[]> {
  await page.setViewportSize(DESKTOP);
  const response = await page.goto(path);
  expect(response?.status(), `${path} opens`).toBeLessThan(400);
  await page.waitForLoadState("networkidle");
  const found: string[] = [];
  for (const size of widths) {
    await page.setViewportSize(size);
    found.push(...(await seriousViolations(page, `${path} at ${size.width}${label}`)));
  }
  return found;
}

async function firstChange(page: Page): Promise<string> {
  await page.goto("/changes");
  const href = await page.locator('main a[href^="/changes/CR-"]').first().getAttribute("href");
  expect(href, "the change list shows a change").toBeTruthy();
  return href!;
}

for (const { role, email, pages, same } of ROLES) {
  const which = same ? "the pages that read the same for everyone" : `the pages the ${role} sees`;
  test(`as the ${role}, ${which} pass axe's WCAG 2.1 AA rules at desktop and phone widths`, async ({ page }) => {
    test.setTimeout(5 * 60_000);
    await signIn(page, email);
    const change = await firstChange(page);
    const found: string[] = [];
    for (const path of pages) found.push(...(await checkPage(page, path === "change" ? change : path)));
    expect(found, found.join("\n")).toEqual([]);
  });
}

test("the main pages pass axe's WCAG 2.1 AA rules in the dark theme", async ({ page }) => {
  test.setTimeout(5 * 60_000);
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = { label: " (dark)" };
  const found = await checkPage(page, "/login", dark);
  await signIn(page, "admin@countersign.test");
  const change = await firstChange(page);
  const main = [
    "/",
    "/agents?pageSize=10",
    "/agents/refund-assistant",
    change,
    "/changes?pageSize=10",
    "/signoffs",
    "/incidents?pageSize=10",
  ];
  for (const path of [...main, "/metrics", "/audit?pageSize=10", "/settings/policy", "/settings/people"]) {
    found.push(...(await checkPage(page, path, { ...dark, widths: [DESKTOP] })));
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
