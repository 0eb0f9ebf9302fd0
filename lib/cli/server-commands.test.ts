import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { diffCommand } from "./diff";
import { exportCommand } from "./export";
import { proposeCommand } from "./propose";

// The commands in-process, against a fetch that answers as the API does: no server needed.
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
          amount: 50
          unit: USD
forbidden: []
traceRetentionDays: 90
`;

const AGENT = {
  slug: "refund-assistant",
  name: "Refund assistant",
  workflow: { slug: "refunds", name: "Refunds", riskClass: "high" },
  environments: {
    development: { version: 3, specHash: "h3", kind: "promote", changeNumber: "CR-9" },
    staging: null,
    production: { version: 3, specHash: "h3", kind: "promote", changeNumber: "CR-9" },
  },
};

type Seen = { url: string; auth: string | null };

function server(answer?: (url: string) => Response | undefined) {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, auth: new Headers(init?.headers).get("authorization") });
    const custom = answer?.(url);
    if (custom) return custom;
    if (url.endsWith("/api/v1/agents/refund-assistant")) return Response.json(AGENT);
    if (url.endsWith("/api/v1/agents/refund-assistant/versions/3?format=yaml")) return new Response(YAML);
    return Response.json({ error: "not_found", message: "Agent not found" }, { status: 404 });
  }) as typeof fetch;
  return { seen, fetchImpl };
}

const ENV = { COUNTERSIGN_URL: "https://cs.example.com/", COUNTERSIGN_TOKEN: "cst_env" };

async function run(
  command: typeof exportCommand | typeof diffCommand | typeof proposeCommand,
  args: string[],
  env: Readonly<Record<string, string | undefined>> = ENV,
  s = server(),
) {
  let out = "";
  let err = "";
  const status = await command.run(args, { out: (t) => void (out += t), err: (t) => void (err += t) }, env, s.fetchImpl);
  return { status, out, err, seen: s.seen };
}

let dir: string;
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "countersign-cli-unit-"));
});

describe("countersign export", () => {
  it("prints what production runs, read from the agent's environments, with the bearer token", async () => {
    const r = await run(exportCommand, ["--agent", "refund-assistant"]);
    expect(r).toMatchObject({ status: 0, err: "" });
    expect(r.out).toBe(`# refund-assistant as production runs it: v3 (CR-9)\n${YAML}`);
    expect(r.seen).toEqual([
      { url: "https://cs.example.com/api/v1/agents/refund-assistant", auth: "Bearer cst_env" },
      { url: "https://cs.example.com/api/v1/agents/refund-assistant/versions/3?format=yaml", auth: "Bearer cst_env" },
    ]);
  });

  it("--url and --token override the environment", async () => {
    const r = await run(exportCommand, ["--agent", "refund-assistant", "--url", "http://other:3000", "--token", "cst_flag"]);
    expect(r.seen[0]).toEqual({ url: "http://other:3000/api/v1/agents/refund-assistant", auth: "Bearer cst_flag" });
  });

  it.each([
    [["--agent", "refund-assistant"], {}, "no server: set COUNTERSIGN_URL"],
    [["--agent", "refund-assistant"], { COUNTERSIGN_URL: "http://x" }, "no API token: set COUNTERSIGN_TOKEN"],
    [["--agent", "refund-assistant"], { COUNTERSIGN_URL: "x.example.com", COUNTERSIGN_TOKEN: "t" }, "must start with http"],
    [[], ENV, "name the agent with --agent"],
    [["--agent", "refund-assistant", "--env", "qa"], ENV, 'unknown environment "qa"'],
    [["--agent", "refund-assistant", "--format", "yaml"], ENV, 'unknown format "yaml"'],
    [["--agent", "refund-assistant", "--nope"], ENV, "Unknown option '--nope'"],
  ])("refuses %j with exit 2 before asking the server", async (args, env, message) => {
    const r = await run(exportCommand, args, env);
    expect(r.status).toBe(2);
    expect(r.err).toContain(message);
    expect(r.seen).toEqual([]);
  });

  it("says plainly that the token was refused (401) or lacks the right (403), with exit 1", async () => {
    const refused = server(() => Response.json({ error: "unauthorized", message: "Sign in or send a valid token" }, { status: 401 }));
    const r401 = await run(exportCommand, ["--agent", "refund-assistant"], ENV, refused);
    expect(r401.status).toBe(1);
    expect(r401.err).toBe(
      "error: the server refused the API token (401 unauthorized): check COUNTERSIGN_TOKEN (Sign in or send a valid token)\n",
    );
    const forbidden = server(() => Response.json({ error: "forbidden", message: "The token lacks the read scope" }, { status: 403 }));
    const r403 = await run(exportCommand, ["--agent", "refund-assistant"], ENV, forbidden);
    expect(r403.status).toBe(1);
    expect(r403.err).toContain('not allowed to read the agent "refund-assistant" (403 forbidden): The token lacks the read scope');
  });

  it("names an unknown agent, and an environment that runs nothing, with exit 1", async () => {
    const unknown = await run(exportCommand, ["--agent", "nobody"]);
    expect(unknown.status).toBe(1);
    expect(unknown.err).toBe('error: no agent "nobody" on the server (Agent not found)\n');
    const staging = await run(exportCommand, ["--agent", "refund-assistant", "--env", "staging"]);
    expect(staging.status).toBe(1);
    expect(staging.err).toBe('error: "refund-assistant" runs nothing in staging\n');
  });
});

