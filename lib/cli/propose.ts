import { parseArgs } from "node:util";
import type { DiffItem } from "@/lib/domain/permission-diff";
import type { AgentSpec } from "@/lib/domain/spec";
import type { RiskLevel } from "@/lib/domain/terms";
import { IMPORT_PLATFORMS } from "@/lib/importers/types";
import { apiClient, ApiError, serverConfig } from "./api-client";
import { ConfigError, EXIT, setUp, type Command, type Io } from "./command";
import { formatProposal, parseFailOn, parseFormat, proposalFailOnMet, type ProposalReport } from "./format";
import { LocalSpecError, parsePlatform, readLocalSpec } from "./local-spec";

const USAGE = `Proposes the spec in a file as a change to an agent: opens a change record, or updates the open one
from the same branch, and prints its number, link, risk tier, escalations and who must sign.

Usage: countersign propose <file or folder> --agent <slug> --title <title> [options]

The file is a Countersign spec (YAML or JSON) or any definition \`countersign import\` reads; it must hold
exactly one agent. The change is compared with what production runs.

Options:
  --agent <slug>           The agent, by its slug (required)
  --title <title>          The change's title (required)
  --rationale <text>       Why the change is made
  --branch <name>          The source branch; proposing again from it updates the same open change.
                           Default: GITHUB_HEAD_REF (the pull request's branch in GitHub Actions)
  --pr-url <url>           The pull request, linked as the change's evidence
  --rollback-plan <text>   How to roll the change back (needed to submit)
  --rollback-owner <email> Who rolls it back (needed to submit)
  --harm-metric <metric>   A harm threshold to watch after release, as "<name> <comparator> <threshold>
                           over <window>", e.g. "refund reversal rate > 2 over 7d"; repeat for more
                           (needed to submit a change that escalates authority)
  --submit                 Send the change to review (a draft otherwise)
  --platform <platform>    Read the file as this platform's definition: ${IMPORT_PLATFORMS.join(", ")}
  --fail-on <threshold>    Exit 3 when the change escalates authority (escalation), or its tier is at
                           least high (high) or critical (critical)
  --format <format>        text (default), json, or markdown (for a GitHub step summary or PR comment)
  --url <url>              The Countersign server; default COUNTERSIGN_URL
  --token <token>          An API token with the changes:write scope; default COUNTERSIGN_TOKEN
  -h, --help               Show this help

Exit codes: 0 proposed, 3 proposed and the --fail-on threshold was met, 1 the server refused (the reasons
are printed, one per field), 2 bad arguments, no server configured, or the file holds no single agent spec.
`;

