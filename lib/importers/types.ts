import type { AgentSpec } from "@/lib/domain/spec";
import type { Platform } from "@/lib/domain/terms";

/**
 * What every importer shares (../shared/IMPORTERS.md): files in, `{platform, agents, toolsets}` out, with
 * provenance for every value that matters to review and a warning for everything not mapped. Pure: no I/O.
 */

/** One file as read from a repository, an export or an upload: its path (as given) and its text. */
export type SourceFile = { path: string; content: string };

/** The platforms an importer reads; MCP yields toolsets only, Microsoft 365 agents are Copilot-family. */
export const IMPORT_PLATFORMS = [
  "salesforce-agentforce",
  "copilot-studio",
  "microsoft-365",
  "openai-agents",
  "langgraph",
  "mcp",
  "bedrock-agents",
  "servicenow",
] as const;
export type ImportPlatform = (typeof IMPORT_PLATFORMS)[number];

/** Where a value came from: the file and line (or JSON/YAML path), and whether the platform said it or Countersign inferred it. */
export type Provenance = {
  file: string;
  /** 1-based line, when the format has lines worth pointing at. */
  line?: number;
  /** A JSON/YAML path such as `actions[2].confirmation`, or the platform's own identifier. */
  path?: string;
  how: "stated" | "inferred";
  /** Why, when inferred: "HTTP GET", "verb 'list' in the name", "MCP readOnlyHint (untrusted)", "no model named: platform default". */
  because?: string;
};

/** Provenance of the values a reviewer signs: the model, the instructions, the autonomy, and each action's access and approval. */
export type SpecProvenance = {
  model: Provenance;
  instructions: Provenance[];
  autonomy: Provenance;
  /** Keyed `system:action`, as the permission diff names actions. */
  actions: Record<string, { access: Provenance; approval: Provenance }>;
};

export type ImportedAgent = {
  name: string;
  description: string;
  /** The Countersign platform the agent is registered under (Microsoft 365 agents are `copilot-studio`, MCP has none). */
  platform: Platform;
  spec: AgentSpec;
  provenance: SpecProvenance;
  /** Everything met and not mapped, each naming its file and element. Never a silent guess. */
  warnings: string[];
};

/** A set of actions on one system that can be added to a spec in the editor (an MCP server's tools). */
export type ImportedToolset = {
  system: string;
  actions: AgentSpec["tools"][number]["actions"];
  provenance: Record<string, { access: Provenance; approval: Provenance }>;
  warnings: string[];
};

export type ImportResult = { platform: ImportPlatform; agents: ImportedAgent[]; toolsets: ImportedToolset[]; warnings: string[] };

/** A file that is not a definition of the platform, or cannot be read at all: named, never a crash. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly file: string | null,
  ) {
    super(message);
    this.name = "ImportError";
  }
}

/** One platform's importer: whether the files look like its definitions, and the mapping itself. */
export type Importer = {
  platform: ImportPlatform;
  /** True when some file is recognisably this platform's (by name and content), so detection can pick it. */
  detect(files: SourceFile[]): boolean;
  /** Maps the files; throws ImportError when none of them is a definition this importer reads. */
  read(files: SourceFile[]): ImportResult;
};
