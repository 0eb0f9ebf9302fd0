import { readdirSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { AppError, HTTP_STATUS, type AppErrorCode } from "@/lib/errors";
import { errorResponse } from "@/lib/server/api";
import { buildOpenApiDocument, errorStatuses, jsonSchema, operationId } from "./document";
import { apiErrorSchema } from "./errors";
import { API_OPERATIONS } from "./operations";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a parsed document is walked by key

// Nobody is signed in: the routes are only imported (to see which methods they export), and the document needs no session.
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

const API_ROOT = path.resolve(import.meta.dirname, "../../app/api/v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route.ts under app/api/v1, as the OpenAPI path it serves (`[slug]` → `{slug}`). */
function routeFiles(dir = API_ROOT): { file: string; path: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    if (entry.name !== "route.ts") return [];
    const relative = path.relative(API_ROOT, dir).split(path.sep).filter(Boolean);
    return [{ file: full, path: "/api/v1/" + relative.map((s) => s.replace(/^\[(\w+)\]$/, "{$1}")).join("/") }];
  });
}

let document: Json;
let served: Set<string>;

beforeAll(async () => {
  document = buildOpenApiDocument();
  served = new Set();
  for (const route of routeFiles()) {
    const handlers = (await import(route.file)) as Record<string, unknown>;
    for (const method of METHODS) if (typeof handlers[method] === "function") served.add(`${method.toLowerCase()} ${route.path}`);
  }
});

