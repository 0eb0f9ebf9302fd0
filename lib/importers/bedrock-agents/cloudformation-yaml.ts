import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { ImportError } from "../types";

/**
 * A CloudFormation template (YAML or JSON: JSON is YAML) as a plain value, with the short-form intrinsic
 * functions (`!Ref X`, `!GetAtt A.B`, `!Sub …`) turned into their long form (`{Ref: X}`, `{"Fn::GetAtt": [A, B]}`,
 * `{"Fn::Sub": …}`) so that both spellings are read by the same code, and the line of every element kept.
 */

const INTRINSICS = [
  "Ref",
  "Condition",
  "Sub",
  "GetAtt",
  "Join",
  "Select",
  "Split",
  "If",
  "Equals",
  "And",
  "Or",
  "Not",
  "FindInMap",
  "Base64",
  "Cidr",
  "ImportValue",
  "GetAZs",
  "Transform",
  "Length",
  "ToJsonString",
];

// The parser is told the tags exist (so they are not "unresolved"); each node keeps its tag for `plain` below.
const customTags = INTRINSICS.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value },
  { tag: `!${name}`, collection: "seq" as const, resolve: (value: unknown) => value },
  { tag: `!${name}`, collection: "map" as const, resolve: (value: unknown) => value },
]);

const MAX_DEPTH = 64;
const MAX_ALIASES = 100;

export type Template = { value: unknown; lineOf: (path: string) => number | undefined };

export function parseTemplate(file: string, content: string): Template {
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter, customTags, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const line = lineCounter.linePos(doc.errors[0]!.pos[0]).line;
    throw new ImportError(`${file}: not readable as a CloudFormation template (YAML or JSON), line ${line}`, file);
  }
  const lines = new Map<string, number>();
  let aliases = 0;

  function plain(node: unknown, path: string, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new ImportError(`${file}: nested more than ${MAX_DEPTH} levels deep at ${path}`, file);
    if (isAlias(node)) {
      if (++aliases > MAX_ALIASES) throw new ImportError(`${file}: more than ${MAX_ALIASES} YAML aliases`, file);
      return plain(node.resolve(doc as Document), path, depth + 1);
    }
    const n = node as Node | null;
    // A mapping's key line is already kept: the element is where its name is written.
    if (n?.range && !lines.has(path)) lines.set(path, lineCounter.linePos(n.range[0]).line);
    let value: unknown;
    if (isMap(n)) {
      const out: Record<string, unknown> = {};
      for (const pair of n.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        const at = path ? `${path}.${key}` : key;
        if (isScalar(pair.key) && pair.key.range) lines.set(at, lineCounter.linePos(pair.key.range[0]).line);
        out[key] = plain(pair.value, at, depth + 1);
      }
      value = out;
    } else if (isSeq(n)) {
      value = n.items.map((item, i) => plain(item, `${path}[${i}]`, depth + 1));
    } else if (isScalar(n)) {
      value = n.value;
    } else {
      value = null;
    }
    return n?.tag?.startsWith("!") ? longForm(n.tag.slice(1), value) : value;
  }

  const value = plain(doc.contents, "", 0);
  return { value, lineOf: (path) => lines.get(path) };
}

function longForm(name: string, value: unknown): unknown {
  if (name === "Ref" || name === "Condition") return { [name]: value };
  if (name === "GetAtt" && typeof value === "string") {
    const dot = value.indexOf(".");
    return { "Fn::GetAtt": dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}
