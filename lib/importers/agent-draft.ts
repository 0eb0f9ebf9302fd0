import { validateSpec, type AgentSpec } from "@/lib/domain/spec";
import type { Platform } from "@/lib/domain/terms";
import { autonomyOf, joinInstructions } from "./rules";
import { ImportError, type ImportedAgent, type Provenance } from "./types";

/**
 * An agent as read from source code, before it becomes a spec: the importers of code-defined agents
 * (OpenAI Agents SDK, LangGraph) collect these, and this turns one into a validated `ImportedAgent`.
 */

export type DraftAction = {
  system: string;
  name: string;
  access: "read" | "write" | "admin";
  approval: "required" | "none";
  accessProvenance: Provenance;
  approvalProvenance: Provenance;
};

export type AgentDraft = {
  name: string;
  description: string;
  platform: Platform;
  file: string;
  line: number;
  model: { value: AgentSpec["model"]; provenance: Provenance };
  instructions: { from: string; text: string; provenance: Provenance }[];
  actions: DraftAction[];
  /** Whether a person is in the loop is decided by the code that runs the agent, not by the definition. */
  unattended: { value: boolean; because: string };
  warnings: string[];
};

/** No definition in code states a retention; the reviewer sets it, this is only a starting point. */
const TRACE_RETENTION_DAYS = 30;

export function assembleAgent(draft: AgentDraft): ImportedAgent {
  const warnings = [...draft.warnings];
  const tools: AgentSpec["tools"] = [];
  const actionProvenance: ImportedAgent["provenance"]["actions"] = {};
  const kept: DraftAction[] = [];
  for (const action of draft.actions) {
    const key = `${action.system}:${action.name}`;
    if (!action.system || !action.name) {
      // A name made only of characters the spec does not allow normalises to nothing.
      const at = action.accessProvenance;
      warnings.push(`${at.file}:${at.line ?? "?"}: ${at.path ?? "a tool"} has no name the spec can hold; not mapped`);
      continue;
    }
    if (actionProvenance[key]) {
      warnings.push(`${draft.file}: agent "${draft.name}" lists ${key} twice; the first is kept`);
      continue;
    }
    actionProvenance[key] = { access: action.accessProvenance, approval: action.approvalProvenance };
    kept.push(action);
    let tool = tools.find((t) => t.system === action.system);
    if (!tool) tools.push((tool = { system: action.system, actions: [] }));
    tool.actions.push({ name: action.name, access: action.access, approval: action.approval });
  }

  const autonomy = autonomyOf(kept, draft.unattended.value);
  const autonomyBecause =
    autonomy === "read_only"
      ? "every action reads"
      : autonomy === "autonomous"
        ? `a write runs without approval and ${draft.unattended.because}`
        : kept.some((a) => a.access !== "read" && a.approval === "none")
          ? `a write runs without approval; ${draft.unattended.because}`
          : "every write needs approval";

  let instructions = joinInstructions(draft.instructions);
  if (!instructions) {
    instructions = "(The definition gives the model no instructions that can be read from the source.)";
    warnings.push(`${draft.file}:${draft.line}: agent "${draft.name}" has no literal instructions; the reviewer must supply them`);
  }
  warnings.push(`${draft.file}: agent "${draft.name}": trace retention is not in the definition; ${TRACE_RETENTION_DAYS} days assumed`);

  const spec = {
    model: draft.model.value,
    instructions,
    autonomy,
    tools,
    forbidden: [],
    traceRetentionDays: TRACE_RETENTION_DAYS,
  };
  const validated = validateSpec(spec);
  if (!validated.ok)
    throw new ImportError(
      `${draft.file}: agent "${draft.name}" does not make a valid spec: ${validated.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      draft.file,
    );
  return {
    name: draft.name,
    description: draft.description,
    platform: draft.platform,
    spec: validated.spec,
    provenance: {
      model: draft.model.provenance,
      instructions: draft.instructions.map((p) => p.provenance),
      autonomy: { file: draft.file, line: draft.line, how: "inferred", because: autonomyBecause },
      actions: actionProvenance,
    },
    warnings,
  };
}
