import { assembleAgent, type AgentDraft } from "./assemble";
import { importsAgentsSdk, readPythonAgents } from "./openai-agents-python";
import { pythonFiles } from "./python-source";
import { importsAgentsSdkTs, readTypeScriptAgents } from "./openai-agents-typescript";
import { ImportError, type ImportedToolset, type Importer, type SourceFile } from "./types";

/**
 * OpenAI Agents SDK agents from their source: Python (`Agent(...)`, `@function_tool`) read with Lezer's
 * Python grammar, TypeScript (`new Agent({...})`, `tool({...})`) with the TypeScript compiler's parser.
 */

const isPython = (file: SourceFile) => file.path.endsWith(".py");
const isTypeScript = (file: SourceFile) => /\.(ts|mts|cts|js|mjs)$/.test(file.path) && !file.path.endsWith(".d.ts");

function isDefinition(file: SourceFile): boolean {
  if (isPython(file)) return importsAgentsSdk(file);
  if (isTypeScript(file)) return importsAgentsSdkTs(file);
  return false;
}

export const openAiAgentsImporter: Importer = {
  platform: "openai-agents",
  detect: (files) => files.some(isDefinition),
  read(files) {
    const warnings: string[] = [];
    const drafts: AgentDraft[] = [];
    const toolsets: ImportedToolset[] = [];
    const library = pythonFiles(files);
    for (const file of files) {
      if (!isDefinition(file)) {
        warnings.push(`${file.path}: not an OpenAI Agents SDK source file (no import of the SDK), skipped`);
        continue;
      }
      const read = isPython(file) ? readPythonAgents(file, library) : readTypeScriptAgents(file);
      if (!read.agents.length)
        warnings.push(`${file.path}: imports the SDK but defines no Agent (read only for the tools agents import from it)`);
      drafts.push(...read.agents);
      warnings.push(...read.warnings);
      toolsets.push(...read.toolsets);
    }
    if (!drafts.length) {
      const only = files.length === 1 ? files[0]!.path : null;
      throw new ImportError(
        `${files.map((f) => f.path).join(", ") || "no files"}: no OpenAI Agents SDK agent defined (expected Agent(...) in Python or new Agent({...}) in TypeScript importing the SDK)`,
        only,
      );
    }
    return { platform: "openai-agents", agents: drafts.map(assembleAgent), toolsets, warnings };
  },
};
