import { validateSpec, type AgentSpec } from "@/lib/domain/spec";
import type { Platform } from "@/lib/domain/terms";
import { autonomyOf, joinInstructions } from "./rules";
import { ImportError, type ImportedAgent, type Provenance } from "./types";

/**
 * The last step every importer shares once it has read a definition: actions grouped by system, the autonomy
 * derived from them, the instructions joined, and the spec validated, each value keeping its provenance.
 */

type Access = AgentSpec["tools"][number]["actions"][number]["access"];
type Approval = "required" | "none";

export type ImportedAction = {
  system: string;
  name: string;
  access: Access;
  approval: Approval;
  accessFrom: Provenance;
  approvalFrom: Provenance;
};

export type AgentDraft = {
  name: string;
  description: string;
  platform: Platform;
  model: AgentSpec["model"];
  modelFrom: Provenance;
  instructions: { from: string; text: string; provenance: Provenance }[];
  actions: ImportedAction[];
  /** Whether the agent runs without a person in the loop, and why that was decided. */
  unattended: { value: boolean; provenance: Provenance };
  /** The file the agent is defined in, for errors and the fallback instruction provenance. */
  file: string;
  warnings: string[];
};

const ACCESS_RANK: Record<Access, number> = { read: 0, write: 1, admin: 2 };

export function assembleAgent(draft: AgentDraft): ImportedAgent {
  const warnings = [...draft.warnings];
  const tools: AgentSpec["tools"] = [];
  const actionProvenance: ImportedAgent["provenance"]["actions"] = {};
  const kept: ImportedAction[] = [];
  for (const action of draft.actions) {
    const key = `${action.system}:${action.name}`;
    const seen = kept.find((a) => `${a.system}:${a.name}` === key);
    if (seen) {
      // The same operation reached twice (two topics, say): keep the greater authority, so review errs safe.
      if (ACCESS_RANK[action.access] > ACCESS_RANK[seen.access])
        Object.assign(seen, { access: action.access, accessFrom: action.accessFrom });
      if (action.approval === "none" && seen.approval === "required")
        Object.assign(seen, { approval: "none", approvalFrom: action.approvalFrom });
      continue;
    }
    kept.push({ ...action });
  }
  for (const action of kept) {
    let tool = tools.find((t) => t.system === action.system);
    if (!tool) tools.push((tool = { system: action.system, actions: [] }));
    tool.actions.push({ name: action.name, access: action.access, approval: action.approval });
    actionProvenance[`${action.system}:${action.name}`] = { access: action.accessFrom, approval: action.approvalFrom };
  }

  const autonomy = autonomyOf(kept, draft.unattended.value);
  const autonomyFrom: Provenance = {
    ...draft.unattended.provenance,
    how: "inferred",
    because: autonomyReason(autonomy, kept, draft.unattended),
  };

  let instructions = joinInstructions(draft.instructions);
  const instructionsFrom = draft.instructions.filter((p) => p.text.trim()).map((p) => p.provenance);
  if (!instructions) {
    instructions = "No instructions are stated in the definition.";
    instructionsFrom.push({ file: draft.file, how: "inferred", because: "the definition states no instructions" });
    warnings.push(`${draft.file}: no instructions are stated for agent "${draft.name}"`);
  }
  warnings.push(`${draft.file}: trace retention is not part of the definition; set to 0 days for the reviewer to decide`);

  const validated = validateSpec({
    model: draft.model,
    instructions,
    autonomy,
    tools,
    forbidden: [],
    traceRetentionDays: 0,
  });
  if (!validated.ok) {
    const issues = validated.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new ImportError(`${draft.file}: agent "${draft.name}" does not make a valid spec (${issues})`, draft.file);
  }
  return {
    name: draft.name,
    description: draft.description,
    platform: draft.platform,
    spec: validated.spec,
    provenance: { model: draft.modelFrom, instructions: instructionsFrom, autonomy: autonomyFrom, actions: actionProvenance },
    warnings,
  };
}

function autonomyReason(autonomy: AgentSpec["autonomy"], actions: ImportedAction[], unattended: AgentDraft["unattended"]): string {
  if (autonomy === "read_only") return actions.length ? "every action reads" : "no actions";
  const open = actions.find((a) => a.access !== "read" && a.approval === "none");
  if (autonomy === "autonomous")
    return `${open!.system}:${open!.name} writes without approval and ${unattended.provenance.because ?? "nobody is in the loop"}`;
  if (!open) return "every write needs approval";
  return `${open.system}:${open.name} writes without approval; ${unattended.provenance.because ?? "a person is in the loop"}`;
}
