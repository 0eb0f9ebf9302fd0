import { parse as parseYaml } from "yaml";
import { normaliseName } from "./rules";
import { baseName } from "./paths";
import { ImportError, type SourceFile } from "./types";

/** An OpenAPI (or Swagger 2) document's operations by operationId, and the system they touch (the API's host, else its title). */

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const HTTP_METHODS = ["get", "head", "post", "put", "patch", "delete", "options"];

export type Operation = { method: string; path: string; operation: Json };
export type OpenApi = { file: string; system: string; operations: Map<string, Operation> };

export function readOpenApi(file: SourceFile, warnings: string[]): OpenApi {
  let doc: unknown;
  try {
    doc = parseYaml(file.content, { maxAliasCount: 100 });
  } catch (error) {
    throw new ImportError(
      `${file.path}: not a readable OpenAPI document (${error instanceof Error ? error.message.split("\n")[0] : "parse error"})`,
      file.path,
    );
  }
  if (!isRecord(doc) || !isRecord(doc.paths) || !(doc.openapi || doc.swagger))
    throw new ImportError(`${file.path}: not an OpenAPI document (no openapi/swagger version and paths)`, file.path);
  const server = list(doc.servers).find(isRecord);
  let system = "";
  try {
    system = server ? new URL(text(server.url)).host : text(doc.host);
  } catch {
    warnings.push(`${file.path}: servers[0].url is not an absolute URL; the API is named by its title`);
  }
  if (!system) system = normaliseName(text(isRecord(doc.info) ? doc.info.title : "") || baseName(file.path));
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!isRecord(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (isRecord(operation) && text(operation.operationId)) operations.set(text(operation.operationId), { method, path, operation });
    }
  }
  return { file: file.path, system: normaliseName(system), operations };
}
