import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { specToYaml } from "@/lib/domain/spec";
import { importFiles } from "@/lib/importers";
import { IMPORT_PLATFORMS, ImportError, type ImportPlatform, type ImportResult } from "@/lib/importers/types";
import { argumentError, EXIT, type Command, type Io } from "./command";
import { PathError, readPaths } from "./read-paths";

/** yaml is the default; text is the same YAML (as every command's text), markdown fits a step summary. */
const FORMATS = ["yaml", "text", "json", "markdown"] as const;

const USAGE = `Reads agent definitions exported from an agent platform and prints them as Countersign agent specs.
Nothing is sent anywhere: the files are read on this machine.

Usage: countersign import <files or folders…> [options]

Folders are read recursively (node_modules and .git are skipped, and so are files over 1 MB).

Options:
  --platform <platform>  Read the files as this platform's definitions instead of detecting it:
                         ${IMPORT_PLATFORMS.join(", ")}
  --format <format>      yaml (default, or text): each agent's spec, then each toolset, as YAML documents;
                         json: the whole import result, with provenance and warnings;
                         markdown: each spec in a YAML block, with its warnings, for a step summary
  --json                 Same as --format json
  -h, --help             Show this help

Warnings (values inferred or not mapped) are printed on stderr, one per line.
Exit codes: 0 something was imported, 2 bad arguments or nothing could be read, 1 unexpected failure.
`;

function usageError(io: Io, message: string): number {
  io.err(`error: ${message}\n\nRun \`countersign import --help\` for usage.\n`);
  return EXIT.usage;
}

/** YAML documents: each agent's spec headed by its name and platform, then each toolset, separated by `---`. */
export function importResultToYaml(result: ImportResult): string {
  const agents = result.agents.map(
    (agent) =>
      `# Agent: ${agent.name}\n# Platform: ${agent.platform}${agent.platform === result.platform ? "" : ` (read from ${result.platform} files)`}\n` +
      specToYaml(agent.spec),
  );
  const toolsets = result.toolsets.map(
    (toolset) =>
      `# Toolset: ${toolset.system}, actions to add to an agent's spec\n# Platform: ${result.platform}\n` +
      stringify({ tools: [{ system: toolset.system, actions: toolset.actions }] }, { lineWidth: 0 }),
  );
  return [...agents, ...toolsets].join("---\n");
}

/** Each agent and toolset under its own heading, its spec in a YAML block and its warnings below it. */
export function importResultToMarkdown(result: ImportResult): string {
  const out: string[] = [];
  const warningList = (warnings: string[]) => (warnings.length ? ["", ...warnings.map((w) => `- ⚠ ${w.replace(/\r?\n/g, " ")}`)] : []);
  for (const agent of result.agents)
    out.push(
      `### Agent: ${agent.name} (${agent.platform})`,
      "",
      "```yaml",
      specToYaml(agent.spec).trimEnd(),
      "```",
      ...warningList(agent.warnings),
      "",
    );
  for (const toolset of result.toolsets) {
    const yaml = stringify({ tools: [{ system: toolset.system, actions: toolset.actions }] }, { lineWidth: 0 }).trimEnd();
    out.push(`### Toolset: ${toolset.system} (${result.platform})`, "", "```yaml", yaml, "```", ...warningList(toolset.warnings), "");
  }
  if (result.warnings.length) out.push("### Not mapped", ...warningList(result.warnings).slice(1), "");
  return out.join("\n");
}

/** Every warning once: the import's own, then each agent's and toolset's. */
function allWarnings(result: ImportResult): string[] {
  return [...new Set([...result.warnings, ...result.agents.flatMap((a) => a.warnings), ...result.toolsets.flatMap((t) => t.warnings)])];
}

async function run(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        platform: { type: "string" },
        format: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(io, argumentError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const platform = values.platform;
  if (platform !== undefined && !(IMPORT_PLATFORMS as readonly string[]).includes(platform)) {
    return usageError(io, `unknown platform "${platform}"; expected one of: ${IMPORT_PLATFORMS.join(", ")}`);
  }
  const format = values.format ?? (values.json ? "json" : "yaml");
  if (!(FORMATS as readonly string[]).includes(format))
    return usageError(io, `unknown format "${format}"; expected yaml, text, json or markdown`);
  if (values.json && format !== "json") return usageError(io, `--json and --format ${format} contradict each other`);
  if (positionals.length === 0) return usageError(io, "name at least one file or folder to import");

  let read;
  try {
    read = readPaths(positionals);
  } catch (error) {
    if (error instanceof PathError) return usageError(io, error.message);
    throw error;
  }
  for (const warning of read.warnings) io.err(`warning: ${warning}\n`);
  if (read.files.length === 0) {
    io.err(`error: no files to import in ${positionals.join(", ")}\n`);
    return EXIT.usage;
  }

  let result: ImportResult;
  try {
    result = importFiles(read.files, platform as ImportPlatform | undefined);
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    const named = error.file && !error.message.includes(error.file) ? `${error.file}: ${error.message}` : error.message;
    io.err(`error: ${named}\n`);
    return EXIT.usage;
  }
  for (const warning of allWarnings(result)) io.err(`warning: ${warning}\n`);
  io.out(
    format === "json"
      ? JSON.stringify(result, null, 2) + "\n"
      : format === "markdown"
        ? importResultToMarkdown(result)
        : importResultToYaml(result),
  );
  return EXIT.ok;
}

export const importCommand: Command = {
  name: "import",
  summary: "Read agent definitions from platform files and print them as Countersign specs (offline)",
  run,
};
