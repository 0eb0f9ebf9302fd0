import "server-only";
import { gunzipSync } from "node:zlib";
import type { NextRequest } from "next/server";
import { durable, storageFailure } from "@/db";
import { clipName } from "@/lib/domain/runtime";
import { AppError, HTTP_STATUS, isAppError } from "@/lib/errors";
import { decodeJsonExport, decodeProtobufExport, OtlpBodyError, type RejectedSpan } from "@/lib/otlp/decode";
import { ExportTraceServiceResponse, RpcStatus } from "@/lib/otlp/trace-proto";
import { authenticate } from "./api";
import { assertCanSendEvidence } from "./evidence-senders";
import { ingestTraces } from "./runtime-ingest";

/** The most an export may carry, compressed or not: an SDK's default batch of 512 spans is far below it. */
export const MAX_OTLP_BYTES = 8 * 1024 * 1024;
/** Exports handled at once; more are told to come back (429 with Retry-After), as OTLP exporters do. */
const MAX_IN_FLIGHT = 32;
let inFlight = 0;

type Encoding = "json" | "protobuf";

/**
 * OTLP/HTTP's trace endpoint (OTLP specification, "OTLP/HTTP"): JSON or protobuf, optionally gzip; answers
 * in the encoding it was sent; 200 with `partialSuccess` when some spans were rejected (each named with its
 * reason); 400 for a body that is not an export, 401/403 for the token, 413, 415, 429 and 503 as the
 * specification has exporters expect, so a standard exporter or a Collector sends here unchanged.
 */
export async function receiveOtlpTraces(request: NextRequest): Promise<Response> {
  const encoding = encodingOf(request.headers.get("content-type"));
  if (inFlight >= MAX_IN_FLIGHT) return failure(encoding ?? "json", 429, "Too many exports at once; retry shortly", { "Retry-After": "1" });
  inFlight++;
  try {
    if (!request.headers.get("authorization"))
      throw new AppError(
        "unauthenticated",
        'Send a token with the evidence:write scope: OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer cst_…"',
      );
    const caller = await authenticate(request);
    assertCanSendEvidence(caller);
    if (!encoding) throw new AppError("unsupported_media_type", "Send OTLP as application/x-protobuf or application/json");
    const body = await readBody(request);
    const decoded = encoding === "protobuf" ? decodeProtobufExport(body) : decodeJsonExport(body);
    const result = await ingestTraces(caller, decoded);
    await durable();
    return success(encoding, result.rejected);
  } catch (error) {
    return errorAnswer(encoding ?? "json", error);
  } finally {
    inFlight--;
  }
}

function encodingOf(contentType: string | null): Encoding | null {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/x-protobuf" ? "protobuf" : type === "application/json" ? "json" : null;
}

async function readBody(request: NextRequest): Promise<Uint8Array> {
  const tooLarge = () => new AppError("payload_too_large", `An export may carry at most ${MAX_OTLP_BYTES.toLocaleString("en-US")} bytes`);
  if (Number(request.headers.get("content-length")) > MAX_OTLP_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > MAX_OTLP_BYTES) {
      void reader!.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  const raw = Buffer.concat(chunks);
  const contentEncoding = request.headers.get("content-encoding")?.trim().toLowerCase();
  if (!contentEncoding || contentEncoding === "identity") return raw;
  if (contentEncoding !== "gzip")
    throw new AppError("unsupported_media_type", `Content-Encoding "${contentEncoding}" is not supported: send gzip or none`);
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_OTLP_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw new OtlpBodyError("The body is not valid gzip");
  }
}

/** The rejected spans, counted, and named with their reasons in one message (the first few, then how many more). */
function partialSuccess(rejected: RejectedSpan[]) {
  if (rejected.length === 0) return null;
  // A span name comes from the sender: kept short (as the names in reasons are), so the answer does not echo an export back.
  const shown = rejected.slice(0, 10).map((r) => `span ${r.spanId ?? "?"}${r.name ? ` (${clipName(r.name)})` : ""}: ${r.reason}`);
  const more = rejected.length > shown.length ? `; and ${rejected.length - shown.length} more` : "";
  return { rejectedSpans: rejected.length, errorMessage: `${rejected.length} span(s) rejected: ${shown.join("; ")}${more}` };
}

function success(encoding: Encoding, rejected: RejectedSpan[]): Response {
  const partial = partialSuccess(rejected);
  if (encoding === "json") return Response.json(partial ? { partialSuccess: partial } : {});
  const message = ExportTraceServiceResponse.fromObject(partial ? { partialSuccess: partial } : {});
  return new Response(new Uint8Array(ExportTraceServiceResponse.encode(message).finish()), {
    status: 200,
    headers: { "Content-Type": "application/x-protobuf" },
  });
}

/** An error answer: a google.rpc.Status in the request's encoding, with the status code the specification gives. */
function failure(encoding: Encoding, status: number, message: string, headers: Record<string, string> = {}): Response {
  // gRPC codes for the Status body: INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAVAILABLE.
  const code = { 400: 3, 401: 16, 403: 7, 413: 8, 415: 3, 429: 8, 503: 14 }[status] ?? 13;
  if (encoding === "json") return Response.json({ code, message }, { status, headers });
  return new Response(new Uint8Array(RpcStatus.encode(RpcStatus.fromObject({ code, message })).finish()), {
    status,
    headers: { "Content-Type": "application/x-protobuf", ...headers },
  });
}

function errorAnswer(encoding: Encoding, error: unknown): Response {
  if (error instanceof OtlpBodyError) return failure(encoding, 400, error.message);
  const storage = storageFailure(error);
  if (storage) {
    console.error("Storage unavailable", error);
    return failure(encoding, 503, `Storage unavailable: ${storage}`, { "Retry-After": "30" });
  }
  if (isAppError(error)) {
    // A validation error here is a body that does not say what it must: OTLP calls that a bad request.
    const status = error.code === "validation_failed" || error.code === "not_found" ? 400 : HTTP_STATUS[error.code];
    return failure(encoding, status, error.message);
  }
  console.error("Unhandled OTLP error", error);
  return failure(encoding, 500, "Something went wrong on our side; it has been logged.");
}
