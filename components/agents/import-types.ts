import type { ImportedAgent, ImportResult } from "@/lib/importers/types";

/** An imported agent with its spec as YAML, ready for the editor. */
export type ImportedAgentView = ImportedAgent & { yaml: string };
export type ImportView = Omit<ImportResult, "agents"> & { agents: ImportedAgentView[] };
export type ImportOutcome = { ok: true; result: ImportView } | { ok: false; message: string };
