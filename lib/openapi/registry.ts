import type { z } from "zod";
import type { TokenScope } from "@/lib/domain/terms";
import type { AppErrorCode } from "@/lib/errors";

/**
 * One operation of the HTTP API, as the OpenAPI document describes it. Requests are described by the very
 * zod schemas the use cases validate with, so the document cannot promise what the code refuses; answers,
 * which no schema checks, by a description and an example.
 */
export type ApiOperation = {
  method: "get" | "post" | "patch";
  /** The path as OpenAPI writes it: `/api/v1/agents/{slug}` for app/api/v1/agents/[slug]/route.ts. */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** Each `{name}` in the path, described. */
  pathParams?: Record<string, string>;
  /** The query parameters, from the schema the route reads them with (its properties become parameters). */
  query?: QuerySource[];
  /** Query parameters a route reads by hand rather than with a schema. */
  extraQuery?: QueryParameter[];
  /** The JSON body's schema; `bodyExamples` are checked against it by lib/openapi/openapi.test.ts. */
  body?: z.ZodType;
  bodyExamples?: Record<string, { summary: string; value: unknown }>;
  /** The body may be left out (an empty body is read as `{}`). */
  bodyOptional?: boolean;
  response: {
    status: 200 | 201 | 202;
    description: string;
    example?: unknown;
    /** A second success status the operation answers with (same body). */
    alsoStatus?: { status: 200 | 201; description: string };
    /** Media types the operation may answer with besides JSON (a download, YAML), keyed by type. */
    alsoContent?: Record<string, { example: string }>;
  };
  /** Error answers this operation gives beyond those every operation of its kind gives, with what they mean here. */
  errors?: Partial<Record<ErrorStatus, string>>;
  /** Error examples specific to this operation (the default ones are in errors.ts). */
  errorExamples?: Partial<Record<ErrorStatus, { error: AppErrorCode; message: string; [key: string]: unknown }>>;
};

export type Tag =
  | "Agents"
  | "Changes"
  | "Sign-offs"
  | "Releases"
  | "Incidents"
  | "Drift"
  | "Runtime evidence"
  | "Audit and evidence"
  | "Metrics"
  | "Administration"
  | "Documentation";

/**
 * Who may call: `token` is the scope an API token needs (null: tokens are refused, people only), `people`
 * who among the signed-in may (null: tokens only). `public`: anyone, signed in or not.
 */
export type Access = { token: TokenScope | null; people: string | null } | "public";

export type QuerySource = z.ZodType | { schema: z.ZodType; only: string[] };

export type QueryParameter = { name: string; description: string; schema: Record<string, unknown>; required?: boolean };

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** Who reads: every person signed in; a token with the `read` scope. */
export const READ: Access = { token: "read", people: "everyone signed in" };
