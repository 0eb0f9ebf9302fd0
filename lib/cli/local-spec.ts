import { parseSpecText, type AgentSpec } from "@/lib/domain/spec";
import { importFiles } from "@/lib/importers";
import { IMPORT_PLATFORMS, ImportError, type ImportPlatform } from "@/lib/importers/types";
import { ConfigError } from "./command";
import { PathError, readPaths } from "./read-paths";

/** A local file that yields no single spec: the command stops with exit 2 and says why. */
export class LocalSpecError extends Error {}

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

/** `--platform`, checked before anything is read. */
export function parsePlatform(value: string | undefined): ImportPlatform | undefined {
  if (value !== undefined && !(IMPORT_PLATFORMS as readonly string[]).includes(value))
    throw new ConfigError(`unknown platform "${value}"; expected one of: ${IMPORT_PLATFORMS.join(", ")}`);
  return value as ImportPlatform | undefined;
}
