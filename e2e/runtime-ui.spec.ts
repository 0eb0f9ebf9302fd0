import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { otlpJson, recordSpans, type Decision } from "../lib/testing/otel-spans";
import { issueToken, signIn } from "./fixtures";

// Runtime evidence, end to end: a runtime's exporter sends traces of chargeback-responder in production through
// the real OTLP endpoint, one of them calling an action its version was never granted, and enough corrections
// to cross the policy's correction-rate threshold. Security reads the breaches on the agent's page, the home
// page flags the agent, and the change that released its version shows what happened since. No other journey
// releases chargeback-responder and the demo history sends it no traffic, so what its production runs moves only
// here; its release is recent enough (under 30 days) for Since release to read these spans.
const AGENT = "chargeback-responder";
const AGENT_NAME = "Chargeback Responder";
const UNGRANTED = "github:repos.delete";

type Production = { version: number; kind: string; changeNumber: string | null };
type Spec = { model: { name: string; version: string }; tools: { system: string; actions: { name: string }[] }[] };

/** axe-core's rules run on one part of the page; serious and critical findings fail the journey. */
async function seriousA11yProblems(page: Page, selector: string): Promise<string[]> {
  // axe-core comes with eslint's accessibility rules; its script is injected as is.
  const axePath = require.resolve("axe-core/axe.min.js");
  await page.addScriptTag({ content: readFileSync(axePath, "utf8") });
  return page.evaluate(async (sel) => {
    const axe = (
      window as unknown as { axe: { run: (context: string) => Promise<{ violations: { id: string; impact: string; help: string }[] }> } }
    ).axe;
    const { violations } = await axe.run(sel);
    return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
  }, selector);
}

test.describe.serial("runtime evidence of chargeback-responder: sent over OTLP, read on the agent, home and change pages", () => {
  // The steps build on the spans sent first: a retry would send them twice.
  test.describe.configure({ retries: 0 });
  let change = "";

  test("a runtime's exporter sends traces through the OTLP endpoint", async ({ page }) => {
    const token = await issueToken(page, ["read", "evidence:write"], "e2e-runtime-ui");
    const auth = { Authorization: `Bearer ${token}` };
    const agent = (await (await page.request.get(`/api/v1/agents/${AGENT}`, { headers: auth })).json()) as {
      environments: { production: Production };
    };
    const production = agent.environments.production;
    expect(["promote", "emergency"]).toContain(production.kind);
    change = production.changeNumber!;
    const { spec } = (await (
      await page.request.get(`/api/v1/agents/${AGENT}/versions/${production.version}`, { headers: auth })
    ).json()) as {
      spec: Spec;
    };
    const granted = `${spec.tools[0]!.system}:${spec.tools[0]!.actions[0]!.name}`;
    const model = spec.model.version ? `${spec.model.name}-${spec.model.version}` : spec.model.name;
    // 20 decisions in the last half hour, 6 of them corrected (30%, past the policy's 20%), one calling an action never granted.
    const start = Date.now() - 30 * 60_000;
    const decisions: Decision[] = Array.from({ length: 20 }, (_, i) => ({
      at: start + i * 60_000,
      model,
      corrected: i % 3 === 0 && i < 18,
      tools: [{ tool: i === 7 ? UNGRANTED : granted }],
    }));
    const body = Buffer.from(otlpJson(recordSpans({ "countersign.agent": AGENT, "deployment.environment.name": "production" }, decisions)));
    const response = await page.request.post("/api/v1/otlp/v1/traces", {
      headers: { ...auth, "Content-Type": "application/json" },
      data: body,
    });
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({});
  });

  test("security reads the breaches, the thresholds and the actions on the agent's page", async ({ page }) => {
    await signIn(page, "security@countersign.test");
    await page.goto(`/agents/${AGENT}#runtime`);
    const panel = page.getByRole("region", { name: "Runtime evidence" });
    await expect(panel.getByRole("link", { name: "30 days" })).toHaveAttribute("aria-current", "true");
    await expect(panel.getByRole("definition").filter({ hasText: /^20$/ })).toHaveCount(2); // 20 decisions, 20 tool calls

    const ungranted = panel.getByRole("article").filter({ hasText: "ungranted action" });
    await expect(ungranted).toHaveCount(1);
    await expect(ungranted).toHaveAttribute("aria-label", /^Breach BR-\d+$/);
    await expect(ungranted).toContainText(UNGRANTED);
    await expect(ungranted.getByRole("link", { name: change })).toHaveAttribute("href", `/changes/${change}`);
    await expect(ungranted.getByRole("link", { name: /incidents/ })).toBeVisible();

    const harm = panel.getByRole("article").filter({ hasText: "harm threshold" });
    await expect(harm).toContainText("corrections_rate");
    await expect(harm).toContainText("30%");
    await expect(harm).toContainText("still crossed");

    const thresholds = panel.getByRole("table", { name: /^Harm thresholds of / });
    const corrections = thresholds.getByRole("row").filter({ hasText: "corrections_rate > 20 over 7d" });
    await expect(corrections).toContainText("policy default");
    await expect(corrections).toContainText("30%");
    await expect(corrections).toContainText("breached");

    const actions = panel.getByRole("table", { name: /^Actions .* called in production$/ });
    await expect(actions.getByRole("row").filter({ hasText: UNGRANTED })).toContainText("not granted");
    await expect(panel).toContainText(`Traces name this agent: ${AGENT}`);

    expect(await seriousA11yProblems(page, "#runtime")).toEqual([]);
  });

  test("the range and environment are in the URL: staging has no evidence and says how to send it", async ({ page }) => {
    await signIn(page, "security@countersign.test");
    await page.goto(`/agents/${AGENT}#runtime`);
    const panel = page.getByRole("region", { name: "Runtime evidence" });
    await panel.getByRole("navigation", { name: "Runtime range" }).getByRole("link", { name: "7 days" }).click();
    await expect(page).toHaveURL(/runtimeRange=7d/);
    await expect(panel.getByRole("article").filter({ hasText: "ungranted action" })).toHaveCount(1);
    await panel.getByRole("navigation", { name: "Runtime environment" }).getByRole("link", { name: "staging" }).click();
    await expect(page).toHaveURL(/runtimeEnv=staging/);
    await expect(panel).toContainText("No runtime evidence from staging in the last 7 days");
    await expect(panel).toContainText("/api/v1/otlp/v1/traces");
    expect(await seriousA11yProblems(page, "#runtime")).toEqual([]);
  });

  test("the home page flags the agent under Runtime breaches", async ({ page }) => {
    await signIn(page, "security@countersign.test");
    const card = page.getByRole("region", { name: "Runtime breaches" });
    const link = card.getByRole("link", { name: AGENT_NAME });
    await expect(link).toHaveAttribute("href", `/agents/${AGENT}#runtime`);
    await expect(card.getByRole("listitem").filter({ has: page.getByRole("link", { name: AGENT_NAME }) })).toContainText(
      "ungranted action",
    );
  });

  test("the change that released the running version shows what happened since", async ({ page }) => {
    await signIn(page, "security@countersign.test");
    await page.goto(`/changes/${change}`);
    const since = page.getByRole("region", { name: "Since release" });
    const decisions = since.getByRole("row", { name: /^Decisions/ });
    await expect(decisions.getByRole("cell").last()).toContainText(/^20/);
    await expect(since.getByRole("article").filter({ hasText: "ungranted action" })).toContainText(UNGRANTED);
    await expect(since.getByRole("article").filter({ hasText: "harm threshold" })).toContainText("corrections_rate");
    expect(await seriousA11yProblems(page, "#since-release")).toEqual([]);
  });
});
