import { expect, test } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { signIn } from "./fixtures";
import { DEMO_PORT } from "./ports";

// The real `countersign` binary against the running demo estate, as a CI pipeline would use it.
const root = path.resolve(__dirname, "..");

type Spec = { instructions: string; tools: { system: string; actions: { name: string; limit?: { amount: number; unit: string } }[] }[] };

test("export prints what production runs; diff --fail-on escalation stops a raised limit and passes a rewording", async ({ page }) => {
  await signIn(page, "admin@countersign.test");
  await page.goto("/settings/tokens");
  const name = `e2e-cli-${Date.now()}`;
  const form = page.getByRole("form", { name: "Issue an API token" });
  await form.getByLabel("Name").fill(name);
  await form.getByRole("checkbox", { name: "read", exact: true }).check();
  await form.getByRole("button", { name: "Issue token" }).click();
  const token = await page.getByLabel("New API token").inputValue();
  expect(token).toMatch(/^cst_/);

  const env = { ...process.env, COUNTERSIGN_URL: `http://localhost:${DEMO_PORT}`, COUNTERSIGN_TOKEN: token };
  const countersign = (...args: string[]) =>
    spawnSync(process.execPath, ["bin/countersign.mjs", ...args], { cwd: root, env, encoding: "utf8" });
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-cli-e2e-"));
  const file = path.join(dir, "refund-assistant.yaml");

  const exported = countersign("export", "--agent", "refund-assistant");
  expect(exported.stderr).toBe("");
  expect(exported.status).toBe(0);
  expect(exported.stdout).toMatch(/^# refund-assistant as production runs it: v\d+/);
  expect(exported.stdout).toContain("refunds.create");

  // A raised refund limit escalates authority: the pipeline step fails with exit 3 and says why.
  const raised = parse(exported.stdout) as Spec;
  const create = raised.tools.flatMap((t) => t.actions).find((a) => a.name === "refunds.create")!;
  create.limit = { amount: (create.limit?.amount ?? 50) * 10, unit: create.limit?.unit ?? "USD" };
  writeFileSync(file, stringify(raised));
  const escalated = countersign("diff", file, "--agent", "refund-assistant", "--fail-on", "escalation");
  expect(escalated.stderr).toBe("");
  expect(escalated.status).toBe(3);
  expect(escalated.stdout).toContain("escalation");
  expect(escalated.stdout).toMatch(/refunds\.create limit raised/);
  expect(escalated.stdout).toMatch(/Risk tier: (high|critical)/);

  const markdown = countersign("diff", file, "--agent", "refund-assistant", "--format", "markdown");
  expect(markdown.status).toBe(0);
  expect(markdown.stdout).toMatch(/^### Countersign: refund-assistant in production/);
  expect(markdown.stdout).toContain("| ▲ escalation |");

  // Only the instructions' wording changed: nothing escalates, so the step passes.
  const reworded = parse(countersign("export", "--agent", "refund-assistant").stdout) as Spec;
  reworded.instructions = reworded.instructions.replace("You help support staff", "You assist support staff");
  reworded.instructions += "\nBe courteous.";
  writeFileSync(file, stringify(reworded));
  const wording = countersign("diff", file, "--agent", "refund-assistant", "--fail-on", "escalation");
  expect(wording.stderr).toBe("");
  expect(wording.status).toBe(0);
  expect(wording.stdout).not.toContain("▲");

  // A token the server does not know is refused plainly, with exit 1.
  const refused = spawnSync(process.execPath, ["bin/countersign.mjs", "export", "--agent", "refund-assistant", "--token", "cst_nope"], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain("401");
});
