import { parseArgs } from "node:util";
import { assessChange } from "@/lib/domain/change-assessment";
import { parseSpecText, type AgentSpec } from "@/lib/domain/spec";
import { IMPORT_PLATFORMS } from "@/lib/importers/types";
import { apiClient, ApiError, fetchRunningSpec, parseEnvironment, SERVER_HELP, SERVER_OPTIONS, serverConfig } from "./api-client";
import { ConfigError, EXIT, setUp, type Command, type Io } from "./command";
import { failOnMet, formatDiff, parseFailOn, parseFormat } from "./format";
import { LocalSpecError, parsePlatform, readLocalSpec } from "./local-spec";

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

async function run(
  args: string[],
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
  fetchImpl?: typeof fetch,
): Promise<number> {
  const setup = setUp(
    io,
    { name: "diff", usage: USAGE },
    () =>
      parseArgs({
        args,
        options: { ...SERVER_OPTIONS, platform: { type: "string" }, "fail-on": { type: "string" } },
        allowPositionals: true,
      }),
    ({ values, positionals }) => {
      if (positionals.length === 0) throw new ConfigError("name the spec file to compare");
      if (!values.agent) throw new ConfigError("name the agent with --agent <slug>");
      return {
        agent: values.agent,
        format: parseFormat(values.format),
        environment: parseEnvironment(values.env),
        config: serverConfig(values, env),
        platform: parsePlatform(values.platform),
        failOn: parseFailOn(values["fail-on"]),
      };
    },
  );
  if ("exit" in setup) return setup.exit;
  const { settings } = setup;
  const { positionals } = setup.parsed;

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
    running = await fetchRunningSpec(apiClient(settings.config, fetchImpl), settings.agent, settings.environment);
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