describe("countersign diff", () => {
  it("compares a local spec with production: the escalation, the tier, and exit 3 with --fail-on escalation", async () => {
    const raised = file("raised.yaml", YAML.replace("amount: 50", "amount: 500"));
    const r = await run(diffCommand, [raised, "--agent", "refund-assistant", "--fail-on", "escalation"]);
    expect(r.err).toBe("");
    expect(r.status).toBe(3);
    expect(r.out).toContain("Risk tier: high (workflow Refunds, a high-risk workflow); 1 escalation of authority");
    expect(r.out).toMatch(/▲ escalation {2}refunds\.create limit raised/);
    // Without --fail-on it only reports.
    expect((await run(diffCommand, [raised, "--agent", "refund-assistant"])).status).toBe(0);
    expect((await run(diffCommand, [raised, "--agent", "refund-assistant", "--fail-on", "critical"])).status).toBe(0);
  });

  it("a change of wording only does not escalate: --fail-on escalation exits 0", async () => {
    const reworded = file(
      "reworded.json",
      JSON.stringify({ ...(await import("yaml")).parse(YAML), instructions: "You assist support staff." }),
    );
    const r = await run(diffCommand, [reworded, "--agent", "refund-assistant", "--fail-on", "escalation", "--format", "json"]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.out) as { escalates: boolean; diff: { direction: string }[] };
    expect(report.escalates).toBe(false);
    expect(report.diff.every((i) => i.direction !== "escalation")).toBe(true);
  });

  it("reads a platform's definition through the importers", async () => {
    const r = await run(diffCommand, ["lib/importers/fixtures/bedrock-agents/support-agent.yaml", "--agent", "refund-assistant"]);
    expect(r.status, r.err).not.toBe(2);
    expect(r.out).toContain("refund-assistant in production (v3) compared with lib/importers/fixtures/bedrock-agents/support-agent.yaml");
  });

  it.each([
    [["--agent", "refund-assistant"], "name the spec file to compare"],
    [["x.yaml"], "name the agent with --agent"],
    [["x.yaml", "--agent", "refund-assistant", "--fail-on", "medium"], 'unknown --fail-on "medium"'],
    [["x.yaml", "--agent", "refund-assistant", "--platform", "zapier"], 'unknown platform "zapier"'],
  ])("refuses %j with exit 2", async (args, message) => {
    const r = await run(diffCommand, args);
    expect(r.status).toBe(2);
    expect(r.err).toContain(message);
    expect(r.seen).toEqual([]);
  });

  it("refuses with exit 2 a file that is no spec, or yields no single agent, saying why", async () => {
    const notSpec = await run(diffCommand, [file("notes.txt", "just some notes\n"), "--agent", "refund-assistant"]);
    expect(notSpec.status).toBe(2);
    expect(notSpec.err).toMatch(/^error: .*notes\.txt/);
    const toolsOnly = await run(diffCommand, ["lib/importers/fixtures/mcp/issue-tracker.tools-list.json", "--agent", "refund-assistant"]);
    expect(toolsOnly.status).toBe(2);
    expect(toolsOnly.err).toContain(
      "no agent in lib/importers/fixtures/mcp/issue-tracker.tools-list.json (mcp: only toolsets, issue-tracker)",
    );
    const missing = await run(diffCommand, [path.join(dir, "missing.yaml"), "--agent", "refund-assistant"]);
    expect(missing.status).toBe(2);
    expect(missing.seen).toEqual([]);
  });
});

