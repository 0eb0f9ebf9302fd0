import { parseArgs } from "node:util";
import { assessChange } from "@/lib/domain/change-assessment";
import { parseSpecText, type AgentSpec } from "@/lib/domain/spec";
import { importFiles } from "@/lib/importers";
import { IMPORT_PLATFORMS, ImportError, type ImportPlatform } from "@/lib/importers/types";
import {
  apiClient,
  ApiError,
  ConfigError,
  fetchRunningSpec,
  parseEnvironment,
  SERVER_HELP,
  SERVER_OPTIONS,
  serverConfig,
} from "./api-client";
import { argumentError, EXIT, type Command, type Io } from "./command";
import { parseFormat, usageError } from "./export";
import { FAIL_ON, failOnMet, formatDiff, type FailOn } from "./format";
import { PathError, readPaths } from "./read-paths";

const USAGE = `Compares a local spec (or a platform's agent definition) with what an environment runs and prints the
permission diff and risk tier, as a change record would assess it. Nothing is written to the server.

Usage: countersign diff <file or folder> --agent <slug> [options]

The file is a Countersign spec (YAML or JSON) or any definition \`countersign import\` reads; it must hold
exactly one agent.

Options:
${SERVER_HELP}
  --platform <platform>  Read the file as this platform's definition: ${IMPORT_PLATFORMS.join(", ")}
  --fail-on <threshold>  Exit 3 when the change escalates authority (escalation), or its tier is at
                         least high (high) or critical (critical)

Exit codes: 0 compared, 3 the --fail-on threshold was met, 1 the server refused or runs nothing there,
2 bad arguments, no server configured, or the file holds no single agent spec.
`;

/** A local file that yields no single spec: the command stops with exit 2 and says why. */
class LocalSpecError extends Error {}

/** The spec in the named file or folder: a Countersign spec as it is, else the one agent an importer reads. */
export function readLocalSpec(paths: string[], platform: ImportPlatform | undefined, warn: (text: string) => void): AgentSpec {
  let read;
  try {
    read = readPaths(paths);
  } catch (error) {
    if (error instanceof PathError) throw new LocalSpecError(error.message);
    throw error;
  }
  for (const warning of read.warnings) warn(warning);
  if (read.files.length === 0) throw new LocalSpecError(`nothing to read in ${paths.join(", ")}`);
  const only = read.files.length === 1 ? read.files[0]! : null;
  const asSpec = only && !platform ? parseSpecText(only.content) : null;
  if (asSpec?.ok) return asSpec.spec;
  let result;
  try {
    result = importFiles(read.files, platform);
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    // Neither reading failed alone: a spec with a mistake is likelier the question when the file looks like one.
    const specIssues = asSpec && !asSpec.ok ? ` As a Countersign spec: ${asSpec.issues.map((i) => i.message).join("; ")}.` : "";
    throw new LocalSpecError(`${error.file && !error.message.includes(error.file) ? `${error.file}: ` : ""}${error.message}.${specIssues}`);
  }
  for (const warning of result.warnings) warn(warning);
  if (result.agents.length !== 1) {
    const names = result.agents.map((a) => a.name).join(", ");
    throw new LocalSpecError(
      result.agents.length === 0
        ? `no agent in ${paths.join(", ")} (${result.platform}${result.toolsets.length ? `: only toolsets, ${result.toolsets.map((t) => t.system).join(", ")}` : ""})`
        : `${result.agents.length} agents in ${paths.join(", ")} (${names}); name the file or folder of one`,
    );
  }
  for (const warning of result.agents[0]!.warnings) warn(warning);
  return result.agents[0]!.spec;
}

async function run(
  args: string[],
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
  fetchImpl?: typeof fetch,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...SERVER_OPTIONS, platform: { type: "string" }, "fail-on": { type: "string" } },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(io, "diff", argumentError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  let settings;
  try {
    if (positionals.length === 0) throw new ConfigError("name the spec file to compare");
    if (!values.agent) throw new ConfigError("name the agent with --agent <slug>");
    const platform = values.platform;
    if (platform !== undefined && !(IMPORT_PLATFORMS as readonly string[]).includes(platform))
      throw new ConfigError(`unknown platform "${platform}"; expected one of: ${IMPORT_PLATFORMS.join(", ")}`);
    const failOn = values["fail-on"];
    if (failOn !== undefined && !(FAIL_ON as readonly string[]).includes(failOn))
      throw new ConfigError(`unknown --fail-on "${failOn}"; expected escalation, high or critical`);
    settings = {
      format: parseFormat(values.format),
      environment: parseEnvironment(values.env),
      config: serverConfig(values, env),
      platform: platform as ImportPlatform | undefined,
      failOn: failOn as FailOn | undefined,
    };
  } catch (error) {
    if (error instanceof ConfigError) return usageError(io, "diff", error.message);
    throw error;
  }

  let next: AgentSpec;
  try {
    next = readLocalSpec(positionals, settings.platform, (warning) => io.err(`warning: ${warning}\n`));
  } catch (error) {
    if (!(error instanceof LocalSpecError)) throw error;
    io.err(`error: ${error.message}\n`);
    return EXIT.usage;
  }

  let running;
  try {
    running = await fetchRunningSpec(apiClient(settings.config, fetchImpl), values.agent, settings.environment);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.err(`error: ${error.message}\n`);
    return EXIT.failed;
  }
  const base = parseSpecText(running.yaml);
  if (!base.ok) throw new Error(`the server's spec for ${running.agent.slug} v${running.version} does not read as a spec`);
  const workflow = { name: running.agent.workflow.name, riskClass: running.agent.workflow.riskClass };
  const assessment = assessChange({ base: base.spec, next, workflow });
  const report = {
    agent: running.agent.slug,
    environment: running.environment,
    version: running.version,
    file: positionals.join(", "),
    workflow,
    tier: assessment.tier,
    reasons: assessment.reasons,
    diff: assessment.diff,
  };
  io.out(formatDiff(report, settings.format));
  return settings.failOn && failOnMet(report, settings.failOn) ? EXIT.threshold : EXIT.ok;
}

export const diffCommand: Command & { run: typeof run } = {
  name: "diff",
  summary: "Compare a local spec with what an environment runs: permission diff and risk tier (writes nothing)",
  run,
};
