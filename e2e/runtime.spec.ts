import { spawn } from "node:child_process";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { issueToken, signIn } from "./fixtures";

// Runtime evidence, end to end, with the real simulator (examples/runtime/simulate.ts): it reads what production runs
// through the API, then sends GenAI spans with the OpenTelemetry SDK's own OTLP/HTTP exporters, as an agent runtime
// would. One call to an action production was not granted is a breach with a sev2 incident; answers from another model
// open a drift record. vip-escalation-agent is no other journey's agent, and the demo estate gives it no runtime history.
const AGENT = "vip-escalation-agent";
const UNGRANTED = "salesforce:records.purge_all"; // what the simulator calls on the spec's first system
const ROOT = path.resolve(__dirname, "..");

type Breach = { number: string; kind: string; action: string | null; environment: string; version: number; incidentId: string | null };
type Run = { code: number | null; stdout: string; stderr: string };

/** Runs the simulator as a child process against the app under test, the way its README says to. */
function simulate(baseURL: string, token: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(ROOT, "node_modules", ".bin", "tsx"),
      ["examples/runtime/simulate.ts", "--url", baseURL, "--token", token, "--agent", AGENT, ...args],
      { cwd: ROOT, env: { ...process.env, COUNTERSIGN_TOKEN: "", COUNTERSIGN_URL: "" } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

async function getJson<T>(request: APIRequestContext, url: string, token: string): Promise<T> {
  const response = await request.get(url, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status(), url).toBe(200);
  return (await response.json()) as T;
}

test.describe
  .serial("runtime evidence from the real simulator: an ungranted call is a breach with an incident, another model is drift", () => {
  // Each step builds on the last: a retry would send the traffic, and open the breach, twice.
  test.describe.configure({ retries: 0 });
  let token = "";
  let production = 0;
  let breach: Breach;

  test("admin@ issues a token that reads and sends runtime evidence", async ({ page, request }) => {
    token = await issueToken(page, ["read", "evidence:write"], "e2e-runtime");
    const agent = await getJson<{ environments: { production: { version: number } | null } }>(request, `/api/v1/agents/${AGENT}`, token);
    production = agent.environments.production!.version;
    const before = await getJson<{ breaches: Breach[] }>(request, `/api/v1/agents/${AGENT}/runtime`, token);
    expect(before.breaches).toEqual([]);
  });

  test("the simulator sends ungranted traffic over OTLP protobuf; the runtime API shows the breach and its incident", async ({
    request,
    baseURL,
  }) => {
    const run = await simulate(baseURL!, token, ["--scenario", "ungranted", "--decisions", "12", "--protocol", "protobuf"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Sent 12 decisions, \d+ tool calls \(\d+ spans\), scenario ungranted, protocol protobuf, to /);

    const runtime = await getJson<{ totals: { decisions: number }; breaches: Breach[] }>(request, `/api/v1/agents/${AGENT}/runtime`, token);
    expect(runtime.totals.decisions).toBe(12);
    expect(runtime.breaches).toHaveLength(1);
    breach = runtime.breaches[0]!;
    expect(breach).toMatchObject({ kind: "ungranted_action", action: UNGRANTED, environment: "production", version: production });
    expect(breach.number).toMatch(/^BR-\d+$/);
    expect(breach.incidentId).not.toBeNull();

    const incidents = await getJson<{ items: { id: string; severity: string; title: string; resolvedAt: string | null }[] }>(
      request,
      `/api/v1/incidents?agent=${AGENT}`,
      token,
    );
    expect(incidents.items.find((i) => i.id === breach.incidentId)).toMatchObject({
      severity: "sev2",
      title: expect.stringMatching(new RegExp(`^${breach.number}: ungranted action on v${production} — `)),
      resolvedAt: null,
    });
  });

  test("security@ finds the breach's sev2 incident open in the incidents list", async ({ page }) => {
    await signIn(page, "security@countersign.test");
    await page.goto(`/incidents?agent=${AGENT}`);
    const row = page
      .getByRole("table", { name: "Incidents" })
      .getByRole("row")
      .filter({ hasText: `${breach.number}: ungranted action` });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("SEV2");
    await expect(row).toContainText("open");
    await expect(row).toContainText(UNGRANTED);
  });

  test("answers from another model, over OTLP JSON, open a drift record observed from runtime traces", async ({
    page,
    request,
    baseURL,
  }) => {
    const run = await simulate(baseURL!, token, ["--scenario", "model-swap", "--decisions", "6", "--protocol", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Sent 6 decisions, .* scenario model-swap, protocol json, /);

    const drift = await getJson<{ items: { number: string; state: string; environment: string }[] }>(
      request,
      `/api/v1/drift?agent=${AGENT}&state=open`,
      token,
    );
    expect(drift.items).toEqual([expect.objectContaining({ environment: "production", state: "open" })]);
    const number = drift.items[0]!.number;

    await signIn(page, "security@countersign.test");
    await page.goto(`/agents/${AGENT}#drift`);
    const record = page.locator("#drift").getByRole("article", { name: `Drift ${number}` });
    await expect(record).toContainText("production");
    await expect(record.getByRole("region", { name: "Resolution" })).toContainText("Not resolved yet.");
    const observations = record.getByRole("table", { name: `Observations of ${number}` });
    await expect(
      observations.getByRole("cell", { name: /^runtime traces: .+-mini-2099-01-01 answered \(trace [0-9a-f]{32}\)$/ }),
    ).toHaveCount(1);
  });

  // The agent page's runtime section (the UI contract: region "Runtime evidence", one article per breach).
  test("security@ reads the breach on the agent's page and follows it to its incident", async ({ page }) => {
    await signIn(page, "security@countersign.test");
    await page.goto(`/agents/${AGENT}#runtime`);
    const runtime = page.getByRole("region", { name: "Runtime evidence" });
    await expect(runtime).toBeVisible();
    const article = runtime.getByRole("article", { name: `Breach ${breach.number}` });
    await expect(article).toContainText("ungranted action");
    await expect(article).toContainText(UNGRANTED);
    await expect(article).toContainText(`v${production}`);
    await expect(article.getByRole("link", { name: /^CR-\d+$/ })).toBeVisible();
    await article.getByRole("link", { name: /incident/i }).click();
    await expect(page).toHaveURL(/\/incidents/);
    await expect(
      page
        .getByRole("table", { name: "Incidents" })
        .getByRole("row")
        .filter({ hasText: `${breach.number}: ungranted action` }),
    ).toContainText("SEV2");
  });
});