describe("the API's OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(document as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it("documents every route under app/api/v1, with each method it answers, and nothing the code does not serve", () => {
    expect(served.size).toBeGreaterThan(40);
    const documented = new Set(Object.entries(document.paths as Json).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    expect([...served].filter((op) => !documented.has(op)).sort(), "routes missing from lib/openapi/operations").toEqual([]);
    expect([...documented].filter((op) => !served.has(op)).sort(), "documented operations no route serves").toEqual([]);
  });

  it("lists each operation once, with a unique operationId", () => {
    const keys = API_OPERATIONS.map((o) => `${o.method} ${o.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    const ids = API_OPERATIONS.map(operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("says who may call each operation: a token scope, the session, or neither for the document itself", () => {
    for (const [p, ops] of Object.entries(document.paths as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        expect(op.description, `${method} ${p}`).toMatch(/\*\*Who:\*\*/);
        if (p === "/api/v1/openapi.json") expect(op.security).toEqual([]);
        else expect(op.security.length, `${method} ${p}`).toBeGreaterThan(0);
      }
    }
    // Tokens never sign off; a deploy token promotes; OTLP takes tokens only.
    expect(document.paths["/api/v1/changes/{id}/signoffs"].post.security).toEqual([{ session: [] }]);
    expect(document.paths["/api/v1/changes/{id}/promote"].post.security).toEqual([{ apiToken: ["deploy"] }, { session: [] }]);
    expect(document.paths["/api/v1/otlp/v1/traces"].post.security).toEqual([{ apiToken: ["evidence:write"] }]);
  });

  it("accepts every request example it shows with the very schema the route validates with", () => {
    let checked = 0;
    for (const operation of API_OPERATIONS) {
      for (const [name, example] of Object.entries(operation.bodyExamples ?? {})) {
        const parsed = operation.body!.safeParse(example.value);
        expect(parsed.error?.issues ?? [], `${operation.method} ${operation.path} example "${name}"`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("shows each operation with a body its example, and every write the Idempotency-Key header", () => {
    for (const operation of API_OPERATIONS) {
      const op = document.paths[operation.path][operation.method];
      if (operation.body && !operation.bodyOptional) expect(operation.bodyExamples, `${operation.method} ${operation.path}`).toBeDefined();
      if (operation.method !== "get" && operation.path !== "/api/v1/otlp/v1/traces")
        expect(op.parameters, `${operation.method} ${operation.path}`).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
    }
  });

  it("describes request bodies as the schema refuses them: unknown fields, values outside an enum, missing fields", () => {
    const propose = API_OPERATIONS.find((o) => o.method === "post" && o.path === "/api/v1/changes")!;
    const proposeDoc = document.paths["/api/v1/changes"].post.requestBody.content["application/json"].schema;
    expect(proposeDoc.additionalProperties).toBe(false);
    expect(proposeDoc.required).toEqual(["agent"]);
    expect(propose.body!.safeParse({ agent: "refund-assistant", approvedBy: "me" }).success).toBe(false);
    expect(propose.body!.safeParse({ title: "No agent" }).success).toBe(false);

    const promote = document.paths["/api/v1/changes/{id}/promote"].post.requestBody.content["application/json"].schema;
    expect(promote.properties.environment.enum).toEqual(["development", "staging", "production"]);
    const promoteSchema = API_OPERATIONS.find((o) => o.path === "/api/v1/changes/{id}/promote")!.body!;
    expect(promoteSchema.safeParse({ environment: "prod" }).success).toBe(false);

    const signoff = document.paths["/api/v1/changes/{id}/signoffs"].post.requestBody.content["application/json"].schema;
    expect(signoff.properties.decision.enum).toEqual(["approve", "reject", "request_changes"]);
    expect(signoff.required).toEqual(expect.arrayContaining(["role", "decision"]));
  });

  it("takes list parameters from the same schemas: page from 1, pageSize at most 500", () => {
    const params: Json[] = document.paths["/api/v1/changes"].get.parameters;
    const pageSize = params.find((p) => p.name === "pageSize")!;
    expect(pageSize).toMatchObject({ in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } });
    expect(params.find((p) => p.name === "page")!.schema).toMatchObject({ minimum: 1, default: 1 });
    expect(params.find((p) => p.name === "state")!.schema.enum).toContain("in_review");
    // The evidence pack reads only `from` and `to` of the audit log's filters.
    const evidence = (document.paths["/api/v1/evidence"].get.parameters as Json[]).map((p) => p.name);
    expect(evidence).toEqual(expect.arrayContaining(["from", "to", "workflow", "agent", "exception", "format", "size", "after", "before"]));
    expect(evidence).not.toContain("actor");
  });

  it("answers errors in the shape the API really gives, for every error code", async () => {
    for (const code of Object.keys(HTTP_STATUS) as AppErrorCode[]) {
      const response = errorResponse(new AppError(code, "Explained", { fieldErrors: { title: ["Give the change a title"] } }));
      const body = await response.json();
      expect(apiErrorSchema.safeParse(body).success, code).toBe(true);
    }
    for (const [name, response] of Object.entries(document.components.responses as Json)) {
      expect(apiErrorSchema.safeParse(response.content["application/json"].example).success, name).toBe(true);
    }
    expect(document.components.schemas.Error).toEqual(jsonSchema(apiErrorSchema));
  });

  it("gives each operation the error answers its kind really gives", () => {
    const status = (method: string, p: string) => Object.keys(document.paths[p][method].responses);
    expect(status("get", "/api/v1/agents")).toEqual(["200", "400", "401", "403", "503"]);
    expect(status("post", "/api/v1/changes/{id}/promote")).toEqual(["200", "400", "401", "403", "404", "409", "413", "415", "422", "503"]);
    expect(status("post", "/api/v1/otlp/v1/traces")).toEqual(["200", "400", "401", "403", "413", "415", "429", "503"]);
    expect(Object.keys(document.paths["/api/v1/otlp/v1/traces"].post.requestBody.content)).toEqual([
      "application/json",
      "application/x-protobuf",
    ]);
    for (const operation of API_OPERATIONS) expect(errorStatuses(operation)).not.toContain(429);
  });

  it("is served at /api/v1/openapi.json without signing in", async () => {
    const { GET } = await import("@/app/api/v1/openapi.json/route");
    const response = GET();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(document);
  });
});
