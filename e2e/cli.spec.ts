import { expect, test } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { issueToken } from "./fixtures";
import { DEMO_PORT } from "./ports";

// The real `countersign` binary, run as `npx countersign`, against the running demo estate, as a CI pipeline
// would use it. The journeys use renewal-negotiator, which no other journey changes, so what production runs
// stays put while they read it.
const root = path.resolve(__dirname, "..");
const AGENT = "renewal-negotiator";

type Spec = { instructions: string; tools: { system: string; actions: { name: string; limit?: { amount: number; unit: string } }[] }[] };

function cli(token: string) {
  const env = { ...process.env, COUNTERSIGN_URL: `http://localhost:${DEMO_PORT}`, COUNTERSIGN_TOKEN: token, GITHUB_HEAD_REF: "" };
  return (...args: string[]) => spawnSync("npx", ["--no-install", "countersign", ...args], { cwd: root, env, encoding: "utf8" });
}

/** The spec production runs with the discount band (quotes.create's limit) set to `amount`. */
function withBand(exported: string, amount: number): Spec {
  const spec = parse(exported) as Spec;
  spec.tools.flatMap((t) => t.actions).find((a) => a.name === "quotes.create")!.limit!.amount = amount;
  return spec;
}

test("export prints what production runs; diff --fail-on escalation stops a raised limit and passes a rewording", async ({ page }) => {
  const token = await issueToken(page, ["read"], "e2e-cli");
  const countersign = cli(token);
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-cli-e2e-"));
  const file = path.join(dir, `${AGENT}.yaml`);

  const exported = countersign("export", "--agent", AGENT);
  expect(exported.stderr).toBe("");
  expect(exported.status).toBe(0);
  expect(exported.stdout).toMatch(new RegExp(`^# ${AGENT} as production runs it: v\\d+`));
  expect(exported.stdout).toContain("quotes.create");

  // A wider discount band escalates authority: the pipeline step fails with exit 3 and says why.
  writeFileSync(file, stringify(withBand(exported.stdout, 25)));
  const escalated = countersign("diff", file, "--agent", AGENT, "--fail-on", "escalation");
  expect(escalated.stderr).toBe("");
  expect(escalated.status).toBe(3);
  expect(escalated.stdout).toContain("escalation");
  expect(escalated.stdout).toMatch(/quotes\.create limit raised/);
  expect(escalated.stdout).toMatch(/Risk tier: (high|critical)/);

  const markdown = countersign("diff", file, "--agent", AGENT, "--format", "markdown");
  expect(markdown.status).toBe(0);
  expect(markdown.stdout).toMatch(new RegExp(`^### Countersign: ${AGENT} in production`));
  expect(markdown.stdout).toContain("| ▲ escalation |");

  // Only the instructions' wording changed: nothing escalates, so the step passes.
  const reworded = parse(exported.stdout) as Spec;
  reworded.instructions = reworded.instructions.replace("Prepare renewal quotes", "Prepare the renewal quotes");
  writeFileSync(file, stringify(reworded));
  const wording = countersign("diff", file, "--agent", AGENT, "--fail-on", "escalation");
  expect(wording.stderr).toBe("");
  expect(wording.status).toBe(0);
  expect(wording.stdout).not.toContain("▲");

  // A token the server does not know is refused plainly, with exit 1.
  const refused = countersign("export", "--agent", AGENT, "--token", "cst_nope");
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain("401");
});

