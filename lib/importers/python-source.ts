import type { SyntaxNode, Tree } from "@lezer/common";
import { parser } from "@lezer/python";
import { ImportError, type SourceFile } from "./types";

/**
 * Reading Python agent definitions (OpenAI Agents SDK, LangGraph) from their syntax tree, never with regexes:
 * only literal values are read; anything computed is left to the caller to warn about.
 */

export type PythonModule = { file: string; source: string; tree: Tree };

/**
 * Parses a py; a file with syntax errors cannot be read faithfully, so it is refused by name. Detection
 * may ask for a lenient parse (the grammar recovers from errors) to see what the file imports.
 */
export function parsePython(file: SourceFile, { lenient = false } = {}): PythonModule {
  const tree = parser.parse(file.content);
  if (lenient) return { file: file.path, source: file.content, tree };
  let error: number | null = null;
  tree.iterate({
    enter: (node) => {
      if (error !== null) return false;
      if (node.type.isError) error = node.from;
    },
  });
  const py = { file: file.path, source: file.content, tree };
  if (error !== null) throw new ImportError(`${file.path}: not valid Python (syntax error at line ${lineOf(py, error)})`, file.path);
  return py;
}

export function lineOf(py: PythonModule, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < py.source.length; i++) if (py.source.charCodeAt(i) === 10) line++;
  return line;
}

export function textOf(py: PythonModule, node: SyntaxNode): string {
  return py.source.slice(node.from, node.to);
}

/** Named children, without punctuation such as `(`, `,`, `=`. */
export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (/^[A-Z]/.test(child.name)) out.push(child);
  }
  return out;
}

/** The modules a file imports from (`from agents import Agent` → `agents`, `import stripe` → `stripe`), and the names bound. */
export function importsOf(py: PythonModule): { from: string; names: string[] }[] {
  const out: { from: string; names: string[] }[] = [];
  for (const statement of childrenOf(py.tree.topNode)) {
    if (statement.name !== "ImportStatement") continue;
    const fromKeyword = statement.getChild("from");
    const names = statement.getChildren("VariableName").map((n) => textOf(py, n));
    const importKeyword = statement.getChild("import");
    if (fromKeyword && !importKeyword) {
      // `from agents` with nothing imported yet (a line being written): it binds nothing.
      continue;
    }
    if (fromKeyword && importKeyword) {
      // `from a.b import c, d`: the dotted module is every name before `import`.
      const moduleParts = statement.getChildren("VariableName").filter((n) => n.to <= importKeyword.from);
      const bound = statement.getChildren("VariableName").filter((n) => n.from >= importKeyword.to);
      out.push({ from: moduleParts.map((n) => textOf(py, n)).join("."), names: bound.map((n) => textOf(py, n)) });
    } else {
      for (const name of names) out.push({ from: name, names: [name] });
    }
  }
  return out;
}

/** A dotted callee or reference (`Agent`, `stripe.Refund.create`, `init_chat_model(...).bind_tools`) as text; null when not a plain name chain. */
export function dottedName(py: PythonModule, node: SyntaxNode): string | null {
  if (node.name === "VariableName") return textOf(py, node);
  if (node.name === "MemberExpression") {
    const [object, property] = [node.firstChild, node.lastChild];
    if (!object || !property || property.name !== "PropertyName") return null;
    const left = dottedName(py, object);
    return left === null ? null : `${left}.${textOf(py, property)}`;
  }
  return null;
}

export type Call = { callee: string | null; node: SyntaxNode; positional: SyntaxNode[]; keywords: Map<string, SyntaxNode> };

export function callOf(py: PythonModule, node: SyntaxNode): Call | null {
  if (node.name !== "CallExpression") return null;
  return { callee: dottedName(py, node.firstChild!), node, ...argumentsOf(py, node.getChild("ArgList")) };
}

