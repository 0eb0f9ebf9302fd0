import { validateSpec, type AgentSpec } from "@/lib/domain/spec";
import type { Platform } from "@/lib/domain/terms";
import { autonomyOf, joinInstructions } from "./rules";
import { ImportError, type ImportedAgent, type Provenance, type SpecProvenance } from "./types";

/**
 * The last step every importer shares once it has read a definition: actions gathered into tools by system,
 * the autonomy derived from them, the instructions joined, the trace retention placeholder, and the spec
 * validated, each value keeping its provenance.
 */

type Access = AgentSpec["tools"][number]["actions"][number]["access"];
type Approval = "required" | "none";

/** One action as an importer found it, before actions on the same system are gathered into a tool. */
export type FoundAction = {
  system: string;
  name: string;
  access: Access;
  approval: Approval;
  accessFrom: Provenance;
  approvalFrom: Provenance;
};

/** Where an element is written, without a verdict on it. */
export type Location = { file: string; line?: number; path?: string };

export type InstructionPart = { from: string; text: string; provenance: Provenance };

export type AgentDraft = {
  name: string;
  description: string;
  platform: Platform;
  /** Where the agent is defined: errors and warnings name it, and provenance falls back to it. */
  file: string;
  line?: number;
  model: { value: AgentSpec["model"]; provenance: Provenance };
  instructions: InstructionPart[];
  actions: FoundAction[];
  /**
   * Whether the agent runs with nobody in the loop, why, and the element that says so (else the definition).
   * `extraWrites` counts writes that could not be listed as actions (operations not in the files).
   */
  unattended: { value: boolean; because: string; at?: Location; extraWrites?: number };
  warnings: string[];
};

/** No platform states how long traces are kept: every import starts from this and the reviewer sets the real value. */
export const TRACE_RETENTION_DAYS = 30;
export const TRACE_RETENTION_WARNING = `No trace retention is stated by the platform: traceRetentionDays is set to ${TRACE_RETENTION_DAYS}, a conservative common default; the reviewer should set the real value`;

const RANK: Record<Access, number> = { read: 0, write: 1, admin: 2 };

/**
 * Gathers actions into tools by system. An action met twice (an operation reached from two topics, say)
 * keeps the wider access and, if either sighting runs without asking a person, no approval: the agent can
 * reach it that way, so review errs on the side of more authority. The second sighting is a warning.
 * An action whose name normalises to nothing is left out, with a warning.
 */
export function toolsOf(
  found: FoundAction[],
  warnings: string[],
): { tools: AgentSpec["tools"]; provenance: SpecProvenance["actions"]; kept: FoundAction[] } {
  const byKey = new Map<string, FoundAction>();
  for (const action of found) {
    if (!action.system || !action.name) {
      const at = action.accessFrom;
      warnings.push(`${at.file}:${at.line ?? "?"}: ${at.path ?? "a tool"} has no name the spec can hold; not mapped`);
      continue;
    }
    const key = `${action.system}:${action.name}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...action });
      continue;
    }
    warnings.push(
      `${where(action.accessFrom)}: ${key} is also granted at ${where(seen.accessFrom)}; the wider access and the looser approval are kept`,
    );
    if (RANK[action.access] > RANK[seen.access]) Object.assign(seen, { access: action.access, accessFrom: action.accessFrom });
    if (action.approval === "none" && seen.approval === "required")
      Object.assign(seen, { approval: "none", approvalFrom: action.approvalFrom });
  }
  const tools: AgentSpec["tools"] = [];
  const provenance: SpecProvenance["actions"] = {};
  for (const [key, a] of byKey) {
    let tool = tools.find((t) => t.system === a.system);
    if (!tool) tools.push((tool = { system: a.system, actions: [] }));
    tool.actions.push({ name: a.name, access: a.access, approval: a.approval });
    provenance[key] = { access: a.accessFrom, approval: a.approvalFrom };
  }
  return { tools, provenance, kept: [...byKey.values()] };
}

function where(p: Location): string {
  return `${p.file}${p.line ? `:${p.line}` : ""}${p.path ? ` ${p.path}` : ""}`;
}

/** The autonomy the rules give these actions (rules.ts autonomyOf), with why and where it was decided. */
export function autonomyWithReason(
  actions: FoundAction[],
  unattended: AgentDraft["unattended"],
  fallback: Location,
): { autonomy: AgentSpec["autonomy"]; provenance: Provenance } {
  const extra = Array.from({ length: unattended.extraWrites ?? 0 }, () => ({ access: "write" as const, approval: "none" as const }));
  const autonomy = autonomyOf([...actions, ...extra], unattended.value);
  const open = actions.find((a) => a.access !== "read" && a.approval === "none");
  const opener = open ? `${open.system}:${open.name} writes without approval` : "a write without approval";
  let because =
    autonomy === "read_only"
      ? actions.length
        ? "every action reads"
        : "no actions"
      : autonomy === "autonomous"
        ? `${opener} and ${unattended.because}`
        : open || extra.length
          ? `${opener}; ${unattended.because}`
          : "every write needs approval";
  if (extra.length) because += `; ${extra.length} action group(s) whose operations are not in the files count as unconfirmed writes`;
  const at = unattended.at ?? fallback;
  return { autonomy, provenance: { file: at.file, line: at.line, path: at.path, how: "inferred", because } };
}

/** Turns a draft into a validated agent; a spec the domain refuses is the importer's bug, named with the file. */
export function assembleAgent(draft: AgentDraft): ImportedAgent {
  const warnings = [...draft.warnings];
  const { tools, provenance: actions, kept } = toolsOf(draft.actions, warnings);
  const defined: Location = { file: draft.file, line: draft.line };
  const autonomy = autonomyWithReason(kept, draft.unattended, defined);

  const parts = draft.instructions.filter((p) => p.text.trim());
  let instructions = joinInstructions(parts);
  const instructionsFrom = parts.map((p) => p.provenance);
  if (!instructions) {
    instructions = "(The definition states no instructions; the reviewer must supply them.)";
    instructionsFrom.push({ ...defined, how: "inferred", because: "the definition states no instructions" });
    warnings.push(`${where(defined)}: agent "${draft.name}" states no instructions; the reviewer must supply them`);
  }
  warnings.push(`${draft.file}: ${TRACE_RETENTION_WARNING}`);

  const candidate = {
    model: draft.model.value,
    instructions,
    autonomy: autonomy.autonomy,
    tools,
    forbidden: [],
    traceRetentionDays: TRACE_RETENTION_DAYS,
  };
  const result = validateSpec(candidate);
  if (!result.ok)
    throw new ImportError(
      `${draft.file}: agent "${draft.name}" does not make a valid spec: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      draft.file,
    );
  return {
    name: draft.name,
    description: draft.description,
    platform: draft.platform,
    spec: result.spec,
    provenance: { model: draft.model.provenance, instructions: instructionsFrom, autonomy: autonomy.provenance, actions },
    warnings,
  };
}
