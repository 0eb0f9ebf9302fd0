import { canonicalJson } from "./canonical-json";
import type { AgentSpec, ToolAction } from "./spec";

/**
 * Bringing a change up to date with production, like rebasing a branch: the change's own edits
 * (base → head) are re-applied on top of what production runs now, field by field. A field only
 * the change edited keeps the change's value; a field only production moved takes production's;
 * a field both moved to different values is a conflict the author resolves.
 */

export type MergeSide = "ours" | "theirs";

/** One field both sides changed. `ours` is the change's value, `theirs` production's; `undefined` means absent. */
export type MergeConflict = { path: string; label: string; base: unknown; ours: unknown; theirs: unknown };

export type SpecMerge = {
  /** The merged spec; null while a conflict has no resolution. */
  spec: AgentSpec | null;
  conflicts: MergeConflict[];
  /** Fields taken from production because only production changed them. */
  fromProduction: string[];
};

type Field = { path: string; label: string; get: (spec: AgentSpec) => unknown };

/** Stands for "no value at all" on the base side of a new agent, so every field both sides set differently conflicts. */
const NO_BASE = Symbol("no base");

const same = (a: unknown, b: unknown) => (a === NO_BASE || b === NO_BASE ? a === b : canonicalJson(a ?? null) === canonicalJson(b ?? null));

const SCALAR_FIELDS: Field[] = [
  { path: "model.provider", label: "model provider", get: (s) => s.model.provider },
  { path: "model.name", label: "model name", get: (s) => s.model.name },
  { path: "model.version", label: "model version", get: (s) => s.model.version },
  { path: "instructions", label: "instructions", get: (s) => s.instructions },
  { path: "autonomy", label: "autonomy", get: (s) => s.autonomy },
  { path: "humanInTheLoop", label: "human in the loop", get: (s) => s.humanInTheLoop },
  { path: "traceRetentionDays", label: "trace retention", get: (s) => s.traceRetentionDays },
];

const actionKey = (system: string, action: string) => `${system}:${action}`;

function actionsOf(spec: AgentSpec): Map<string, ToolAction> {
  const out = new Map<string, ToolAction>();
  for (const tool of spec.tools) for (const action of tool.actions) out.set(actionKey(tool.system, action.name), action);
  return out;
}

/** Every field a spec has, named by path: the scalars, each granted action, each forbidden entry. */
function fieldsOf(ours: AgentSpec, theirs: AgentSpec): Field[] {
  const actionKeys = new Set([...actionsOf(ours).keys(), ...actionsOf(theirs).keys()]);
  const forbidden = new Set([...ours.forbidden, ...theirs.forbidden]);
  return [
    ...SCALAR_FIELDS,
    ...[...actionKeys].map((key) => ({ path: `tools.${key}`, label: `action ${key}`, get: (s: AgentSpec) => actionsOf(s).get(key) })),
    ...[...forbidden].map((entry) => ({
      path: `forbidden.${entry}`,
      label: `forbidden ${entry}`,
      get: (s: AgentSpec) => (s.forbidden.includes(entry) ? true : undefined),
    })),
  ];
}

/**
 * Three-way merge of agent specs. `resolutions` answers conflicts by path: "ours" keeps the change's
 * value, "theirs" takes production's. The merged spec keeps the change's order of tools and actions,
 * then whatever production added.
 */
export function mergeSpecs(
  base: AgentSpec | null,
  ours: AgentSpec,
  theirs: AgentSpec,
  resolutions: Record<string, MergeSide> = {},
): SpecMerge {
  const conflicts: MergeConflict[] = [];
  const fromProduction: string[] = [];
  const chosen = new Map<string, unknown>();
  for (const field of fieldsOf(ours, theirs)) {
    const [b, o, t] = [base ? field.get(base) : NO_BASE, field.get(ours), field.get(theirs)];
    if (same(o, t) || same(t, b)) chosen.set(field.path, o);
    else if (same(o, b)) {
      chosen.set(field.path, t);
      fromProduction.push(field.path);
    } else {
      conflicts.push({ path: field.path, label: field.label, base: b === NO_BASE ? undefined : b, ours: o, theirs: t });
      const side = resolutions[field.path];
      if (side) chosen.set(field.path, side === "ours" ? o : t);
    }
  }
  const unresolved = conflicts.some((c) => !resolutions[c.path]);
  return { spec: unresolved ? null : assemble(chosen, ours, theirs), conflicts, fromProduction };
}

function assemble(chosen: Map<string, unknown>, ours: AgentSpec, theirs: AgentSpec): AgentSpec {
  const pick = <T>(path: string) => chosen.get(path) as T;
  const spec: AgentSpec = {
    model: { provider: pick("model.provider"), name: pick("model.name"), version: pick("model.version") },
    instructions: pick("instructions"),
    autonomy: pick("autonomy"),
    tools: [],
    forbidden: [],
    traceRetentionDays: pick("traceRetentionDays"),
  };
  const hitl = pick<AgentSpec["humanInTheLoop"]>("humanInTheLoop");
  if (hitl) spec.humanInTheLoop = hitl;
  // Ours first, in its order; then what only production has, in production's order.
  for (const tool of [...ours.tools, ...theirs.tools]) {
    for (const action of tool.actions) {
      const value = pick<ToolAction | undefined>(`tools.${actionKey(tool.system, action.name)}`);
      if (!value) continue;
      let target = spec.tools.find((t) => t.system === tool.system);
      if (!target) spec.tools.push((target = { system: tool.system, actions: [] }));
      if (!target.actions.some((a) => a.name === value.name)) target.actions.push(value);
    }
  }
  for (const entry of [...ours.forbidden, ...theirs.forbidden]) {
    if (pick(`forbidden.${entry}`) && !spec.forbidden.includes(entry)) spec.forbidden.push(entry);
  }
  return spec;
}