/** Positional and keyword arguments of an argument list (`(x, tools=[...])`). */
export function argumentsOf(py: PythonModule, args: SyntaxNode | null): Pick<Call, "positional" | "keywords"> {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const parts = args ? childrenOf(args) : [];
  for (let i = 0; i < parts.length; i++) {
    const [part, op, value] = [parts[i]!, parts[i + 1], parts[i + 2]];
    if (part.name === "VariableName" && op?.name === "AssignOp" && value) {
      keywords.set(textOf(py, part), value);
      i += 2;
    } else positional.push(part);
  }
  return { positional, keywords };
}

/** The last segment of a callee: `agents.Agent` → `Agent`. */
export function calleeBase(call: Call): string | null {
  return call.callee?.split(".").pop() ?? null;
}

/** Every call in a subtree, outermost first, in source order. */
export function callsWithin(py: PythonModule, node: SyntaxNode): Call[] {
  const out: Call[] = [];
  const cursor = node.cursor();
  do {
    if (cursor.name === "CallExpression") out.push(callOf(py, cursor.node)!);
  } while (cursor.next() && cursor.from < node.to);
  return out.filter((c) => c.node.from >= node.from && c.node.to <= node.to);
}

/** A string literal's value (implicit concatenation included); null for f-strings and anything computed. */
export function stringValue(py: PythonModule, node: SyntaxNode | null | undefined): string | null {
  if (!node) return null;
  if (node.name === "ContinuedString") {
    const parts = node.getChildren("String").map((s) => stringValue(py, s));
    return parts.every((p) => p !== null) && parts.length > 0 ? parts.join("") : null;
  }
  if (node.name !== "String") return null;
  return unquote(textOf(py, node));
}

function unquote(literal: string): string | null {
  const prefixEnd = literal.search(/['"]/);
  const prefix = literal.slice(0, prefixEnd).toLowerCase();
  if (prefix.includes("f") || prefix.includes("b")) return null;
  const body = literal.slice(prefixEnd);
  const quote = body.startsWith('"""') || body.startsWith("'''") ? body.slice(0, 3) : body.slice(0, 1);
  const inner = body.slice(quote.length, body.length - quote.length);
  if (prefix.includes("r")) return inner;
  const escapes: Record<string, string> = { n: "\n", t: "\t", "\\": "\\", "'": "'", '"': '"', "\n": "" };
  return inner.replace(/\\(.)/gs, (whole, c: string) => escapes[c] ?? whole);
}

export function booleanValue(py: PythonModule, node: SyntaxNode | null | undefined): boolean | null {
  if (node?.name !== "Boolean") return null;
  return textOf(py, node) === "True";
}

/** The elements of a list or tuple literal; null when the node is not one. */
export function listElements(node: SyntaxNode | null | undefined): SyntaxNode[] | null {
  if (!node || !["ArrayExpression", "TupleExpression"].includes(node.name)) return null;
  return childrenOf(node);
}

/** The entries of a dict literal whose keys are strings; null when the node is not one. */
export function dictEntries(py: PythonModule, node: SyntaxNode | null | undefined): Map<string, SyntaxNode> | null {
  if (node?.name !== "DictionaryExpression") return null;
  const parts = childrenOf(node);
  const out = new Map<string, SyntaxNode>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const key = stringValue(py, parts[i]);
    if (key !== null) out.set(key, parts[i + 1]!);
  }
  return out;
}

/** Module-level `name = value` bindings, the last one winning as at run time. */
export function assignmentsOf(py: PythonModule): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const statement of childrenOf(py.tree.topNode)) {
    if (statement.name !== "AssignStatement") continue;
    const parts = childrenOf(statement);
    const [target, value] = [parts[0], parts[parts.length - 1]];
    const plain = parts.length === 3 || (parts.length === 4 && parts[1]?.name === "TypeDef");
    if (plain && target?.name === "VariableName" && value) out.set(textOf(py, target), value);
  }
  return out;
}

/** Follows a module-level name to the value bound to it (`tools=TOOLS`), at most a few hops. */
export function resolve(py: PythonModule, node: SyntaxNode, bindings: Map<string, SyntaxNode>): SyntaxNode {
  let current = node;
  for (let hop = 0; hop < 5 && current.name === "VariableName"; hop++) {
    const bound = bindings.get(textOf(py, current));
    if (!bound) break;
    current = bound;
  }
  return current;
}