const OPTIONS = {
  agent: { type: "string" },
  title: { type: "string" },
  rationale: { type: "string" },
  branch: { type: "string" },
  "pr-url": { type: "string" },
  "rollback-plan": { type: "string" },
  "rollback-owner": { type: "string" },
  "harm-metric": { type: "string", multiple: true },
  submit: { type: "boolean" },
  platform: { type: "string" },
  "fail-on": { type: "string" },
  format: { type: "string" },
  url: { type: "string" },
  token: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const HARM_METRIC = /^(.+?)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s+over\s+(\d+[hdw])$/;

/** `--harm-metric "refund reversal rate > 2 over 7d"` as the API takes it. */
export function parseHarmMetric(text: string) {
  const match = HARM_METRIC.exec(text.trim());
  if (!match)
    throw new ConfigError(
      `--harm-metric "${text}" is not "<name> <comparator> <threshold> over <window>", e.g. "refund reversal rate > 2 over 7d"`,
    );
  return { name: match[1]!, comparator: match[2]!, threshold: Number(match[3]), window: match[4]! };
}

/** The parts of a change record the API answers with that the report reads. */
type ChangeJson = {
  number: string;
  state: string;
  agent: string;
  title: string;
  branch: string | null;
  riskTier: RiskLevel | null;
  riskReasons: string[];
  permissionDiff: DiffItem[];
  requiredSignoffs: { role: string; reason: string }[];
  signoffs: { role: string; status: string }[];
  submissionProblems: Record<string, string[]>;
};

function reportOf(change: ChangeJson, created: boolean, url: string): ProposalReport {
  // The current round's sign-offs: dismissed ones are history.
  const standing = new Map(change.signoffs.filter((s) => s.status !== "dismissed").map((s) => [s.role, s.status]));
  return {
    number: change.number,
    url: `${url}/changes/${change.number}`,
    created,
    state: change.state,
    agent: change.agent,
    title: change.title,
    branch: change.branch,
    tier: change.riskTier,
    reasons: change.riskReasons,
    diff: change.permissionDiff,
    signoffs: change.requiredSignoffs.map((r) => ({
      role: r.role,
      reason: r.reason,
      status: standing.get(r.role) ?? (change.state === "draft" ? "not asked yet" : "pending"),
    })),
    problems: change.state === "draft" ? Object.values(change.submissionProblems).flat() : [],
  };
}

async function run(
  args: string[],
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
  fetchImpl?: typeof fetch,
): Promise<number> {
  const setup = setUp(
    io,
    { name: "propose", usage: USAGE },
    () => parseArgs({ args, options: OPTIONS, allowPositionals: true }),
    ({ values, positionals }) => {
      if (positionals.length === 0) throw new ConfigError("name the spec file to propose");
      if (!values.agent) throw new ConfigError("name the agent with --agent <slug>");
      if (!values.title?.trim()) throw new ConfigError("give the change a title with --title");
      return {
        format: parseFormat(values.format),
        config: serverConfig(values, env),
        platform: parsePlatform(values.platform),
        failOn: parseFailOn(values["fail-on"]),
        branch: (values.branch ?? env.GITHUB_HEAD_REF ?? "").trim() || undefined,
        harmMetrics: values["harm-metric"]?.map(parseHarmMetric),
      };
    },
  );
  if ("exit" in setup) return setup.exit;
  const { settings } = setup;
  const { values, positionals } = setup.parsed;

  let spec: AgentSpec;
  try {
    spec = readLocalSpec(positionals, settings.platform, (warning) => io.err(`warning: ${warning}\n`));
  } catch (error) {
    if (!(error instanceof LocalSpecError)) throw error;
    io.err(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (!settings.branch) io.err("warning: no --branch (nor GITHUB_HEAD_REF): every run opens a new change record\n");

  const body = {
    agent: values.agent,
    title: values.title,
    spec,
    ...(values.rationale !== undefined && { rationale: values.rationale }),
    ...(settings.branch && { branch: settings.branch }),
    ...(values["pr-url"] !== undefined && { evidence: { pullRequest: values["pr-url"] } }),
    ...(values["rollback-plan"] !== undefined && { rollbackPlan: values["rollback-plan"] }),
    ...(values["rollback-owner"] !== undefined && { rollbackOwner: values["rollback-owner"] }),
    ...(settings.harmMetrics && { harmMetrics: settings.harmMetrics }),
    ...(values.submit && { submit: true }),
  };
  let answer;
  try {
    answer = await apiClient(settings.config, fetchImpl).postJson<ChangeJson>("/changes", body, `propose a change to "${values.agent}"`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.err(`error: ${error.message}\n`);
    for (const [field, messages] of Object.entries(error.fieldErrors)) for (const m of messages) io.err(`  ${field}: ${m}\n`);
    return EXIT.failed;
  }
  const report = reportOf(answer.json, answer.status === 201, settings.config.url);
  io.out(formatProposal(report, settings.format));
  return settings.failOn && proposalFailOnMet(report, settings.failOn) ? EXIT.threshold : EXIT.ok;
}

export const proposeCommand: Command & { run: typeof run } = {
  name: "propose",
  summary: "Open or update the change record for a spec file, from a branch (needs COUNTERSIGN_URL and COUNTERSIGN_TOKEN)",
  run,
};
