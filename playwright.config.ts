import { defineConfig, devices, type PlaywrightTestConfig } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "./e2e/chromium";
import { DEMO_PORT as PORT, OWN_ORGANISATION_PORT, POSTGRES_PROXY_PORT } from "./e2e/ports";

// The suite runs the app the way the README's first command does, on its own fresh database.
const DATABASE_PATH = "./data/e2e/countersign.db";
const BROWSER = { ...devices["Desktop Chrome"], viewport: { width: 1440, height: 900 } };
const ESTATE_GROWING = /[\\/](import-register|runtime|runtime-ui)\.spec\.ts$/;
const ON_POSTGRES = /[\\/]postgres[\\/].*\.spec\.ts$/;
// Role journeys that also run on PostgreSQL, through the proxy, so each request may land on either instance.
const ALSO_ON_POSTGRES = /[\\/]signoffs\.spec\.ts$/;
const fresh = (dir: string) => `node -e "require('fs').rmSync('${dir}', { recursive: true, force: true })"`;

const ON_PROXY = { ...BROWSER, baseURL: `http://localhost:${POSTGRES_PROXY_PORT}` };

type WebServer = Extract<NonNullable<PlaywrightTestConfig["webServer"]>, unknown[]>[number];

// Started one after the other: the second finds the app already built by the first. E2E_ONLY=postgres starts
// the PostgreSQL installation alone, for `npx playwright test --project postgres` while working on it.
const WEB_SERVERS: WebServer[] = [
  {
    command: `${fresh("data/e2e")} && npm start`,
    url: `http://localhost:${PORT}/api/health`,
    env: { PORT: String(PORT), DATABASE_PATH },
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
  {
    // A real organisation's installation: an empty database, no demo estate (e2e/own-organisation.spec.ts).
    command: `${fresh("data/e2e-own")} && npm start`,
    url: `http://localhost:${OWN_ORGANISATION_PORT}/api/health`,
    env: { PORT: String(OWN_ORGANISATION_PORT), DATABASE_PATH: "./data/e2e-own/countersign.db", COUNTERSIGN_DEMO: "off" },
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
  {
    // A throwaway PostgreSQL, the demo estate in it, two instances and a round-robin proxy (e2e/postgres/stack.ts).
    command: "npx tsx e2e/postgres/stack.ts",
    url: `http://localhost:${POSTGRES_PROXY_PORT}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
];

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  // Generous, so that a busy two-core CI runner (the app server and two browsers at once) fails no correct test.
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? [["list"], ["json", { outputFile: "reports/e2e-results.json" }]] : [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "retain-on-failure",
    // A step that cannot happen fails after a minute, with its reason, instead of waiting for the whole test's time.
    actionTimeout: 60_000,
    navigationTimeout: 60_000,
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
  projects: [
    { name: "chromium", testIgnore: [ESTATE_GROWING, ON_POSTGRES], use: BROWSER },
    // Countersign on PostgreSQL, two instances behind a proxy (e2e/postgres/stack.ts).
    { name: "postgres", testMatch: ON_POSTGRES, use: ON_PROXY },
    // The four owners' sign-off journey in the browser, on PostgreSQL, after the instance checks (which promote changes).
    { name: "postgres-journeys", testMatch: ALSO_ON_POSTGRES, dependencies: ["postgres"], use: ON_PROXY },
    // Journeys that grow the demo estate (registered agents, incidents opened by runtime breaches) run last, so the counts the others check hold while they run.
    { name: "estate-growing", testMatch: ESTATE_GROWING, dependencies: ["chromium"], use: BROWSER },
  ],
  webServer: WEB_SERVERS.filter((server) => process.env.E2E_ONLY !== "postgres" || server.command.includes("postgres")),
});