/** A string built from literals and module-level string constants with `+`; null when any part is computed. */
export function constantString(
  py: PythonModule,
  node: SyntaxNode,
  bindings: Map<string, SyntaxNode>,
  /** What an unbound name stands for (an imported constant such as `RECOMMENDED_PROMPT_PREFIX`), or null. */
  imported: (name: string) => string | null = () => null,
): string | null {
  const value = resolve(py, node, bindings);
  if (value.name === "VariableName") return imported(textOf(py, value));
  if (value.name === "BinaryExpression" && value.getChild("ArithOp") && textOf(py, value.getChild("ArithOp")!) === "+") {
    const [left, right] = [value.firstChild!, value.lastChild!];
    const l = constantString(py, left, bindings, imported);
    const r = constantString(py, right, bindings, imported);
    return l === null || r === null ? null : l + r;
  }
  const inner = childrenOf(value)[0];
  if (value.name === "ParenthesizedExpression" && inner) return constantString(py, inner, bindings, imported);
  return stringValue(py, value);
}

export type PythonFunction = {
  name: string;
  node: SyntaxNode;
  line: number;
  decorators: { name: string; call: Call | null; node: SyntaxNode }[];
  docstring: string;
  body: SyntaxNode;
};

/** Module-level function definitions with their decorators (`@function_tool(needs_approval=True)`, `@tool`). */
export function functionsOf(py: PythonModule): Map<string, PythonFunction> {
  const out = new Map<string, PythonFunction>();
  for (const statement of childrenOf(py.tree.topNode)) {
    const definition = statement.name === "DecoratedStatement" ? statement.getChild("FunctionDefinition") : statement;
    if (definition?.name !== "FunctionDefinition") continue;
    const name = textOf(py, definition.getChild("VariableName")!);
    const decorators = statement.getChildren("Decorator").map((d) => {
      const args = d.getChild("ArgList");
      const target = childrenOf(d).filter((n) => n.name !== "At" && n.name !== "ArgList");
      const decoratorName = target.map((n) => textOf(py, n)).join(".");
      const call: Call | null = args ? { callee: decoratorName, node: d, ...argumentsOf(py, args) } : null;
      return { name: decoratorName, call, node: d };
    });
    const body = definition.getChild("Body")!;
    const first = childrenOf(body)[0];
    const docstring = first?.name === "ExpressionStatement" ? (stringValue(py, first.firstChild) ?? "") : "";
    out.set(name, { name, node: definition, line: lineOf(py, statement.from), decorators, docstring: cleanDocstring(docstring), body });
  }
  return out;
}

/** Like Python's `inspect.cleandoc`: the first line, then the rest dedented. */
export function cleanDocstring(text: string): string {
  const lines = text.replace(/\t/g, "    ").split("\n");
  const indents = lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.length - l.trimStart().length);
  const indent = indents.length ? Math.min(...indents) : 0;
  return [(lines[0] ?? "").trim(), ...lines.slice(1).map((l) => l.slice(indent).trimEnd())].join("\n").trim();
}

/** Modules that touch no outside system: a call into them says nothing about what a tool acts on. */
const LOCAL_MODULES = new Set([
  "agents",
  "asyncio",
  "dataclasses",
  "datetime",
  "json",
  "langchain_core",
  "langgraph",
  "logging",
  "math",
  "os",
  "pydantic",
  "random",
  "re",
  "time",
  "typing",
  "typing_extensions",
  "uuid",
]);
const HTTP_CLIENTS = new Set(["httpx", "requests", "aiohttp", "urllib"]);

/**
 * The system a tool function touches: the host of a literal URL it sends to with an HTTP client, else the
 * outside module it calls into (`stripe.Refund.create` → `stripe`), else null (the caller says `functions`).
 */