test("propose twice from the same branch updates one change record; --fail-on escalation stops a wider band, not a rewording", async ({
  page,
}) => {
  const countersign = cli(await issueToken(page, ["read", "changes:write"], "e2e-cli"));
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-propose-e2e-"));
  const file = path.join(dir, `${AGENT}.yaml`);
  const exported = countersign("export", "--agent", AGENT).stdout;
  const branch = `feat/discount-band-${Date.now()}`;
  const propose = (title: string, ...extra: string[]) =>
    countersign(
      "propose",
      file,
      "--agent",
      AGENT,
      "--title",
      title,
      "--branch",
      branch,
      "--pr-url",
      "https://github.com/acme/agents/pull/42",
      ...extra,
    );

  writeFileSync(file, stringify(withBand(exported, 25)));
  const first = propose("Wider discount band", "--fail-on", "escalation");
  expect(first.stderr).toBe("");
  expect(first.status).toBe(3);
  const number = /^(CR-\d+) opened: Wider discount band \(renewal-negotiator, from branch feat\/discount-band-\d+\)$/m.exec(
    first.stdout,
  )?.[1];
  expect(number, first.stdout).toBeDefined();
  expect(first.stdout).toContain(`http://localhost:${DEMO_PORT}/changes/${number}`);
  expect(first.stdout).toMatch(/Risk tier: critical; 1 escalation of authority/);
  expect(first.stdout).toMatch(/▲ escalation {2}quotes\.create limit raised/);
  expect(first.stdout).toMatch(/Sign-offs:\n(.*\n)*\s+security\s+not asked yet/);

  // The next push on the pull request: a narrower band, sent to review. The same change, updated.
  writeFileSync(file, stringify(withBand(exported, 20)));
  const second = propose(
    "Wider discount band, 20%",
    "--submit",
    "--rollback-plan",
    "Promote the previous version again from the agent page.",
    "--rollback-owner",
    "ops@countersign.test",
    "--harm-metric",
    "quotes above the approved band > 0 over 7d",
    "--format",
    "json",
  );
  expect(second.stderr).toBe("");
  expect(second.status).toBe(0);
  const report = JSON.parse(second.stdout) as { number: string; created: boolean; state: string; escalates: boolean };
  expect(report).toMatchObject({ number, created: false, state: "in_review", escalates: true });

  const listed = (await (await page.request.get(`/api/v1/changes?branch=${encodeURIComponent(branch)}`)).json()) as {
    items: { number: string; title: string; state: string }[];
  };
  expect(listed.items).toEqual([expect.objectContaining({ number, title: "Wider discount band, 20%", state: "in_review" })]);

  await page.goto(`/changes/${number}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Wider discount band, 20%");
  await expect(page.getByText(`From branch ${branch}`)).toBeVisible();
  await expect(page.getByRole("link", { name: "Pull request" })).toHaveAttribute("href", "https://github.com/acme/agents/pull/42");

  // A rewording from another branch escalates nothing: the step passes.
  const reworded = parse(exported) as Spec;
  reworded.instructions = reworded.instructions.replace("Prepare renewal quotes", "Prepare the renewal quotes");
  writeFileSync(file, stringify(reworded));
  const wording = countersign(
    "propose",
    file,
    "--agent",
    AGENT,
    "--title",
    "Clearer wording",
    "--branch",
    `${branch}-wording`,
    "--fail-on",
    "escalation",
  );
  expect(wording.stderr).toBe("");
  expect(wording.status).toBe(0);
  expect(wording.stdout).toMatch(/^CR-\d+ opened: Clearer wording/);
  expect(wording.stdout).not.toContain("▲");
});

test("observe: production in sync; a wider band observed in staging opens drift (--fail-on exits 3); what staging runs closes it", async ({
  page,
}) => {
  test.slow(); // six runs of the real binary, each a process of its own
  const countersign = cli(await issueToken(page, ["read", "observe"], "e2e-cli"));
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-observe-e2e-"));
  const file = path.join(dir, `${AGENT}.yaml`);
  const source = "e2e nightly Salesforce retrieve";

  // What production runs, observed as it is: in sync, nothing opens. The other journeys' production stays put.
  writeFileSync(file, countersign("export", "--agent", AGENT).stdout);
  const inSync = countersign("observe", file, "--agent", AGENT, "--source", source, "--fail-on", "escalation");
  expect(inSync.stderr).toBe("");
  expect(inSync.status).toBe(0);
  expect(inSync.stdout).toMatch(new RegExp(`^${AGENT} in production is in sync with v\\d+\\nObserved .+ by ${source}\\n$`));

  // Staging found running a wider discount band than was deployed there: drift, and the step fails.
  writeFileSync(file, stringify(withBand(countersign("export", "--agent", AGENT).stdout, 25)));
  const drifted = countersign("observe", file, "--agent", AGENT, "--env", "staging", "--source", source, "--fail-on", "escalation");
  expect(drifted.stderr).toBe("");
  expect(drifted.status).toBe(3);
  // A retried run finds the record its first attempt left open: updated, not opened.
  const number = new RegExp(`^drift (DR-\\d+) \\((high|critical)\\) (opened|updated): ${AGENT} in staging differs from v\\d+`).exec(
    drifted.stdout,
  )?.[1];
  expect(number, drifted.stdout).toBeDefined();
  expect(drifted.stdout).toContain(`http://localhost:${DEMO_PORT}/agents/${AGENT}#drift`);
  expect(drifted.stdout).toMatch(/▲ escalation {2}quotes\.create limit raised/);
  expect(drifted.stdout).toContain("Not resolved yet");

  // Staging observed running what was deployed there again: the record closes, and says why.
  writeFileSync(file, countersign("export", "--agent", AGENT, "--env", "staging").stdout);
  const closed = countersign("observe", file, "--agent", AGENT, "--env", "staging", "--source", source, "--fail-on", "escalation");
  expect(closed.stderr).toBe("");
  expect(closed.status).toBe(0);
  expect(closed.stdout).toMatch(
    new RegExp(`^drift ${number} closed: ${AGENT} in staging is in sync with v\\d+; it returned to the approved version\\n`),
  );

  const listed = (await (await page.request.get(`/api/v1/drift?agent=${AGENT}&environment=staging&state=closed`)).json()) as {
    items: { number: string; closedReason: string; observationCount: number }[];
  };
  expect(listed.items).toContainEqual(expect.objectContaining({ number, closedReason: "returned_to_approved", observationCount: 2 }));
});
