import ts from "typescript";
import type { AgentDraft, FoundAction } from "./assemble";
import { hostedMcpToolset, hostedTool, modelFromId, sdkDefaultModel, SDK_RUNS_UNATTENDED } from "./openai-agents-shared";
import { inferAccess, normaliseName } from "./rules";
import { ImportError, type ImportedToolset, type SourceFile } from "./types";

/** The OpenAI Agents SDK for TypeScript: `new Agent({...})`, `tool({...})`, hosted tool factories, read with the compiler's parser. */

const SDK_MODULES = ["@openai/agents", "@openai/agents-core", "@openai/agents-openai"];
const MAPPED = new Set(["name", "instructions", "model", "tools", "handoffs", "handoffDescription", "mcpServers"]);

type Module = { file: string; source: ts.SourceFile; bindings: Map<string, ts.Expression> };

function parse(file: SourceFile): Module {
  const source = ts.createSourceFile(file.path, file.content, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  // The parser records syntax errors on the source file (not in the public typings); a type-checking program would be far heavier.
  const diagnostics = (source as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.length) {
    const first = diagnostics[0]!;
    const line = source.getLineAndCharacterOfPosition(first.start ?? 0).line + 1;
    throw new ImportError(
      `${file.path}: not valid TypeScript (line ${line}: ${ts.flattenDiagnosticMessageText(first.messageText, " ")})`,
      file.path,
    );
  }
  const bindings = new Map<string, ts.Expression>();
  for (const statement of source.statements) {
    const list = ts.isVariableStatement(statement) ? statement.declarationList : null;
    for (const declaration of list?.declarations ?? [])
      if (ts.isIdentifier(declaration.name) && declaration.initializer) bindings.set(declaration.name.text, declaration.initializer);
  }
  return { file: file.path, source, bindings };
}

export function importsAgentsSdkTs(file: SourceFile): boolean {
  const source = ts.createSourceFile(file.path, file.content, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return source.statements.some(
    (s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && SDK_MODULES.includes(s.moduleSpecifier.text),
  );
}

const lineOf = (source: Module, node: ts.Node) => source.source.getLineAndCharacterOfPosition(node.getStart(source.source)).line + 1;

function resolve(source: Module, node: ts.Expression): ts.Expression {
  let current = node;
  for (let hop = 0; hop < 5 && ts.isIdentifier(current); hop++) {
    const bound = source.bindings.get(current.text);
    if (!bound) break;
    current = bound;
  }
  while (ts.isAsExpression(current) || ts.isParenthesizedExpression(current) || ts.isSatisfiesExpression(current))
    current = current.expression;
  return current;
}

/** A literal string, a template without substitutions, or `+` of those and constants; null when computed. */
function constantString(source: Module, node: ts.Expression | undefined): string | null {
  if (!node) return null;
  const value = resolve(source, node);
  if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return value.text;
  if (ts.isBinaryExpression(value) && value.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const [l, r] = [constantString(source, value.left), constantString(source, value.right)];
    return l === null || r === null ? null : l + r;
  }
  return null;
}

function propertiesOf(source: Module, node: ts.Expression | undefined): Map<string, ts.Expression> | null {
  if (!node) return null;
  const value = resolve(source, node);
  if (!ts.isObjectLiteralExpression(value)) return null;
  const out = new Map<string, ts.Expression>();
  for (const property of value.properties) {
    if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)))
      out.set(property.name.text, property.initializer);
    else if (ts.isShorthandPropertyAssignment(property)) out.set(property.name.text, property.name);
    else if (ts.isMethodDeclaration(property) && ts.isIdentifier(property.name))
      out.set(property.name.text, property as unknown as ts.Expression);
  }
  return out;
}

const calleeName = (call: ts.CallExpression | ts.NewExpression) =>
  ts.isIdentifier(call.expression)
    ? call.expression.text
    : ts.isPropertyAccessExpression(call.expression)
      ? `${call.expression.expression.getText()}.${call.expression.name.text}`
      : null;