/** `at` is where the first such call starts, so a caller can tell whether something (an `interrupt`) comes before it. */
export function systemCalledBy(py: PythonModule, body: SyntaxNode): { system: string; because: string; at: number } | null {
  const imports = importsOf(py);
  const bindings = assignmentsOf(py);
  const moduleOf = (name: string): string | null => {
    const imported = imports.find((i) => i.names.includes(name));
    if (imported) return imported.from.split(".")[0] ?? null;
    // A module-level client (`crm = httpx.Client(base_url=...)`) stands for the module that made it.
    const bound = bindings.get(name);
    const call = bound ? callOf(py, bound) : null;
    return call?.callee ? moduleOf(call.callee.split(".")[0]!) : null;
  };
  const hostOf = (url: string | null): string | null => {
    if (!url) return null;
    try {
      return new URL(url).hostname || null;
    } catch {
      return null;
    }
  };
  for (const call of callsWithin(py, body)) {
    const root = call.callee?.split(".")[0];
    if (!root) continue;
    const owner = moduleOf(root);
    if (!owner || LOCAL_MODULES.has(owner)) continue;
    if (HTTP_CLIENTS.has(owner)) {
      const bound = bindings.get(root);
      const client = bound ? callOf(py, bound) : null;
      const first = call.positional[0];
      const baseUrl = client?.keywords.get("base_url");
      // A client's base_url names the host when the call only gives a path.
      const host = hostOf(first ? urlPrefix(py, first, bindings) : null) ?? hostOf(baseUrl ? urlPrefix(py, baseUrl, bindings) : null);
      if (host) return { system: host, because: `calls ${host} with ${owner}`, at: call.node.from };
      continue;
    }
    return { system: owner, because: `calls ${call.callee}`, at: call.node.from };
  }
  return null;
}

/** The literal start of a URL: a string, a constant, the left end of a `+`, or an f-string up to its first `{`. */
function urlPrefix(py: PythonModule, node: SyntaxNode, bindings: Map<string, SyntaxNode>): string | null {
  const value = resolve(py, node, bindings);
  if (value.name === "BinaryExpression" && value.firstChild) return urlPrefix(py, value.firstChild, bindings);
  if (value.name === "FormatString") {
    // The text up to the first replacement that is not a constant (`f"{SHOP_API}/orders/{id}"` → ".../orders/").
    const literal = textOf(py, value);
    const open = /^[A-Za-z]*('''|"""|'|")/.exec(literal);
    let cursor = value.from + (open?.[0].length ?? 0);
    let out = "";
    for (const replacement of value.getChildren("FormatReplacement")) {
      out += py.source.slice(cursor, replacement.from);
      const inner = childrenOf(replacement)[0];
      const constant = inner ? constantString(py, inner, bindings) : null;
      if (constant === null) return out;
      out += constant;
      cursor = replacement.to;
    }
    return out + py.source.slice(cursor, value.to - (open?.[1]?.length ?? 0));
  }
  return constantString(py, value, bindings);
}

/** The Python files imported alongside one another, parsed when first needed (so an unrelated broken file is never read). */
export type PythonFiles = { files: SourceFile[]; parsed: Map<string, PythonModule> };

export function pythonFiles(files: SourceFile[]): PythonFiles {
  return { files: files.filter((f) => f.path.endsWith(".py")), parsed: new Map() };
}

export type ModuleFunction = { py: PythonModule; fn: PythonFunction };

/**
 * A function by the name a module uses for it: defined there, or imported from another module among the
 * files (`from app.tools import issue_refund` finds `app/tools.py`, `from .tools import …` a sibling `tools.py`).
 */
export function findFunction(py: PythonModule, name: string, library: PythonFiles): ModuleFunction | null {
  const local = functionsOf(py).get(name);
  if (local) return { py, fn: local };
  const imported = importsOf(py).find((i) => i.names.includes(name));
  if (!imported) return null;
  const tail = `${imported.from.split(".").filter(Boolean).join("/")}.py`;
  const file = library.files.find((f) => f.path !== py.file && (f.path.replace(/\\/g, "/").endsWith(`/${tail}`) || f.path === tail));
  if (!file) return null;
  if (!library.parsed.has(file.path)) library.parsed.set(file.path, parsePython(file));
  const other = library.parsed.get(file.path)!;
  const fn = functionsOf(other).get(name);
  return fn ? { py: other, fn } : null;
}
