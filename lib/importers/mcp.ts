import type { AgentSpec } from "@/lib/domain/spec";
import { inferAccess, normaliseName } from "./rules";
import { baseName } from "./paths";
import { ImportError, type ImportedToolset, type Importer, type Provenance, type SourceFile } from "./types";

/**
 * An MCP server's `tools/list` response (IMPORTERS.md, "MCP tools/list"): a toolset, not an agent. `readOnlyHint:
 * true` reads; any other tool writes (admin when it manages identities, secrets or settings, or runs code), and asks
 * for approval unless it says `destructiveHint: false`. The hints are the server's own claims, so each one that
 * lowers authority is a warning.
 */

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** The tools array and where it sits: a JSON-RPC response (`result.tools`) or its bare result (`tools`). */
function toolsIn(value: unknown): { tools: unknown[]; at: string; page?: string } | null {
  if (!isRecord(value)) return null;
  if (isRecord(value.result) && Array.isArray(value.result.tools))
    return { tools: value.result.tools, at: "result.tools", page: text(value.result.nextCursor) || undefined };
  if (Array.isArray(value.tools)) return { tools: value.tools, at: "tools", page: text(value.nextCursor) || undefined };
  return null;
}

function parse(file: SourceFile): unknown {
  try {
    return JSON.parse(file.content);
  } catch {
    return undefined;
  }
}

/** A tools/list response does not name its server: `github.tools-list.json` → `github`. */
function serverName(path: string): string {
  const stem = baseName(path)
    .replace(/\.json$/i, "")
    .replace(/[._-]?tools?([._-]?list)?$/i, "");
  return normaliseName(stem) || "mcp-server";
}

const NOT_MAPPED_HINTS = ["idempotentHint", "openWorldHint"];

function readToolset(file: SourceFile): ImportedToolset {
  const value = parse(file);
  if (value === undefined) throw new ImportError(`${file.path}: not readable JSON, expected an MCP tools/list response`, file.path);
  if (isRecord(value) && isRecord(value.error))
    throw new ImportError(
      `${file.path}: an MCP error response (${text(value.error.message) || "no message"}), not a tools/list result`,
      file.path,
    );
  const found = toolsIn(value);
  if (!found) throw new ImportError(`${file.path}: not an MCP tools/list response (no result.tools or tools array)`, file.path);

  const system = serverName(file.path);
  const warnings = [`${file.path}: a tools/list response does not name its server; system "${system}" is taken from the file name`];
  if (found.page)
    warnings.push(`${file.path}: nextCursor is set: this is one page of the server's tools; the other pages are not imported`);
  const actions: AgentSpec["tools"][number]["actions"] = [];
  const provenance: ImportedToolset["provenance"] = {};
  const unmappedHints = new Set<string>();

  found.tools.forEach((tool, i) => {
    const at = `${found.at}[${i}]`;
    if (!isRecord(tool) || !text(tool.name)) {
      warnings.push(`${file.path}: ${at} has no name; not imported`);
      return;
    }
    const name = normaliseName(text(tool.name));
    if (actions.some((a) => a.name === name)) {
      warnings.push(`${file.path}: ${at} "${text(tool.name)}" is listed twice; the first is kept`);
      return;
    }
    const hints = isRecord(tool.annotations) ? tool.annotations : {};
    for (const hint of NOT_MAPPED_HINTS) if (hint in hints) unmappedHints.add(hint);
    const readOnly = hints.readOnlyHint;
    const destructive = hints.destructiveHint;
    const byName = inferAccess(text(tool.name), text(tool.description));

    const named = text(tool.name);
    const where = (path: string, how: Provenance["how"], because: string): Provenance => ({ file: file.path, path, how, because });
    const readOnlyPath = `${at}.annotations.readOnlyHint`;
    const destructivePath = `${at}.annotations.destructiveHint`;

    let access: { value: "read" | "write" | "admin"; from: Provenance };
    if (readOnly === true) {
      access = { value: "read", from: where(readOnlyPath, "stated", "MCP readOnlyHint (untrusted)") };
      warnings.push(`${file.path}: ${at} "${named}" is read only on the server's word (readOnlyHint); hints are untrusted`);
      if (byName.access !== "read")
        warnings.push(`${file.path}: ${at} "${named}" claims readOnlyHint but its name suggests ${byName.access} (${byName.because})`);
    } else {
      const said = readOnly === false;
      const because = said ? "MCP readOnlyHint false" : "no readOnlyHint: MCP tools are not read only by default";
      access =
        byName.access === "admin"
          ? { value: "admin", from: where(`${at}.name`, "inferred", `${because}; ${byName.because}`) }
          : { value: "write", from: where(readOnlyPath, said ? "stated" : "inferred", because) };
    }

    let approval: { value: "required" | "none"; from: Provenance };
    if (access.value === "read") approval = { value: "none", from: where(readOnlyPath, "stated", "a read needs no approval") };
    else if (destructive === false) {
      approval = { value: "none", from: where(destructivePath, "stated", "MCP destructiveHint false (untrusted)") };
      warnings.push(
        `${file.path}: ${at} "${named}" runs without approval on the server's word (destructiveHint false); hints are untrusted`,
      );
    } else if (destructive === true) approval = { value: "required", from: where(destructivePath, "stated", "MCP destructiveHint true") };
    else
      approval = {
        value: "required",
        from: where(destructivePath, "inferred", "no destructiveHint: MCP tools are destructive by default"),
      };

    actions.push({ name, access: access.value, approval: approval.value });
    provenance[`${system}:${name}`] = { access: access.from, approval: approval.from };
  });
  if (unmappedHints.size) warnings.push(`${file.path}: annotations ${[...unmappedHints].join(", ")} are not mapped`);
  if (actions.length === 0) warnings.push(`${file.path}: the server lists no tools`);
  return { system, actions, provenance, warnings };
}

export const mcpImporter: Importer = {
  platform: "mcp",
  detect(files) {
    return files.some((f) => f.path.toLowerCase().endsWith(".json") && toolsIn(parse(f)) !== null);
  },
  read(files) {
    if (files.length === 0) throw new ImportError("No MCP tools/list response among the files", null);
    const toolsets = files.map(readToolset);
    const warnings: string[] = [];
    toolsets.forEach((t, i) => {
      if (toolsets.findIndex((o) => o.system === t.system) !== i)
        warnings.push(`${files[i]?.path}: a second toolset for system "${t.system}"`);
    });
    return { platform: "mcp", agents: [], toolsets, warnings };
  },
};