/** `new Agent({...})` or `Agent.create({...})`. */
function isAgent(node: ts.Node): node is ts.NewExpression | ts.CallExpression {
  if (ts.isNewExpression(node)) return calleeName(node) === "Agent";
  return ts.isCallExpression(node) && calleeName(node) === "Agent.create";
}

export function readTypeScriptAgents(file: SourceFile): { agents: AgentDraft[]; toolsets: ImportedToolset[]; warnings: string[] } {
  const source = parse(file);
  const found: (ts.NewExpression | ts.CallExpression)[] = [];
  const clones: ts.CallExpression[] = [];
  const visit = (node: ts.Node) => {
    if (isAgent(node)) found.push(node);
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "clone")
      clones.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source.source);
  const agentNameOf = new Map<string, string>();
  for (const [variable, value] of source.bindings)
    if (isAgent(value))
      agentNameOf.set(variable, constantString(source, propertiesOf(source, value.arguments?.[0])?.get("name")) ?? variable);
  const toolsets: ImportedToolset[] = [];
  const agents = found.map((node) => readAgent(source, node, agentNameOf, toolsets));
  // `agent.clone({...})` makes another agent from one: its changes are code, not a definition this importer reads.
  const warnings = clones
    .map((call) => ({ call, from: agentNameOf.get((call.expression as ts.PropertyAccessExpression).expression.getText(source.source)) }))
    .filter(({ from }) => from !== undefined)
    .map(
      ({ call, from }) =>
        `${source.file}:${lineOf(source, call)}: ${call.expression.getText(source.source)}(...) makes another agent from "${from}"; the clone is not imported`,
    );
  return { agents, toolsets, warnings };
}

function readAgent(
  source: Module,
  node: ts.NewExpression | ts.CallExpression,
  agentNameOf: Map<string, string>,
  toolsets: ImportedToolset[],
): AgentDraft {
  const file = source.file;
  const line = lineOf(source, node);
  const where = `${file}:${line}`;
  const options = propertiesOf(source, node.arguments?.[0]) ?? new Map<string, ts.Expression>();
  const name = constantString(source, options.get("name")) ?? `agent_at_line_${line}`;
  const warnings: string[] = [];
  if (!options.has("name")) warnings.push(`${where}: an Agent has no literal name; called "${name}"`);
  for (const key of options.keys()) if (!MAPPED.has(key)) warnings.push(`${where}: agent "${name}": ${key} is not mapped to the spec`);

  let model: AgentDraft["model"];
  const modelNode = options.get("model");
  const modelId = constantString(source, modelNode);
  if (modelId !== null) model = modelFromId(modelId, { file, line: lineOf(source, modelNode!), path: "model", how: "stated" });
  else {
    const fallback = sdkDefaultModel(file, modelNode ? lineOf(source, modelNode) : line);
    const computed = modelNode ? `model ${modelNode.getText(source.source)} is computed at run time, not read; ` : "";
    warnings.push(`${where}: agent "${name}": ${computed}${fallback.warning}`);
    model = fallback.model;
  }

  const instructions: AgentDraft["instructions"] = [];
  const instructionsNode = options.get("instructions");
  const text = constantString(source, instructionsNode);
  if (text !== null)
    instructions.push({
      from: `Agent "${name}" instructions`,
      text,
      provenance: { file, line: lineOf(source, instructionsNode!), path: "instructions", how: "stated" },
    });
  else if (instructionsNode) warnings.push(`${where}: agent "${name}": instructions are computed at run time, not read`);

  const actions: FoundAction[] = [];
  const toolsNode = options.get("tools");
  const tools = toolsNode ? resolve(source, toolsNode) : null;
  if (tools && !ts.isArrayLiteralExpression(tools))
    warnings.push(`${where}: agent "${name}": tools is not a literal array; its tools are not read`);
  for (const element of tools && ts.isArrayLiteralExpression(tools) ? tools.elements : [])
    actions.push(...readTool(source, element, name, warnings, toolsets));

  const servers = options.get("mcpServers");
  const serverList = servers ? resolve(source, servers) : null;
  for (const server of serverList && ts.isArrayLiteralExpression(serverList) ? serverList.elements : [])
    warnings.push(
      `${file}:${lineOf(source, server)}: agent "${name}": MCP server ${server.getText(source.source)} lists its tools at run time; import its tools/list as a toolset`,
    );

  const handoffsNode = options.get("handoffs");
  const handoffs = handoffsNode ? resolve(source, handoffsNode) : null;
  for (const target of handoffs && ts.isArrayLiteralExpression(handoffs) ? handoffs.elements : []) {
    const agentNode = ts.isCallExpression(target) && calleeName(target) === "handoff" ? target.arguments[0] : target;
    const variable = (agentNode ?? target).getText(source.source);
    const other = agentNameOf.get(variable);
    warnings.push(
      `${file}:${lineOf(source, target)}: agent "${name}" hands off to ${other ? `"${other}" (imported as its own agent)` : `${variable} (not defined in this file)`}; a handoff is not an action in the spec`,
    );
  }

  return {
    name,
    description: constantString(source, options.get("handoffDescription")) ?? "",
    platform: "openai-agents",
    file,
    line,
    model,
    instructions,
    actions,
    unattended: SDK_RUNS_UNATTENDED,
    warnings,
  };
}

