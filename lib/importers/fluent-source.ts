import ts from "typescript";

/**
 * ServiceNow Fluent (`*.now.ts`) read with the TypeScript compiler API, never executed: calls such as
 * `AiAgent({...})` are found in the syntax tree and their object-literal argument is turned into plain
 * values with the line of each. What cannot be known without running the code (a call, an imported
 * constant, `Now.ID[...]`) stays an opaque `code` value, so the importer can warn rather than guess.
 */

export type FluentValue =
  | { kind: "string"; value: string; line: number; templated: boolean }
  | { kind: "number"; value: number; line: number }
  | { kind: "boolean"; value: boolean; line: number }
  | { kind: "object"; props: Map<string, FluentValue>; line: number }
  | { kind: "array"; items: FluentValue[]; line: number }
  | { kind: "code"; text: string; line: number };

export type FluentCall = { callee: string; line: number; argument: FluentValue | undefined };

/** The syntax errors of a source text, each with its line; empty when it parses. */
export function syntaxErrors(path: string, text: string): string[] {
  const output = ts.transpileModule(text, { fileName: path, reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  return (output.diagnostics ?? []).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : undefined;
    return `${line ? `line ${line}: ` : ""}${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
}

/** Every call to one of `callees` (`AiAgent(...)`, `sdk.AiAgent(...)`) with its first argument read as a value. */
export function findCalls(path: string, text: string, callees: string[]): FluentCall[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const constants = new Map<string, ts.Expression>();
  const calls: { callee: string; line: number; arg: ts.Expression | undefined }[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;

  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isVariableDeclarationList(node.parent)) {
      if (node.parent.flags & ts.NodeFlags.Const) constants.set(node.name.text, node.initializer);
    }
    if (ts.isCallExpression(node)) {
      const callee = ts.isIdentifier(node.expression)
        ? node.expression.text
        : ts.isPropertyAccessExpression(node.expression)
          ? node.expression.name.text
          : undefined;
      if (callee && callees.includes(callee)) calls.push({ callee, line: lineOf(node), arg: node.arguments[0] });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  const read = (node: ts.Expression, depth: number): FluentValue => {
    const line = lineOf(node);
    if (depth > 50) return { kind: "code", text: "(nested too deep)", line };
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node))
      return read(node.expression, depth + 1);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
      return { kind: "string", value: node.text, line, templated: false };
    if (ts.isTemplateExpression(node)) {
      // The substitutions are only known at run time; keep the literal text with the expressions as written.
      const text = node.getText(source).slice(1, -1);
      return { kind: "string", value: text, line, templated: true };
    }
    if (ts.isNumericLiteral(node)) return { kind: "number", value: Number(node.text), line };
    if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword)
      return { kind: "boolean", value: node.kind === ts.SyntaxKind.TrueKeyword, line };
    if (ts.isArrayLiteralExpression(node)) return { kind: "array", items: node.elements.map((e) => read(e, depth + 1)), line };
    if (ts.isObjectLiteralExpression(node)) {
      const props = new Map<string, FluentValue>();
      for (const p of node.properties) {
        const key =
          p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isPrivateIdentifier(p.name)) ? p.name.text : undefined;
        if (!key) continue;
        if (ts.isPropertyAssignment(p)) props.set(key, read(p.initializer, depth + 1));
        else if (ts.isShorthandPropertyAssignment(p)) props.set(key, read(p.name, depth + 1));
        else props.set(key, { kind: "code", text: p.getText(source), line: lineOf(p) });
      }
      return { kind: "object", props, line };
    }
    if (ts.isIdentifier(node)) {
      const value = constants.get(node.text);
      if (value && depth < 50) return read(value, depth + 1);
    }
    return { kind: "code", text: node.getText(source), line };
  };

  return calls.map((c) => ({ callee: c.callee, line: c.line, argument: c.arg ? read(c.arg, 0) : undefined }));
}

/** A property of an object value, if the value is an object. */
export function prop(value: FluentValue | undefined, key: string): FluentValue | undefined {
  return value?.kind === "object" ? value.props.get(key) : undefined;
}

/** A string property's text (a template keeps its literal text), or undefined. */
export function str(value: FluentValue | undefined, key: string): string | undefined {
  const v = prop(value, key);
  return v?.kind === "string" ? v.value : undefined;
}
