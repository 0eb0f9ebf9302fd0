import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "./main";
import { observeCommand } from "./observe";

// The command in-process, against a fetch that answers as POST /api/v1/agents/{slug}/observations does.
const YAML = `model:
  provider: anthropic
  name: claude
  version: "2025-01-01"
instructions: You help support staff issue refunds.
autonomy: bounded
tools:
  - system: stripe
    actions:
      - name: refunds.create
        access: write
        approval: required
        limit:
          amount: 500
          unit: USD
forbidden: []
traceRetentionDays: 90
`;

const OBSERVATION = {
  id: "o1",
  environment: "production",
  specHash: "h9",
  source: "nightly retrieve",
  observedAt: "2026-03-02T03:00:00.000Z",
};

const DRIFT = {
  id: "d1",
  number: "DR-7",
  agent: "refund-assistant",
  environment: "production",
  state: "open",
  severity: "high",
  reasons: ["refunds.create limit raised from 50 USD to 500 USD"],
  diff: [
    { direction: "neutral", domain: "behaviour", summary: "instructions changed", path: "instructions" },
    { direction: "escalation", domain: "authority", summary: "refunds.create limit raised from 50 USD to 500 USD", path: "tools.stripe" },
  ],
  approvedVersion: 3,
  resolution: null,
  acceptanceLapsedAt: null,
  closedAt: null,
  closedReason: null,
  observationCount: 1,
};

const IN_SYNC = { observation: OBSERVATION, inSync: true, comparedWith: { version: 3, specHash: "h3" }, drift: null };
const OPENED = { observation: OBSERVATION, inSync: false, comparedWith: { version: 3, specHash: "h3" }, drift: DRIFT };

function observationsApi(answer: unknown = OPENED, status = 201) {
  const sent: { url: string; method: string; auth: string | null; body: Record<string, unknown> }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const auth = new Headers(init?.headers).get("authorization");
    sent.push({ url: String(input), method: init?.method ?? "GET", auth, body: JSON.parse(String(init?.body ?? "null")) });
    return Response.json(answer, { status });
  }) as typeof fetch;
  return { sent, fetchImpl };
}

const ENV = { COUNTERSIGN_URL: "https://cs.example.com/", COUNTERSIGN_TOKEN: "cst_env" };

async function observe(args: string[], api = observationsApi(), env: Readonly<Record<string, string | undefined>> = ENV) {
  let out = "";
  let err = "";
  const status = await observeCommand.run(args, { out: (t) => void (out += t), err: (t) => void (err += t) }, env, api.fetchImpl);
  return { status, out, err, sent: api.sent };
}

let spec: string;
beforeAll(() => {
  spec = path.join(mkdtempSync(path.join(tmpdir(), "countersign-observe-")), "observed.yaml");
  writeFileSync(spec, YAML);
});
const args = (...extra: string[]) => [spec, "--agent", "refund-assistant", "--source", "nightly retrieve", ...extra];

