import { z } from "zod";
import { TOKEN_SCOPES, type TokenScope } from "@/lib/domain/terms";
import { apiErrorSchema, BAD_WRITE_RESPONSE, ERROR_RESPONSES, OTLP_ERRORS, otlpStatusSchema } from "./errors";
import { API_OPERATIONS } from "./operations";
import { OTLP_PATH } from "./operations/runtime";
import type { ApiOperation, ErrorStatus, QueryParameter, QuerySource, Tag } from "./registry";

type Json = Record<string, unknown>;

/** What each token scope lets a token do. A scope added to TOKEN_SCOPES fails to compile until it is described here. */
export const SCOPE_DESCRIPTIONS: Record<TokenScope, string> = {
  read: "Read everything people can read: agents, changes, releases, drift, runtime evidence, the audit log, evidence packs, metrics.",
  "changes:write": "Propose, edit, submit and withdraw change records, and register new agents through review.",
  "evals:write": "Record eval runs against a version of an agent.",
  deploy: "Promote changes, release retire changes, roll back, and open or resolve incidents (never an emergency release).",
  observe: "Report what an environment runs (observations), which opens and closes drift; never resolve it.",
  "evidence:write": "Send runtime evidence: OTLP traces and business signals.",
};

const TAGS: Record<Tag, string> = {
  Agents: "The agent inventory: each agent's versions, owners and what each environment runs.",
  Changes: "Change records: a proposed version of an agent, its permission diff, risk tier and the sign-offs it needs.",
  "Sign-offs": "People's decisions on changes in review. API tokens never sign off.",
  Releases: "Promotion through the gates, retirement, rollback, eval runs and the deployment log.",
  Incidents: "Incidents opened against an agent's deployment, and how they were resolved.",
  Drift: "What environments were observed running, compared with what was approved.",
  "Runtime evidence": "Traces and business signals from production, read against each release's harm thresholds.",
  "Audit and evidence": "The tamper-evident audit trail, its verification, and the evidence pack for auditors.",
  Metrics: "DORA metrics for agent changes.",
  Administration: "Workflows and people, managed by admins.",
  Documentation: "This description of the API.",
};

const PARAMETER_NOTES: Record<string, string> = {
  page: "The page, from 1.",
  pageSize: "Items per page: 50 by default, at most 500.",
  from: "The range's start: a date (2026-03-01) or an ISO-8601 time.",
  to: "The range's end: a date (that whole day is included) or an ISO-8601 time.",
  agent: "An agent's slug.",
  q: "Search text, taken literally, any case.",
};

const INFO_DESCRIPTION = `JSON over HTTPS for machines: CI pipelines, deploy tooling, runtime collectors, auditors' scripts.

**Authentication.** Send an API token as \`Authorization: Bearer cst_…\` (admins issue tokens under Settings → API tokens), or use the
browser's session cookie. A token acts as itself, never as a person, and needs a scope for each kind of request (see the
\`apiToken\` security scheme); people are allowed by their roles, as in the app. A write made with the session cookie must come from
Countersign's own pages (its \`Origin\` is checked); otherwise it is refused with 403.

**Lists** answer \`{"items": [...], "total": N}\` and take \`page\` (from 1) and \`pageSize\` (default 50, at most 500). Times are
ISO-8601 UTC; people are named by email; change records as \`CR-42\`, drift records as \`DR-7\`.

**Errors** answer \`{"error": code, "message": text}\`, with \`fieldErrors\` naming each invalid field (422) or \`parameter\` naming a bad
query parameter (400). The OTLP endpoint answers as OTLP specifies instead.

**Retries.** Every write (POST, PATCH) honours an \`Idempotency-Key\` header: the first successful answer to that caller's request under
that key is kept for 24 hours and replayed to retries, with \`Idempotent-Replayed: true\`.`;

