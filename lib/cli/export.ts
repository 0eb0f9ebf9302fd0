import { parseArgs } from "node:util";
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
import { formatExport, OUTPUT_FORMATS, type OutputFormat } from "./format";

const USAGE = `Prints the spec an environment runs, as YAML, to commit next to the agent's code.

Usage: countersign export --agent <slug> [options]

Options:
${SERVER_HELP}

Exit codes: 0 printed, 1 the server refused or runs nothing there, 2 bad arguments or no server configured.
`;

export function usageError(io: Io, command: string, message: string): number {
  io.err(`error: ${message}\n\nRun \`countersign ${command} --help\` for usage.\n`);
  return EXIT.usage;
}

export function parseFormat(value: string | undefined): OutputFormat {
  const format = value ?? "text";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
    throw new ConfigError(`unknown format "${format}"; expected text, json or markdown`);
  return format as OutputFormat;
}

async function run(
  args: string[],
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
  fetchImpl?: typeof fetch,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: SERVER_OPTIONS, allowPositionals: false }));
  } catch (error) {
    return usageError(io, "export", argumentError(error));
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  let settings;
  try {
    if (!values.agent) throw new ConfigError("name the agent with --agent <slug>");
    settings = { format: parseFormat(values.format), environment: parseEnvironment(values.env), config: serverConfig(values, env) };
  } catch (error) {
    if (error instanceof ConfigError) return usageError(io, "export", error.message);
    throw error;
  }
  try {
    const running = await fetchRunningSpec(apiClient(settings.config, fetchImpl), values.agent, settings.environment);
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