function readTool(source: Module, element: ts.Expression, agent: string, warnings: string[], toolsets: ImportedToolset[]): FoundAction[] {
  const file = source.file;
  const where = `${file}:${lineOf(source, element)}`;
  const value = resolve(source, element);
  const call = ts.isCallExpression(value) ? value : null;
  const callee = call ? calleeName(call) : null;
  const line = lineOf(source, value);
  if (call && callee === "tool") return [functionTool(source, call, warnings)];
  if (call && callee === "hostedMcpTool") {
    const options = propertiesOf(source, call.arguments[0]) ?? new Map<string, ts.Expression>();
    const literal = (key: string): unknown => {
      const node = options.get(key);
      if (!node) return undefined;
      const resolved = resolve(source, node);
      if (ts.isArrayLiteralExpression(resolved)) return resolved.elements.map((e) => constantString(source, e) ?? "");
      const nested = propertiesOf(source, resolved);
      if (nested) {
        const names = nested.get("toolNames");
        if (names) return literal2(names);
        return Object.fromEntries([...nested].map(([k, v]) => [k, literal2(propertiesOf(source, v)?.get("toolNames") ?? v)]));
      }
      return constantString(source, resolved) ?? resolved.getText(source.source);
    };
    const literal2 = (node: ts.Expression): string[] => {
      const resolved = resolve(source, node);
      return ts.isArrayLiteralExpression(resolved) ? resolved.elements.map((e) => constantString(source, e) ?? "") : [];
    };
    const toolset = hostedMcpToolset(
      {
        label: literal("serverLabel"),
        url: literal("serverUrl"),
        allowed: literal("allowedTools"),
        requireApproval: literal("requireApproval"),
        absentMeansNever: true,
      },
      file,
      line,
    );
    toolsets.push(toolset);
    warnings.push(`${where}: agent "${agent}": hosted MCP server "${toolset.system}" is imported as a toolset, not granted in the spec`);
    return [];
  }
  const hosted = call && callee ? hostedTool(callee, file, line) : null;
  if (hosted) return [hosted];
  if (call && callee?.endsWith(".asTool")) {
    warnings.push(
      `${where}: agent "${agent}": agent-as-tool ${value.getText(source.source)} is not an action; the agent it runs is imported on its own`,
    );
    return [];
  }
  warnings.push(
    `${where}: agent "${agent}": tool ${element.getText(source.source).slice(0, 60)} is not defined in this file as a tool, not mapped`,
  );
  return [];
}

