import { parseArgs } from "node:util";
import type { DiffItem } from "@/lib/domain/permission-diff";
import type { AgentSpec } from "@/lib/domain/spec";
import type { RiskLevel } from "@/lib/domain/terms";
import { IMPORT_PLATFORMS } from "@/lib/importers/types";
import { apiClient, ApiError, parseEnvironment, SERVER_OPTIONS, serverConfig } from "./api-client";
import { ConfigError, EXIT, setUp, type Command, type Io } from "./command";
import { formatObservation, observationFailOnMet, parseFailOn, parseFormat, type ObservationReport } from "./format";
import { LocalSpecError, parsePlatform, readLocalSpec } from "./local-spec";

const USAGE = `Reports what an environment was observed running: the spec in the files is compared with the version
deployed there at the time. A difference opens a drift record (or joins the open one); an observation in
sync closes it. Prints whether it is in sync, or the drift record, its severity and permission diff.

Usage: countersign observe <files or folders> --agent <slug> --source <text> [options]

The files are a Countersign spec (YAML or JSON) or a platform's own definition, as \`countersign import\`
reads it (a Salesforce retrieve, say); they must hold exactly one agent.

Options:
  --agent <slug>           The agent, by its slug (required)
  --source <text>          Where the observation comes from, e.g. "nightly Salesforce retrieve" (required)
  --env <environment>      development, staging or production (default)
  --observed-at <time>     When it was observed, as an ISO-8601 time (default: now)
  --platform <platform>    Read the files as this platform's definition: ${IMPORT_PLATFORMS.join(", ")}
  --fail-on <threshold>    Exit 3 when it drifts with an escalation of authority (escalation), or with a
                           severity of at least high (high) or critical (critical)
  --format <format>        text (default), json, or markdown (for a GitHub step summary)
  --url <url>              The Countersign server; default COUNTERSIGN_URL
  --token <token>          An API token with the observe scope; default COUNTERSIGN_TOKEN
  -h, --help               Show this help

Exit codes: 0 recorded (in sync or not), 3 recorded and the --fail-on threshold was met, 1 the server
refused (the reasons are printed, one per field), 2 bad arguments, no server configured, or the files hold
no single agent spec.
`;

const OPTIONS = {
  ...SERVER_OPTIONS,
  source: { type: "string" },
  "observed-at": { type: "string" },
  platform: { type: "string" },
  "fail-on": { type: "string" },
} as const;

/** The parts of a drift record the API answers with that the report reads. */
type DriftJson = {
  number: string;
  state: "open" | "closed";
  severity: RiskLevel;
  reasons: string[];
  diff: DiffItem[];
  resolution: { action: string; reason: string; expiresAt: string | null; change: string | null } | null;
  acceptanceLapsedAt: string | null;
  closedReason: string | null;
  observationCount: number;
};

/** `POST /api/v1/agents/{slug}/observations`'s answer. */
type ObservationJson = {
  observation: { environment: string; source: string; observedAt: string };
  inSync: boolean;
  comparedWith: { version: number; specHash: string } | null;
  drift: DriftJson | null;
};

/** `--observed-at`, as the API takes it: any time Date reads, sent as ISO-8601 UTC. */
function parseObservedAt(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new ConfigError(`--observed-at "${value}" is not a time; use ISO-8601, e.g. 2026-12-01T03:00:00Z`);
  return new Date(at).toISOString();
}

const ESCALATIONS_FIRST = (a: DiffItem, b: DiffItem) => Number(b.direction === "escalation") - Number(a.direction === "escalation");

function reportOf(agent: string, answer: ObservationJson, url: string): ObservationReport {
  const drift = answer.drift;
  return {
    agent,
    environment: answer.observation.environment,
    source: answer.observation.source,
    observedAt: answer.observation.observedAt,
    inSync: answer.inSync,
    comparedWith: answer.comparedWith?.version ?? null,
    url: `${url}/agents/${encodeURIComponent(agent)}#drift`,
    drift: drift && {
      number: drift.number,
      // The observation that opens a record is its first; one in sync only ever closes it.
      outcome: drift.state === "closed" ? "closed" : drift.observationCount <= 1 ? "opened" : "updated",
      severity: drift.severity,
      reasons: drift.reasons,
      diff: [...drift.diff].sort(ESCALATIONS_FIRST),
      resolution: drift.resolution,
      acceptanceLapsedAt: drift.acceptanceLapsedAt,
      closedReason: drift.closedReason,
    },
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
    { name: "observe", usage: USAGE },
    () => parseArgs({ args, options: OPTIONS, allowPositionals: true }),
    ({ values, positionals }) => {
      if (positionals.length === 0) throw new ConfigError("name the files or folders observed");
      if (!values.agent) throw new ConfigError("name the agent with --agent <slug>");
      if (!values.source?.trim())
        throw new ConfigError('say where the observation comes from with --source, e.g. "nightly Salesforce retrieve"');
      return {
        agent: values.agent,
        source: values.source.trim(),
        environment: parseEnvironment(values.env),
        observedAt: parseObservedAt(values["observed-at"]),
        format: parseFormat(values.format),
        config: serverConfig(values, env),
        platform: parsePlatform(values.platform),
        failOn: parseFailOn(values["fail-on"]),
      };
    },
  );
  if ("exit" in setup) return setup.exit;
  const { settings } = setup;

  let spec: AgentSpec;
  try {
    spec = readLocalSpec(setup.parsed.positionals, settings.platform, (warning) => io.err(`warning: ${warning}\n`));
  } catch (error) {
    if (!(error instanceof LocalSpecError)) throw error;
    io.err(`error: ${error.message}\n`);
    return EXIT.usage;
  }

  const body = {
    environment: settings.environment,
    spec,
    source: settings.source,
    ...(settings.observedAt && { observedAt: settings.observedAt }),
  };
  let answer;
  try {
    answer = await apiClient(settings.config, fetchImpl).postJson<ObservationJson>(
      `/agents/${encodeURIComponent(settings.agent)}/observations`,
      body,
      `record what "${settings.agent}" runs in ${settings.environment}`,
    );
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.err(`error: ${error.message}\n`);
    for (const [field, messages] of Object.entries(error.fieldErrors)) for (const m of messages) io.err(`  ${field}: ${m}\n`);
    return EXIT.failed;
  }
  const report = reportOf(settings.agent, answer.json, settings.config.url);
  io.out(formatObservation(report, settings.format));
  return settings.failOn && observationFailOnMet(report, settings.failOn) ? EXIT.threshold : EXIT.ok;
}

export const observeCommand: Command & { run: typeof run } = {
  name: "observe",
  summary:
    "Report what an environment runs: compared with the deployed version, drift opens a record (needs COUNTERSIGN_URL and COUNTERSIGN_TOKEN)",
  run,
};
