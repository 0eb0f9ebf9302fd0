import { chromium, type Browser } from "@playwright/test";
import { gzipSync } from "node:zlib";

export type PageLoad = { url: string; lcpMs?: number; jsGzipBytes: number; jsFiles: number } | { url: string; error: string };

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
}

/**
 * Loads a page signed in (the session cookie set on a fresh context, so nothing is cached) and reads its
 * largest contentful paint and the JavaScript it loaded: each script's body gzipped at level 9 and summed.
 */
export async function loadPage(browser: Browser, base: string, route: string, cookie: string, timeoutMs: number): Promise<PageLoad> {
  const url = base + route;
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    await context.addCookies(
      cookie.split("; ").map((pair) => {
        const at = pair.indexOf("=");
        return { name: pair.slice(0, at), value: pair.slice(at + 1), url: base };
      }),
    );
    const page = await context.newPage();
    const scripts: Promise<number>[] = [];
    page.on("response", (response) => {
      if (response.request().resourceType() !== "script") return;
      scripts.push(
        response
          .body()
          .then((body) => gzipSync(body, { level: 9 }).length)
          .catch(() => 0),
      );
    });
    const response = await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
    if (!response || !response.ok()) return { url: route, error: `answered ${response?.status() ?? "nothing"}` };
    if (new URL(page.url()).pathname === "/login") return { url: route, error: "redirected to the login page" };
    await page.waitForLoadState("networkidle", { timeout: timeoutMs }).catch(() => undefined);
    const lcpMs = await page.evaluate(
      () =>
        new Promise<number | undefined>((resolve) => {
          let last: number | undefined;
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) last = entry.startTime;
          }).observe({ type: "largest-contentful-paint", buffered: true });
          setTimeout(() => resolve(last), 500);
        }),
    );
    const sizes = await Promise.all(scripts);
    return { url: route, lcpMs, jsGzipBytes: sizes.reduce((a, b) => a + b, 0), jsFiles: sizes.length };
  } catch (error) {
    return { url: route, error: error instanceof Error ? error.message.split("\n")[0]! : String(error) };
  } finally {
    await context.close();
  }
}
