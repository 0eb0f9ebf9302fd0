import { LineCounter, parseDocument, type Document } from "yaml";
import type { FoundAction } from "./assemble";
import { ImportError, type ImportedToolset, type Provenance, type SourceFile } from "./types";
import { normaliseName } from "./rules";

/** Reading Copilot Studio's `.mcs.yml` components with the line of every value, for provenance. */

export type Yaml = { file: string; doc: Document; lines: LineCounter; value: Record<string, unknown> };
export type Path = (string | number)[];

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
export const text = (v: unknown): string => (typeof v === "string" ? v : "");

export function parseYaml(file: SourceFile): Yaml {
  const lines = new LineCounter();
  let doc: Document;
  let value: unknown;
  try {
    doc = parseDocument(file.content, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0)
      throw new ImportError(`${file.path}: not readable YAML (${doc.errors[0]?.message.split("\n")[0]})`, file.path);
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb or a document nested too deep for the parser is refused by name, never a crash.
    if (error instanceof ImportError) throw error;
    throw new ImportError(
      `${file.path}: not readable YAML (${error instanceof Error ? error.message.split("\n")[0] : "parse error"})`,
      file.path,
    );
  }
  if (!isRecord(value)) throw new ImportError(`${file.path}: not a Copilot Studio component (no YAML mapping)`, file.path);
  return { file: file.path, doc, lines, value };
}

/** `["beginDialog", "actions", 2, "kind"]` → `beginDialog.actions[2].kind`. */
export function written(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Provenance pointing at the line of a YAML path (or the file, when the path is absent). */
export function at(y: Yaml, path: Path, how: Provenance["how"], because?: string): Provenance {
  const node = y.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const line = node?.range ? y.lines.linePos(node.range[0]).line : undefined;
  return { file: y.file, line, path: written(path), how, because };
}

/** `cr3a5_agent.shared_office365.shared-office365-8f…` → `office365`: the connector the reference points at. */
export function connectorOf(reference: string): string | null {
  const part = reference.split(".").find((p) => p.startsWith("shared_"));
  return part ? normaliseName(part.slice("shared_".length)) : null;
}

export function kindOf(y: Yaml): string {
  return text(y.value.kind);
}

/** What the components of one agent add up to, filled in as each is read. */
export type AgentBuild = {
  found: FoundAction[];
  toolsets: ImportedToolset[];
  instructions: { from: string; text: string; provenance: Provenance }[];
  warnings: string[];
  unattended: { file: string; path?: string; because: string } | null;
};