/** The API's answer to a proposal: CR-41 on refund-assistant, with the limit raised. */
const CHANGE = {
  number: "CR-41",
  state: "in_review",
  agent: "refund-assistant",
  title: "Raise the refund limit",
  branch: "feat/limit",
  riskTier: "high",
  riskReasons: ["refunds.create limit raised from 50 USD to 500 USD"],
  permissionDiff: [
    { direction: "escalation", domain: "authority", summary: "refunds.create limit raised from 50 USD to 500 USD", path: "tools.stripe" },
  ],
  requiredSignoffs: [
    { role: "security", reason: "authority widened" },
    { role: "workflow_owner", reason: "a high-risk workflow" },
  ],
  signoffs: [
    { role: "security", status: "dismissed" },
    { role: "security", status: "pending" },
    { role: "workflow_owner", status: "approved" },
  ],
  submissionProblems: {},
};

function changesApi(status = 201, answer: unknown = CHANGE) {
  const sent: { url: string; method: string; body: Record<string, unknown> }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(input), method: init?.method ?? "GET", body: JSON.parse(String(init?.body ?? "null")) });
    return Response.json(answer, { status });
  }) as typeof fetch;
  return { sent, fetchImpl, seen: [] as Seen[] };
}

describe("countersign propose", () => {
  const spec = () => file("proposed.yaml", YAML.replace("amount: 50", "amount: 500"));

  it("posts the spec with the branch, the PR link and the rollback fields, and prints the change, its tier and who must sign", async () => {
    const api = changesApi(201);
    const args = [
      spec(),
      "--agent",
      "refund-assistant",
      "--title",
      "Raise the refund limit",
      "--pr-url",
      "https://github.com/acme/agents/pull/7",
    ];
    args.push("--rollback-plan", "Redeploy v3", "--rollback-owner", "ops@example.com", "--submit");
    args.push("--harm-metric", "refund reversal rate > 2 over 7d", "--harm-metric", "refunds per hour>=40.5 over 24h");
    const r = await run(proposeCommand, args, { ...ENV, GITHUB_HEAD_REF: "feat/limit" }, api);
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    expect(api.sent).toHaveLength(1);
    expect(api.sent[0]!.url).toBe("https://cs.example.com/api/v1/changes");
    expect(api.sent[0]!.method).toBe("POST");
    expect(api.sent[0]!.body).toMatchObject({
      agent: "refund-assistant",
      title: "Raise the refund limit",
      branch: "feat/limit",
      evidence: { pullRequest: "https://github.com/acme/agents/pull/7" },
      rollbackPlan: "Redeploy v3",
      rollbackOwner: "ops@example.com",
      harmMetrics: [
        { name: "refund reversal rate", comparator: ">", threshold: 2, window: "7d" },
        { name: "refunds per hour", comparator: ">=", threshold: 40.5, window: "24h" },
      ],
      submit: true,
    });
    expect((api.sent[0]!.body.spec as { tools: { actions: { limit: { amount: number } }[] }[] }).tools[0]!.actions[0]!.limit.amount).toBe(
      500,
    );
    expect(r.out).toBe(
      [
        "CR-41 opened: Raise the refund limit (refund-assistant, from branch feat/limit)",
        "https://cs.example.com/changes/CR-41",
        "State: in review",
        "Risk tier: high; 1 escalation of authority",
        "Why:",
        "  - refunds.create limit raised from 50 USD to 500 USD",
        "Permission diff:",
        "  ▲ escalation  refunds.create limit raised from 50 USD to 500 USD",
        "Sign-offs:",
        "  security        pending  authority widened",
        "  workflow_owner  approved  a high-risk workflow",
        "",
      ].join("\n"),
    );
  });

  it("says the change was updated when the server answers 200; --branch wins over GITHUB_HEAD_REF", async () => {
    const api = changesApi(200);
    const args = [spec(), "--agent", "refund-assistant", "--title", "T", "--branch", "feat/mine"];
    const r = await run(proposeCommand, args, { ...ENV, GITHUB_HEAD_REF: "feat/other" }, api);
    expect(api.sent[0]!.body.branch).toBe("feat/mine");
    expect(r.out).toMatch(/^CR-41 updated: /);
  });

  it("--fail-on escalation and high exit 3 on a limit raise; critical does not", async () => {
    const args = [spec(), "--agent", "refund-assistant", "--title", "T", "--branch", "b"];
    expect((await run(proposeCommand, [...args, "--fail-on", "escalation"], ENV, changesApi())).status).toBe(3);
    expect((await run(proposeCommand, [...args, "--fail-on", "high"], ENV, changesApi())).status).toBe(3);
    expect((await run(proposeCommand, [...args, "--fail-on", "critical"], ENV, changesApi())).status).toBe(0);
    const reworded = { ...CHANGE, riskTier: "low", riskReasons: [], permissionDiff: [], requiredSignoffs: [], signoffs: [] };
    expect((await run(proposeCommand, [...args, "--fail-on", "escalation"], ENV, changesApi(201, reworded))).status).toBe(0);
  });

  it("prints markdown for a step summary, and a draft's remaining problems", async () => {
    const draft = {
      ...CHANGE,
      state: "draft",
      signoffs: [],
      submissionProblems: { rollbackPlan: ["Describe how to roll this change back"] },
    };
    const r = await run(
      proposeCommand,
      [spec(), "--agent", "refund-assistant", "--title", "T", "--branch", "b", "--format", "markdown"],
      ENV,
      changesApi(201, draft),
    );
    expect(r.out).toMatch(
      /^### Countersign: \[CR-41 opened: Raise the refund limit \\\(refund-assistant, from branch feat\/limit\\\)\]\(https:\/\/cs\.example\.com\/changes\/CR-41\)/,
    );
    expect(r.out).toContain("| security | not asked yet | authority widened |");
    expect(r.out).toContain("- Describe how to roll this change back");
  });

  it("keeps a hostile title text in markdown: it cannot open a link or a heading", async () => {
    const hostile = { ...CHANGE, title: "Evil](https://evil.example) [click", riskReasons: ["high: x\n## Approved"] };
    const r = await run(
      proposeCommand,
      [spec(), "--agent", "refund-assistant", "--title", "T", "--branch", "b", "--format", "markdown"],
      ENV,
      changesApi(201, hostile),
    );
    expect(r.out.split("\n")[0]).toBe(
      "### Countersign: [CR-41 opened: Evil\\]\\(https://evil.example\\) \\[click \\(refund-assistant, from branch feat/limit\\)](https://cs.example.com/changes/CR-41)",
    );
    expect(r.out).toContain("- high: x \\#\\# Approved");
    expect(r.out).not.toMatch(/^## /m);
  });

  it("fails closed: a change the server could not assess meets every --fail-on", async () => {
    const unassessed = { ...CHANGE, riskTier: null, permissionDiff: [], state: "draft", signoffs: [] };
    const args = [spec(), "--agent", "refund-assistant", "--title", "T", "--branch", "b", "--fail-on", "critical"];
    expect((await run(proposeCommand, args, ENV, changesApi(201, unassessed))).status).toBe(3);
  });

  it("prints each field the server refused, with exit 1", async () => {
    const refused = changesApi(422, {
      error: "validation_failed",
      message: "CR-41 cannot go to review yet: Name the rollback owner",
      fieldErrors: { rollbackOwner: ["Name the rollback owner"], rollbackPlan: ["Describe how to roll this change back"] },
    });
    const r = await run(proposeCommand, [spec(), "--agent", "refund-assistant", "--title", "T", "--branch", "b", "--submit"], ENV, refused);
    expect(r.status).toBe(1);
    expect(r.err).toBe(
      "error: CR-41 cannot go to review yet: Name the rollback owner\n  rollbackOwner: Name the rollback owner\n  rollbackPlan: Describe how to roll this change back\n",
    );
    expect(r.out).toBe("");
  });

  it("warns that without a branch every run opens a new change", async () => {
    const r = await run(proposeCommand, [spec(), "--agent", "refund-assistant", "--title", "T"], ENV, changesApi());
    expect(r.status).toBe(0);
    expect(r.err).toContain("no --branch (nor GITHUB_HEAD_REF): every run opens a new change record");
  });

  it.each([
    [["--agent", "refund-assistant", "--title", "T"], "name the spec file to propose"],
    [["x.yaml", "--title", "T"], "name the agent with --agent"],
    [["x.yaml", "--agent", "refund-assistant"], "give the change a title with --title"],
    [["x.yaml", "--agent", "refund-assistant", "--title", "  "], "give the change a title with --title"],
    [["x.yaml", "--agent", "refund-assistant", "--title", "T", "--fail-on", "medium"], 'unknown --fail-on "medium"'],
    [["x.yaml", "--agent", "refund-assistant", "--title", "T", "--env", "staging"], "Unknown option '--env'"],
    [["x.yaml", "--agent", "refund-assistant", "--title", "T", "--harm-metric", "reversals 2 7d"], '--harm-metric "reversals 2 7d" is not'],
  ])("refuses %j with exit 2 before sending anything", async (args, message) => {
    const api = changesApi();
    const r = await run(proposeCommand, args, ENV, api);
    expect(r.status).toBe(2);
    expect(r.err).toContain(message);
    expect(api.sent).toEqual([]);
  });
});
