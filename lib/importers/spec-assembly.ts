import { validateSpec, type AgentSpec } from "@/lib/domain/spec";
import { autonomyOf } from "./rules";
import { ImportError, type Provenance, type SpecProvenance } from "./types";

/** One action as an importer found it, before actions on the same system are gathered into a tool. */
export type FoundAction = {
  system: string;
  name: string;
  access: "read" | "write" | "admin";
  approval: "required" | "none";
  accessFrom: Provenance;
  approvalFrom: Provenance;
};

const RANK = { read: 0, write: 1, admin: 2 } as const;

/**
 * Gathers actions into tools by system. An action met twice (a connector operation used by an action and a
 * topic) keeps the higher access and, if either asks a person, the approval; the other sighting is a warning.
 */
export function toolsOf(found: FoundAction[], warnings: string[]): { tools: AgentSpec["tools"]; provenance: SpecProvenance["actions"] } {
  const byKey = new Map<string, FoundAction>();
  for (const action of found) {
    const key = `${action.system}:${action.name}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, action);
      continue;
    }
    warnings.push(`${action.accessFrom.file}: ${key} is also granted in ${seen.accessFrom.file}; the wider of the two is kept`);
    const wider = RANK[action.access] > RANK[seen.access] ? action : seen;
    const asks = action.approval === "required" ? action : seen;
    byKey.set(key, { ...wider, approval: asks.approval, approvalFrom: asks.approvalFrom });
  }
  const tools: AgentSpec["tools"] = [];
  const provenance: SpecProvenance["actions"] = {};
  for (const [key, a] of byKey) {
    let tool = tools.find((t) => t.system === a.system);
    if (!tool) tools.push((tool = { system: a.system, actions: [] }));
    tool.actions.push({ name: a.name, access: a.access, approval: a.approval });
    provenance[key] = { access: a.accessFrom, approval: a.approvalFrom };
  }
  return { tools, provenance };
}

/** The autonomy the rules give these actions, with why, for a platform that does or does not run unattended. */
export function autonomyWithReason(
  found: FoundAction[],
  unattended: { file: string; path?: string; because: string } | null,
  attendedFrom: { file: string; because: string },
): { autonomy: AgentSpec["autonomy"]; provenance: Provenance } {
  const autonomy = autonomyOf(found, unattended !== null);
  const where = unattended ?? attendedFrom;
  const because =
    autonomy === "read_only"
      ? "every action reads"
      : autonomy === "autonomous"
        ? `a write needs no approval and ${where.because}`
        : `some action writes; ${where.because}`;
  return { autonomy, provenance: { file: where.file, path: unattended?.path, how: "inferred", because } };
}

/** Spec fields no platform states: a retention of 0 days until the reviewer sets one (told by a warning). */
export const TRACE_RETENTION_WARNING = "No trace retention is stated by the platform: traceRetentionDays is 0 until the reviewer sets it";

/** Validates what an importer built; a spec the domain refuses is the importer's bug, named with the file. */
export function validated(spec: AgentSpec, file: string): AgentSpec {
  const result = validateSpec(spec);
  if (!result.ok)
    throw new ImportError(
      `${file}: the imported spec is not valid: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      file,
    );
  return result.spec;
}

/** The folder part of a path (`a/b/agent.mcs.yml` → `a/b/`), `""` at the root. */
export function folderOf(path: string): string {
  const slash = path.replace(/\\/g, "/").lastIndexOf("/");
  return slash < 0 ? "" : path.replace(/\\/g, "/").slice(0, slash + 1);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.replace(/\\/g, "/").split("/").pop() ?? path;
}
