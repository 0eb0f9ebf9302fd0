import { bedrockAgentsImporter } from "./bedrock-agents";
import { copilotStudioImporter } from "./copilot-studio";
import { langGraphImporter } from "./langgraph";
import { mcpImporter } from "./mcp";
import { microsoft365Importer } from "./microsoft-365";
import { openAiAgentsImporter } from "./openai-agents";
import { salesforceAgentforceImporter } from "./salesforce-agentforce";
import { servicenowImporter } from "./servicenow";
import { ImportError, type ImportPlatform, type ImportResult, type Importer, type SourceFile } from "./types";

/**
 * Every importer, most specific first: those that recognise a platform's own manifest or metadata come before
 * those that recognise general-purpose source or JSON (a LangGraph project is Python that may also use the
 * OpenAI Agents SDK; an MCP tools/list is plain JSON), so the first that detects the files is the best fit.
 */
export const IMPORTERS: readonly Importer[] = [
  langGraphImporter,
  microsoft365Importer,
  copilotStudioImporter,
  salesforceAgentforceImporter,
  servicenowImporter,
  bedrockAgentsImporter,
  openAiAgentsImporter,
  mcpImporter,
];

/** The importer for these files: the most specific of those that recognise them, or an ImportError naming the files. */
export function detectPlatform(files: SourceFile[]): Importer {
  if (files.length === 0) throw new ImportError("No files to import", null);
  const found = IMPORTERS.find((importer) => importer.detect(files));
  if (!found) throw new ImportError(`No platform recognised in these files: ${files.map((f) => f.path).join(", ")}`, files[0]!.path);
  return found;
}

/** Imports the files with the named platform's importer, or with the one detected from the files. */
export function importFiles(files: SourceFile[], platform?: ImportPlatform): ImportResult {
  try {
    const importer = platform ? IMPORTERS.find((i) => i.platform === platform) : detectPlatform(files);
    if (!importer) throw new ImportError(`No importer for platform "${platform}"`, null);
    return importer.read(files);
  } catch (error) {
    if (error instanceof ImportError) throw error;
    // An importer met something it was not written for: the files cannot be read, and the reason is said, never a crash.
    const reason = error instanceof Error ? error.message : String(error);
    const named = files.length === 1 ? files[0]!.path : `${files.length} files`;
    throw new ImportError(
      `${named} could not be read as ${platform ?? "an agent definition"}: ${reason}`,
      files.length === 1 ? files[0]!.path : null,
    );
  }
}
