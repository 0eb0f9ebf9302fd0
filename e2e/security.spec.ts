import { expect, test, type Page } from "@playwright/test";
import { DEMO_PASSWORD, signIn } from "./fixtures";

/** Collects what the browser reports as a Content-Security-Policy violation or console error. */
function watchConsole(page: Page) {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  return problems;
}

function expectSecurityHeaders(headers: Record<string, string>) {
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  // Served over plain HTTP here: HSTS would pin a browser to HTTPS this install does not have.
  expect(headers["strict-transport-security"]).toBeUndefined();
}

test.describe("security", () => {
  test("pages and API answers carry the security headers; pages run under a nonce CSP with no violations", async ({ page, request }) => {
    const problems = watchConsole(page);
    const login = await page.goto("/login");
    expectSecurityHeaders(login!.headers());
    expect(login!.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);

    await signIn(page, "admin@countersign.test");
    // Client-side navigation works, so the app's scripts ran under the policy.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" }).click();
    await expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
    const agents = await page.goto("/agents");
    expectSecurityHeaders(agents!.headers());
    await expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);

    const api = await request.get("/api/health");
    expectSecurityHeaders(api.headers());
    const anonymous = await request.get("/api/v1/agents");
    expect(anonymous.status()).toBe(401);
    expectSecurityHeaders(anonymous.headers());
    // Behind a TLS-terminating proxy, HSTS is sent.
    const tls = await request.get("/api/health", { headers: { "x-forwarded-proto": "https" } });
    expect(tls.headers()["strict-transport-security"]).toContain("max-age=");
  });

  test("signing out ends the session on the server: a copied cookie stops working", async ({ page, browser }) => {
    await signIn(page, "leader@countersign.test");
    const cookies = await page.context().cookies();
    expect(cookies.some((c) => c.name.endsWith("authjs.session-token"))).toBe(true);

    // A second browser with a copy of the cookie is signed in as the same person.
    const thief = await browser.newContext();
    await thief.addCookies(cookies);
    const stolen = await thief.newPage();
    await stolen.goto("/agents");
    await expect(stolen.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
    expect((await thief.request.get("/api/v1/agents?pageSize=1")).status()).toBe(200);

    await page.getByRole("button", { name: "Account: Lars Nilsson" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);

    // The copy no longer works, for pages and for the API.
    await thief.addCookies(cookies);
    expect((await thief.request.get("/api/v1/agents?pageSize=1")).status()).toBe(401);
    await stolen.goto("/agents");
    await expect(stolen).toHaveURL(/\/login/);
    await thief.close();
  });

  test("repeated wrong passwords are throttled, with the wait said plainly, and admins see them", async ({ page, request }) => {
    // An email with no account: throttling must look the same as for a real one.
    const email = `throttle-${Date.now()}@example.com`;
    const message = page.getByRole("alert").filter({ hasText: /Wrong email or password|Too many attempts/ });
    await page.goto("/login");
    for (let i = 0; i < 5; i++) {
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(`wrong-${i}`);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      // Wait for the answer (the form resets when it arrives) before typing the next attempt.
      await expect(page.getByLabel("Password")).toHaveValue("");
      await expect(message).toBeVisible();
    }
    await expect(message).toHaveText(/Too many attempts: try again in \d+ seconds?\./);

    // Even the right answer is refused while throttled; a script posting directly gets 429.
    const direct = await request.post("/api/auth/callback/credentials", { form: { email, password: DEMO_PASSWORD } });
    expect(direct.status()).toBe(429);
    expect(Number(direct.headers()["retry-after"])).toBeGreaterThan(0);

    await signIn(page, "admin@countersign.test");
    await page.goto("/settings/security");
    await expect(page.getByRole("table", { name: "Recent failed sign-ins" })).toContainText(email);
  });
});