describe("countersign observe", () => {
  it("posts the spec read from the files, the environment (production by default), the source and the time", async () => {
    const r = await observe(args("--observed-at", "2026-03-02T04:00:00+01:00"));
    expect(r.err).toBe("");
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]).toMatchObject({
      url: "https://cs.example.com/api/v1/agents/refund-assistant/observations",
      method: "POST",
      auth: "Bearer cst_env",
      body: { environment: "production", source: "nightly retrieve", observedAt: "2026-03-02T03:00:00.000Z" },
    });
    expect(Object.keys(r.sent[0]!.body).sort()).toEqual(["environment", "observedAt", "source", "spec"]);
    expect((r.sent[0]!.body.spec as { tools: { actions: { limit: { amount: number } }[] }[] }).tools[0]!.actions[0]!.limit.amount).toBe(
      500,
    );
    const staging = await observe(args("--env", "staging"));
    expect(staging.sent[0]!.body).toMatchObject({ environment: "staging" });
    expect(staging.sent[0]!.body).not.toHaveProperty("observedAt");
  });

  it("says an observation in sync is in sync with the deployed version", async () => {
    const r = await observe(args(), observationsApi(IN_SYNC));
    expect(r.status).toBe(0);
    expect(r.out).toBe("refund-assistant in production is in sync with v3\nObserved 2026-03-02T03:00:00.000Z by nightly retrieve\n");
  });

  it("prints the drift record opened: number, severity, escalations first, the link, and that nobody decided yet", async () => {
    const r = await observe(args());
    expect(r.status).toBe(0);
    expect(r.out).toBe(
      [
        "drift DR-7 (high) opened: refund-assistant in production differs from v3, the approved version",
        "Observed 2026-03-02T03:00:00.000Z by nightly retrieve",
        "https://cs.example.com/agents/refund-assistant#drift",
        "Severity: high; 1 escalation of authority",
        "Why:",
        "  - refunds.create limit raised from 50 USD to 500 USD",
        "Permission diff:",
        "  ▲ escalation  refunds.create limit raised from 50 USD to 500 USD",
        "  • neutral  instructions changed",
        "Not resolved yet: adopt it as a change, restore the approved version, or accept the risk for a while.",
        "",
      ].join("\n"),
    );
  });

  it("says updated when the observation joins an open record, with the resolution in force", async () => {
    const accepted = {
      ...DRIFT,
      observationCount: 4,
      resolution: {
        action: "accept",
        reason: "Vendor fix due",
        by: "security@countersign.test",
        expiresAt: "2026-04-01T00:00:00.000Z",
        change: null,
      },
    };
    const r = await observe(args(), observationsApi({ ...OPENED, drift: accepted }));
    expect(r.out).toMatch(/^drift DR-7 \(high\) updated: refund-assistant in production differs from v3/);
    expect(r.out).toContain("Risk accepted until 2026-04-01T00:00:00.000Z: Vendor fix due\n");
    const nothing = await observe(args(), observationsApi({ ...OPENED, comparedWith: null }));
    expect(nothing.out).toMatch(
      /^drift DR-7 \(high\) opened: refund-assistant in production runs with no approved version deployed there\n/,
    );
  });

  it("says a record closed by an observation in sync, and why", async () => {
    const closed = {
      ...DRIFT,
      state: "closed",
      closedReason: "restored",
      observationCount: 3,
      resolution: { action: "restore", reason: "x" },
    };
    const r = await observe(args("--fail-on", "escalation"), observationsApi({ ...IN_SYNC, drift: closed }));
    expect(r.status).toBe(0);
    expect(r.out).toBe(
      [
        "drift DR-7 closed: refund-assistant in production is in sync with v3; the approved version was restored",
        "Observed 2026-03-02T03:00:00.000Z by nightly retrieve",
        "https://cs.example.com/agents/refund-assistant#drift",
        "",
      ].join("\n"),
    );
  });

  it("--fail-on exits 3 when the drift escalates or is severe enough, never when in sync", async () => {
    expect((await observe(args("--fail-on", "escalation"))).status).toBe(3);
    expect((await observe(args("--fail-on", "high"))).status).toBe(3);
    expect((await observe(args("--fail-on", "critical"))).status).toBe(0);
    const reworded = { ...DRIFT, severity: "low", reasons: [], diff: [DRIFT.diff[0]] };
    expect((await observe(args("--fail-on", "escalation"), observationsApi({ ...OPENED, drift: reworded }))).status).toBe(0);
    expect((await observe(args("--fail-on", "escalation"), observationsApi(IN_SYNC))).status).toBe(0);
  });

  it("prints json for scripts and markdown that keeps the server's text as text", async () => {
    const json = JSON.parse((await observe(args("--format", "json"))).out) as Record<string, unknown>;
    expect(json).toMatchObject({ inSync: false, comparedWith: 3, escalates: true, drift: { number: "DR-7", outcome: "opened" } });
    const hostile = { ...DRIFT, reasons: ["x\n## Approved"], diff: [{ ...DRIFT.diff[1], summary: "a | b" }] };
    const md = (await observe(args("--format", "markdown"), observationsApi({ ...OPENED, drift: hostile }))).out;
    expect(md.split("\n")[0]).toBe(
      "### Countersign: [drift DR-7 \\(high\\) opened: refund-assistant in production differs from v3, the approved version](https://cs.example.com/agents/refund-assistant#drift)",
    );
    expect(md).toContain("- x \\#\\# Approved");
    expect(md).toContain("| ▲ escalation | authority | a \\| b |");
    expect(md).not.toMatch(/^## /m);
  });

  it("keeps a lone carriage return or a terminal escape in the server's text from forging lines or colours", async () => {
    const forged = { ...OPENED, observation: { ...OBSERVATION, source: "nightly\r\r- injected https://evil.example \u001b[31mred" } };
    for (const format of ["text", "markdown"]) {
      const out = (await observe(args("--format", format), observationsApi(forged))).out;
      expect(out).not.toMatch(/[\r\u001b]/);
      expect(out).not.toMatch(/^- injected/m);
    }
  });

  it.each([
    [["--agent", "refund-assistant", "--source", "s"], "name the files or folders observed"],
    [["x.yaml", "--source", "s"], "name the agent with --agent"],
    [["x.yaml", "--agent", "refund-assistant"], "say where the observation comes from with --source"],
    [["x.yaml", "--agent", "refund-assistant", "--source", " "], "say where the observation comes from with --source"],
    [["x.yaml", "--agent", "refund-assistant", "--source", "s", "--env", "qa"], 'unknown environment "qa"'],
    [["x.yaml", "--agent", "refund-assistant", "--source", "s", "--observed-at", "last night"], '--observed-at "last night" is not a time'],
    [["x.yaml", "--agent", "refund-assistant", "--source", "s", "--fail-on", "medium"], 'unknown --fail-on "medium"'],
    [["x.yaml", "--agent", "refund-assistant", "--source", "s", "--platform", "zapier"], 'unknown platform "zapier"'],
    [["x.yaml", "--agent", "refund-assistant", "--source", "s", "--format", "yaml"], 'unknown format "yaml"'],
  ])("refuses %j with exit 2 before sending anything", async (bad, message) => {
    const r = await observe(bad);
    expect(r.status).toBe(2);
    expect(r.err).toContain(message);
    expect(r.sent).toEqual([]);
  });

  it("refuses with exit 2, before sending, files that hold no single agent spec", async () => {
    const r = await observe(["lib/importers/fixtures/mcp/issue-tracker.tools-list.json", "--agent", "refund-assistant", "--source", "s"]);
    expect(r.status).toBe(2);
    expect(r.err).toContain("no agent in");
    expect(r.sent).toEqual([]);
    const noServer = await observe(args(), observationsApi(), {});
    expect(noServer.status).toBe(2);
    expect(noServer.err).toContain("no server: set COUNTERSIGN_URL");
  });

  it("prints the server's refusal, one line per field, with exit 1", async () => {
    const refused = observationsApi(
      { error: "validation_failed", message: "The observation is not valid", fieldErrors: { observedAt: ["observedAt is in the future"] } },
      422,
    );
    const r = await observe(args(), refused);
    expect(r).toMatchObject({ status: 1, out: "" });
    expect(r.err).toBe("error: The observation is not valid\n  observedAt: observedAt is in the future\n");
    const forbidden = observationsApi({ error: "forbidden", message: 'Token "ci" lacks the observe scope' }, 403);
    const r403 = await observe(args(), forbidden);
    expect(r403.status).toBe(1);
    expect(r403.err).toContain(
      'not allowed to record what "refund-assistant" runs in production (403 forbidden): Token "ci" lacks the observe scope',
    );
  });

  it("is listed in countersign --help", async () => {
    let out = "";
    expect(await main(["--help"], { out: (t) => void (out += t), err: () => undefined })).toBe(0);
    expect(out).toMatch(/^ {2}observe {3}Report what an environment runs/m);
  });
});
