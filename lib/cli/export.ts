import { parseArgs } from "node:util";
import { apiClient, ApiError, fetchRunningSpec, parseEnvironment, SERVER_HELP, SERVER_OPTIONS, serverConfig } from "./api-client";
import { ConfigError, EXIT, setUp, type Command, type Io } from "./command";
import { formatExport, parseFormat } from "./format";

const USAGE = `Prints the spec an environment runs, as YAML, to commit next to the agent's code.

Usage: countersign export --agent <slug> [options]

Options:
${SERVER_HELP}

Exit codes: 0 printed, 1 the server refused or runs nothing there, 2 bad arguments or no server configured.
`;

async function run(
  args: string[],
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
  fetchImpl?: typeof fetch,
): Promise<number> {
  const setup = setUp(
    io,
    { name: "export", usage: USAGE },
    () => parseArgs({ args, options: SERVER_OPTIONS, allowPositionals: false }),
    ({ values }) => {
      if (!values.agent) throw new ConfigError("name the agent with --agent <slug>");
      return {
        agent: values.agent,
        format: parseFormat(values.format),
        environment: parseEnvironment(values.env),
        config: serverConfig(values, env),
      };
    },
  );
  if ("exit" in setup) return setup.exit;
  const { settings } = setup;
  try {
    const running = await fetchRunningSpec(apiClient(settings.config, fetchImpl), settings.agent, settings.environment);
    const report = {
      agent: running.agent.slug,
      environment: running.environment,
      version: running.version,
      changeNumber: running.changeNumber,
    };
    io.out(formatExport({ ...report, yaml: running.yaml }, settings.format));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.err(`error: ${error.message}\n`);
    return EXIT.failed;
  }
}

export const exportCommand: Command & { run: typeof run } = {
  name: "export",
  summary: "Print the spec an environment runs, as YAML (needs COUNTERSIGN_URL and COUNTERSIGN_TOKEN)",
  run,
};