/** The OpenAPI 3.1 document of /api/v1, built from the registry and the zod schemas the routes validate with. */
export function buildOpenApiDocument(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const operation of API_OPERATIONS) {
    (paths[operation.path] ??= {})[operation.method] = operation.path === OTLP_PATH ? otlpOperation(operation) : describe(operation);
  }
  return {
    openapi: "3.1.1",
    info: { title: "Countersign API", version: "1", description: INFO_DESCRIPTION },
    // No `servers`: OpenAPI then means the server the document was read from, and the reference shows no server picker.
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        apiToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "cst_…",
          description: `An API token (admins issue them under Settings → API tokens). Its scopes:\n\n${TOKEN_SCOPES.map((s) => `- \`${s}\`: ${SCOPE_DESCRIPTIONS[s]}`).join("\n")}`,
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "authjs.session-token",
          description:
            "The browser's session after signing in (`__Secure-authjs.session-token` over HTTPS). Writes must come from Countersign's own pages.",
        },
      },
      schemas: { Error: jsonSchema(apiErrorSchema), OtlpStatus: jsonSchema(otlpStatusSchema) },
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "1–255 visible ASCII characters, e.g. a UUID. A retry with the same key and body gets the first successful answer again instead of a second write; the same key with a different body is a 422.",
          schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
        },
      },
      headers: {
        IdempotentReplayed: {
          description: "`true` when this is the kept answer to an earlier request with the same Idempotency-Key.",
          schema: { type: "string", enum: ["true"] },
        },
      },
      responses: Object.fromEntries(
        [...Object.values(ERROR_RESPONSES), BAD_WRITE_RESPONSE].map((r) => [
          r.name,
          {
            description: r.description,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, example: r.example } },
          },
        ]),
      ),
    },
  };
}

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as a request sends it. */
export function jsonSchema(schema: z.ZodType): Json {
  const converted = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
  // The document's dialect is OpenAPI 3.1's (JSON Schema 2020-12) already; each schema need not repeat it.
  delete converted.$schema;
  return converted;
}

const isWrite = (operation: ApiOperation) => operation.method !== "get";

function describe(operation: ApiOperation): Json {
  const write = isWrite(operation);
  const parameters = [...pathParameters(operation), ...queryParameters(operation.query ?? [], operation.extraQuery ?? [])];
  if (write) parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });
  const { response } = operation;
  const success = (description: string): Json => ({
    description,
    ...(write ? { headers: { "Idempotent-Replayed": { $ref: "#/components/headers/IdempotentReplayed" } } } : {}),
    content: {
      "application/json": response.example === undefined ? { schema: { type: "object" } } : { example: response.example },
      ...response.alsoContent,
    },
  });
  return {
    ...common(operation),
    parameters,
    ...(operation.body
      ? {
          requestBody: {
            required: !operation.bodyOptional,
            content: {
              "application/json": {
                schema: jsonSchema(operation.body),
                ...(operation.bodyExamples ? { examples: operation.bodyExamples } : {}),
              },
            },
          },
        }
      : {}),
    responses: {
      [response.status]: success(response.description),
      ...(response.alsoStatus ? { [response.alsoStatus.status]: success(response.alsoStatus.description) } : {}),
      ...errorResponses(operation),
    },
  };
}

function common(operation: ApiOperation): Json {
  return {
    tags: [operation.tag],
    summary: operation.summary,
    operationId: operationId(operation),
    description: [operation.description, accessSentence(operation)].filter(Boolean).join("\n\n"),
    security: security(operation),
  };
}

/** `POST /api/v1/changes/{id}/promote` → `postChangesIdPromote`: stable, and unique while paths are. */
export function operationId(operation: ApiOperation): string {
  const words = operation.path
    .replace(/^\/api\/v1\//, "")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return operation.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

function security(operation: ApiOperation): Json[] {
  const { access } = operation;
  if (access === "public") return [];
  const options: Json[] = [];
  if (access.token) options.push({ apiToken: [access.token] });
  if (access.people) options.push({ session: [] });
  return options;
}

function accessSentence(operation: ApiOperation): string {
  const { access } = operation;
  if (access === "public") return "**Who:** anyone; no sign-in needed.";
  const token = access.token ? `an API token with the \`${access.token}\` scope` : "never an API token";
  return access.people ? `**Who:** ${access.people}; ${token}.` : `**Who:** ${token} only.`;
}

function pathParameters(operation: ApiOperation): Json[] {
  const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return names.map((name) => ({
    name,
    in: "path",
    required: true,
    description: operation.pathParams?.[name] ?? name,
    schema: { type: "string" },
  }));
}