function functionTool(source: Module, call: ts.CallExpression, warnings: string[]): FoundAction {
  const file = source.file;
  const line = lineOf(source, call);
  const options = propertiesOf(source, call.arguments[0]) ?? new Map<string, ts.Expression>();
  const rawName = constantString(source, options.get("name")) ?? `tool_at_line_${line}`;
  if (!options.has("name")) warnings.push(`${file}:${line}: a tool() has no literal name; called "${rawName}"`);
  const name = normaliseName(rawName);
  const path = `tool ${rawName}`;
  const access = inferAccess(name, constantString(source, options.get("description")) ?? "");
  const execute = options.get("execute");
  const found = execute ? systemCalledBy(source, execute) : null;
  const needs = options.get("needsApproval");
  const resolvedNeeds = needs ? resolve(source, needs) : null;
  let approval: FoundAction["approval"] = "none";
  let approvalFrom: FoundAction["approvalFrom"];
  if (resolvedNeeds && (resolvedNeeds.kind === ts.SyntaxKind.TrueKeyword || resolvedNeeds.kind === ts.SyntaxKind.FalseKeyword)) {
    approval = resolvedNeeds.kind === ts.SyntaxKind.TrueKeyword ? "required" : "none";
    approvalFrom = { file, line: lineOf(source, needs!), path: `${path} needsApproval`, how: "stated" };
  } else if (needs) {
    approvalFrom = {
      file,
      line: lineOf(source, needs),
      path: `${path} needsApproval`,
      how: "inferred",
      because: "decided at run time by a function: counted as no approval",
    };
    warnings.push(`${file}:${lineOf(source, needs)}: tool ${name}: needsApproval decides at run time; counted as no approval`);
  } else {
    approvalFrom = { file, line, path, how: "stated", because: "no needsApproval: the SDK runs the tool without asking" };
  }
  return {
    system: found?.system ?? "functions",
    name,
    access: access.access,
    approval,
    accessFrom: { file, line, path, how: "inferred", because: found ? `${access.because}; ${found.because}` : access.because },
    approvalFrom,
  };
}

/** The host of the first literal URL `execute` fetches, or the imported package it calls into (`stripe.refunds.create` → `stripe`). */
function systemCalledBy(source: Module, body: ts.Node): { system: string; because: string } | null {
  const imported = new Map<string, string>();
  for (const statement of source.source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = statement.moduleSpecifier.text;
    if (SDK_MODULES.includes(from) || from.startsWith(".") || ["zod", "node:fs", "fs", "path"].includes(from)) continue;
    const clause = statement.importClause;
    if (clause?.name) imported.set(clause.name.text, from);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) imported.set(bindings.name.text, from);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) imported.set(element.name.text, from);
  }
  // A module-level client (`const slack = new WebClient(...)`) stands for the package that made it.
  const importedBy = (name: string): string | null => {
    if (imported.has(name)) return imported.get(name)!;
    const bound = source.bindings.get(name);
    if (bound && (ts.isNewExpression(bound) || ts.isCallExpression(bound))) {
      let root: ts.Expression = bound.expression;
      while (ts.isPropertyAccessExpression(root)) root = root.expression;
      if (ts.isIdentifier(root)) return imported.get(root.text) ?? null;
    }
    return null;
  };
  let result: { system: string; because: string } | null = null;
  const visit = (node: ts.Node) => {
    if (result) return;
    if (ts.isCallExpression(node)) {
      let root: ts.Expression = node.expression;
      while (ts.isPropertyAccessExpression(root)) root = root.expression;
      const url = node.arguments[0] ? urlPrefix(source, node.arguments[0]) : null;
      if (ts.isIdentifier(root) && root.text === "fetch" && url) {
        try {
          const host = new URL(url).hostname;
          if (host) result = { system: host, because: `fetches ${host}` };
        } catch {
          // not a literal absolute URL: nothing to name
        }
      } else if (ts.isIdentifier(root) && importedBy(root.text)) {
        const from = importedBy(root.text)!;
        const system = normaliseName(from.replace(/^@/, "").split("/")[0]!);
        result = { system, because: `calls ${node.expression.getText(source.source)} from ${from}` };
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return result;
}

/** The literal start of a URL argument: a string, the head of a template, or the left end of a `+` chain. */
function urlPrefix(source: Module, node: ts.Expression): string | null {
  const value = resolve(source, node);
  if (ts.isTemplateExpression(value)) return value.head.text;
  if (ts.isBinaryExpression(value) && value.operatorToken.kind === ts.SyntaxKind.PlusToken) return urlPrefix(source, value.left);
  return constantString(source, value);
}
