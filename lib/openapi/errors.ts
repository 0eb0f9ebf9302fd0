import { z } from "zod";
import { LIMITS } from "@/lib/domain/input-limits";
import { HTTP_STATUS, type AppErrorCode } from "@/lib/errors";
import type { ErrorStatus } from "./registry";

/**
 * Every error the API answers with (lib/server/api.ts, errorResponse): a code, a sentence for people, and
 * the details the use case attached — `fieldErrors` for a body that does not validate, `parameter` for a
 * bad query parameter, `gates` for a release whose evidence is not there yet, `conflicts` for an update
 * from production that needs resolutions.
 */
export const apiErrorSchema = z
  .object({
    error: z.enum([...(Object.keys(HTTP_STATUS) as [AppErrorCode, ...AppErrorCode[]]), "internal_error"]),
    message: z.string(),
    fieldErrors: z.record(z.string(), z.array(z.string())).optional(),
    parameter: z.string().optional(),
  })
  .loose();

/** The OTLP receiver answers errors as OTLP/HTTP specifies: a google.rpc.Status, in the request's encoding. */
export const otlpStatusSchema = z.object({ code: z.number().int(), message: z.string() });

type ErrorExample = { error: AppErrorCode; message: string; [key: string]: unknown };

/** What each status means across the API, and an answer the code really gives. */
export const ERROR_RESPONSES: Record<Exclude<ErrorStatus, 429>, { name: string; description: string; example: ErrorExample }> = {
  400: {
    name: "BadRequest",
    description: "Malformed: a query parameter missing or out of range, named in `parameter`.",
    example: { error: "bad_request", message: "pageSize must be a whole number from 1 to 500", parameter: "pageSize" },
  },
  401: {
    name: "Unauthenticated",
    description: "Not signed in, and no API token; or the token is unknown, expired or revoked.",
    example: { error: "unauthenticated", message: "The API token is missing, unknown, expired or revoked" },
  },
  403: {
    name: "Forbidden",
    description:
      "Signed in, but not allowed: the token lacks the scope, the person lacks the role, or a write made with the session cookie came from another site.",
    example: { error: "forbidden", message: 'Token "ci-pipeline" lacks the read scope' },
  },
  404: {
    name: "NotFound",
    description: "Nothing has that slug, id or number.",
    example: { error: "not_found", message: 'No agent with slug "refund-helper"' },
  },
  409: {
    name: "Conflict",
    description: "The request does not fit the record's current state (it changed meanwhile, or is not ready).",
    example: { error: "conflict", message: "CR-42 is already up to date with production" },
  },
  413: {
    name: "PayloadTooLarge",
    description: `The body is larger than ${LIMITS.bodyBytes.toLocaleString("en-US")} bytes; it is refused without being read to its end.`,
    example: { error: "payload_too_large", message: `The request body is larger than ${LIMITS.bodyBytes.toLocaleString("en-US")} bytes` },
  },
  415: {
    name: "UnsupportedMediaType",
    description: "A body sent without `Content-Type: application/json`.",
    example: { error: "unsupported_media_type", message: "Send the request body as JSON, with Content-Type: application/json" },
  },
  422: {
    name: "ValidationFailed",
    description:
      "The body is JSON but not valid: `fieldErrors` names each field and what is wrong with it (also a body nested more than 64 levels deep, a field named `__proto__`, `constructor` or `prototype`, or an Idempotency-Key reused with a different body).",
    example: {
      error: "validation_failed",
      message: "Some fields need attention",
      fieldErrors: { title: ["Give the change a title"], rollbackPlan: ["Describe how to roll this change back"] },
    },
  },
  503: {
    name: "StorageUnavailable",
    description: "The database cannot be written (read-only, full, locked, damaged): nothing was changed; try again once it is fixed.",
    example: {
      error: "storage_unavailable",
      message: "Storage is unavailable: the database is read-only. Nothing was changed; try again once it is fixed.",
      reason: "the database is read-only",
    },
  },
};

/** A write's 400: what it sent is not a request at all. */
export const BAD_WRITE_RESPONSE = {
  name: "BadWriteRequest",
  description: "Malformed: a body that is not a JSON object, or an Idempotency-Key that is not 1–255 visible ASCII characters.",
  example: { error: "bad_request", message: "The request body must be a JSON object" } satisfies ErrorExample,
};

/** OTLP's own error answers (`code` is the gRPC status code the specification pairs with the HTTP status). */
export const OTLP_ERRORS: Record<
  400 | 401 | 403 | 413 | 415 | 429 | 503,
  { description: string; example: { code: number; message: string } }
> = {
  400: { description: "The body is not an OTLP export (or not valid gzip).", example: { code: 3, message: "The body is not valid gzip" } },
  401: {
    description: "No token, or an unknown, expired or revoked one.",
    example: { code: 16, message: 'Send a token with the evidence:write scope: OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer cst_…"' },
  },
  403: {
    description: "The token lacks the `evidence:write` scope.",
    example: { code: 7, message: 'Token "collector" lacks the evidence:write scope' },
  },
  413: {
    description: "An export larger than 8 MB, compressed or not.",
    example: { code: 8, message: "An export may carry at most 8,388,608 bytes" },
  },
  415: {
    description: "Neither `application/json` nor `application/x-protobuf`, or a Content-Encoding other than gzip.",
    example: { code: 3, message: "Send OTLP as application/x-protobuf or application/json" },
  },
  429: {
    description: "More than 32 exports at once; retry after `Retry-After` seconds, as OTLP exporters do.",
    example: { code: 8, message: "Too many exports at once; retry shortly" },
  },
  503: {
    description: "The database cannot be written; retry after `Retry-After` seconds.",
    example: { code: 14, message: "Storage unavailable: the database is read-only" },
  },
};