function queryParameters(sources: QuerySource[], extra: QueryParameter[]): Json[] {
  const parameters: Json[] = [];
  for (const source of sources) {
    const { schema, only } = source instanceof z.ZodType ? { schema: source, only: undefined } : source;
    const object = jsonSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      if (only && !only.includes(name)) continue;
      const { description, ...propertySchema } = property;
      parameters.push({
        name,
        in: "query",
        required: object.required?.includes(name) ?? false,
        ...(description || PARAMETER_NOTES[name] ? { description: description ?? PARAMETER_NOTES[name] } : {}),
        schema: propertySchema,
      });
    }
  }
  for (const p of extra)
    parameters.push({ name: p.name, in: "query", required: p.required ?? false, description: p.description, schema: p.schema });
  return parameters;
}

/** The statuses an operation can answer with besides success, from what lib/server/api.ts does for every route of its kind. */
export function errorStatuses(operation: ApiOperation): ErrorStatus[] {
  if (operation.access === "public") return [];
  const statuses = new Set<ErrorStatus>([401, 403, 503]);
  if (operation.path.includes("{")) statuses.add(404);
  if (operation.query || operation.extraQuery) statuses.add(400);
  if (isWrite(operation)) for (const s of [400, 413, 415, 422] as const) statuses.add(s);
  for (const s of Object.keys(operation.errors ?? {})) statuses.add(Number(s) as ErrorStatus);
  return [...statuses].sort();
}

function errorResponses(operation: ApiOperation): Record<string, Json> {
  const responses: Record<string, Json> = {};
  for (const status of errorStatuses(operation)) {
    if (status === 429) throw new Error(`${operation.method} ${operation.path}: only the OTLP receiver answers 429`);
    // A write's 400 is about its body or its Idempotency-Key; a read's, about its query parameters.
    const common = status === 400 && isWrite(operation) ? BAD_WRITE_RESPONSE : ERROR_RESPONSES[status];
    const description = operation.errors?.[status];
    const example = operation.errorExamples?.[status];
    responses[status] =
      description || example
        ? {
            description: description ?? common.description,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, example: example ?? common.example } },
          }
        : { $ref: `#/components/responses/${common.name}` };
  }
  return responses;
}

/** OTLP/HTTP: JSON or protobuf in, the same out; errors are google.rpc.Status, not the API's error shape. */
function otlpOperation(operation: ApiOperation): Json {
  const protobuf = { schema: { type: "string", contentMediaType: "application/x-protobuf" } };
  return {
    ...common(operation),
    parameters: [
      {
        name: "Content-Encoding",
        in: "header",
        required: false,
        description: "`gzip` for a compressed export; leave it out (or `identity`) otherwise.",
        schema: { type: "string", enum: ["gzip", "identity"] },
      },
    ],
    requestBody: {
      required: true,
      description: "An ExportTraceServiceRequest, as OTLP/HTTP sends it: protobuf, or protobuf's JSON encoding. At most 8 MB.",
      content: {
        "application/json": {
          schema: { type: "object", properties: { resourceSpans: { type: "array", items: { type: "object" } } } },
          example: otlpExample,
        },
        "application/x-protobuf": protobuf,
      },
    },
    responses: {
      200: {
        description: operation.response.description,
        content: { "application/json": { example: operation.response.example }, "application/x-protobuf": protobuf },
      },
      ...Object.fromEntries(
        Object.entries(OTLP_ERRORS).map(([status, { description, example }]) => [
          status,
          {
            description,
            ...(status === "429" || status === "503" ? { headers: { "Retry-After": { schema: { type: "integer" } } } } : {}),
            content: {
              "application/json": { schema: { $ref: "#/components/schemas/OtlpStatus" }, example },
              "application/x-protobuf": protobuf,
            },
          },
        ]),
      ),
    },
  };
}

const otlpExample = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "refund-assistant" } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: "5b8efff798038103d269b633813fc60c",
              spanId: "eee19b7ec3c1b174",
              name: "execute_tool refunds.create",
              kind: 1,
              startTimeUnixNano: "1764666000000000000",
              endTimeUnixNano: "1764666000250000000",
              attributes: [{ key: "gen_ai.tool.name", value: { stringValue: "refunds.create" } }],
            },
          ],
        },
      ],
    },
  ],
};
