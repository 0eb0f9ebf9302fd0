import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { durable, storageFailure } from "@/db";
import { LIMITS, unsafeShape } from "@/lib/domain/input-limits";
import { AppError, HTTP_STATUS, isAppError, refusalIn, storageUnavailable } from "@/lib/errors";
import { currentUser } from "./auth";
import { assertCanRead, tokenCaller, userCaller, type Caller } from "./caller";
import { withIdempotencyKey } from "./idempotency";

type RouteContext<P> = { params: Promise<P> };
type Handler<P> = (
  request: NextRequest,
  context: { caller: Caller; params: P; body: unknown },
) => Promise<Response | unknown> | Response | unknown;

/** The most a request body may hold: 1 MB, many times the largest real change (a spec with long instructions). */
export const MAX_BODY_BYTES = LIMITS.bodyBytes;
/** How deep a JSON body may nest: the deepest real request (a spec inside a change) is under ten levels. */
export const MAX_JSON_DEPTH = 64;
/** Keys that name an object's prototype machinery: never a field of ours, and dangerous to copy. */
const WRITE_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Stands in for a request body refused on its content; no use case's schema accepts it. */
const REFUSED_BODY = Symbol("refused body");

/**
 * Wraps every /api/v1 route: authenticates (bearer token or session cookie), refuses a cross-site write
 * made with a session cookie, reads the JSON body within its limits, honours an Idempotency-Key, runs the
 * handler, and maps errors to DESIGN.md's JSON shape. Unknown errors are logged and never leak a stack trace.
 *
 * Who before what: a body refused on its content (not JSON, nested too deep, a prototype-named key) is
 * not refused here but handed on, so the use case first decides whether the caller may ask at all (403);
 * only then does its validation fail, answered as the 400 or 422 it is. The envelope (size, content type)
 * is refused at once: it says nothing about what the caller may do, and reading a body without a limit
 * would let anyone exhaust the server.
 */
export function apiRoute<P = Record<string, never>>(handler: Handler<P>) {
  return async (request: NextRequest, context: RouteContext<P>): Promise<Response> => {
    try {
      const caller = await authenticate(request);
      const writes = WRITE_METHODS.has(request.method);
      if (writes && caller.kind === "user") assertSameOrigin(request);
      // Who before what: every other request reads, and a token without the read scope is refused
      // before its parameters are looked at.
      if (!writes) assertCanRead(caller);
      const text = request.method === "GET" || request.method === "HEAD" ? "" : await readBoundedText(request);
      if (text.trim() && !isJsonContentType(request.headers.get("content-type"))) {
        throw new AppError("unsupported_media_type", "Send the request body as JSON, with Content-Type: application/json");
      }
      const { body, refusal } = parseBody(text);
      const params = await context.params;
      const run = async (): Promise<Response> => {
        try {
          const result = await handler(request, { caller, params, body });
          return result instanceof Response ? result : NextResponse.json(result);
        } catch (error) {
          return errorResponse(refusal && isAppError(error) && error.code === "validation_failed" ? refusal : error);
        }
      };
      const key = request.headers.get("idempotency-key");
      const response =
        writes && key !== null
          ? await withIdempotencyKey({ caller, key, method: request.method, path: request.nextUrl.pathname, body: text }, run)
          : await run();
      // A write (and the answer kept for its Idempotency-Key) is acknowledged only once it is on disk.
      if (writes) await durable();
      return response;
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export async function authenticate(request: NextRequest): Promise<Caller> {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match ? await tokenCaller(match[1]!) : null;
    if (!caller) throw new AppError("unauthenticated", "The API token is missing, unknown, expired or revoked");
    return caller;
  }
  const user = await currentUser();
  if (!user) throw new AppError("unauthenticated", "Sign in, or send an API token as 'Authorization: Bearer <token>'");
  return userCaller(user);
}

export function errorResponse(caught: unknown): Response {
  let error = refusalIn(caught);
  const storage = storageFailure(error);
  if (storage) {
    console.error("Storage unavailable", error);
    error = storageUnavailable(storage);
  }
  if (isAppError(error)) {
    const { fieldErrors, ...details } = error.details;
    return NextResponse.json(
      { error: error.code, message: error.message, ...details, ...(fieldErrors ? { fieldErrors } : {}) },
      { status: HTTP_STATUS[error.code] },
    );
  }
  console.error("Unhandled API error", error);
  return NextResponse.json({ error: "internal_error", message: "Something went wrong on our side; it has been logged." }, { status: 500 });
}

/**
 * CSRF: a write made with the session cookie must come from Countersign's own pages. Browsers send
 * `Origin` on every write (and `Sec-Fetch-Site` where they support it); a request with neither comes from
 * no browser (curl, a script), so no other site can have made it. Go's http.CrossOriginProtection decides
 * the same way. Bearer-token requests carry no ambient credential and are not checked.
 */
function assertSameOrigin(request: NextRequest): void {
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  const sameOrigin = origin !== null ? isOwnOrigin(origin, request) : site === null || site === "same-origin" || site === "none";
  if (!sameOrigin) {
    throw new AppError(
      "forbidden",
      "Cross-site request refused: a signed-in write must come from Countersign's own pages, or use an API token",
    );
  }
}

/**
 * AUTH_URL's origin when it is set; otherwise the host the request was sent to, as the reverse proxy in
 * front (X-Forwarded-Host) or the server (Host) saw it — the same host Next.js checks server actions against.
 * A page on another site cannot set either header on a browser's request.
 */
function isOwnOrigin(origin: string, request: NextRequest): boolean {
  const configured = process.env.AUTH_URL?.trim();
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host") || request.nextUrl.host;
  try {
    const sent = new URL(origin);
    if (configured) return sent.origin === new URL(configured).origin;
    // Scheme and host, as an origin is: an http page must not write to the https app.
    const scheme = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || request.nextUrl.protocol.replace(/:$/, "");
    return sent.host === host && sent.protocol === `${scheme}:`;
  } catch {
    return false; // "null" (a sandboxed frame, a privacy redirect) is nobody's own origin
  }
}

function isJsonContentType(header: string | null): boolean {
  return header !== null && /^application\/json\s*(;|$)/i.test(header.trim());
}

function payloadTooLarge(): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${MAX_BODY_BYTES.toLocaleString("en-US")} bytes`);
}

/** The body as text, read no further than MAX_BODY_BYTES: a larger one is refused without being read to its end. */
async function readBoundedText(request: Request): Promise<string> {
  if (Number(request.headers.get("content-length")) > MAX_BODY_BYTES) throw payloadTooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      void reader.cancel().catch(() => {});
      throw payloadTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The request's JSON object (an empty body is an empty one), or REFUSED_BODY with the error its content earns. */
function parseBody(text: string): { body: unknown; refusal: AppError | null } {
  if (!text.trim()) return { body: {}, refusal: null };
  const refuse = (refusal: AppError) => ({ body: REFUSED_BODY, refusal });
  // Measured on the text, before parsing: nothing below walks a value deeper than this.
  if (exceedsDepth(text, MAX_JSON_DEPTH)) {
    const message = `The request body is nested more than ${MAX_JSON_DEPTH} levels deep`;
    return refuse(new AppError("validation_failed", message, { fieldErrors: { body: [message] } }));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse(notAJsonObject());
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return refuse(notAJsonObject());
  // Depth was measured on the text above; here only the prototype-named keys are left to find.
  const unsafe = unsafeShape(value, Number.POSITIVE_INFINITY, "body");
  if (unsafe) {
    return refuse(
      new AppError("validation_failed", `${unsafe.message} (at ${unsafe.path})`, { fieldErrors: { [unsafe.path]: [unsafe.message] } }),
    );
  }
  return { body: value, refusal: null };
}

/** Whether JSON text opens more than `max` arrays or objects inside one another (brackets inside strings do not count). */
function exceedsDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function notAJsonObject(): AppError {
  return new AppError("bad_request", "The request body must be a JSON object");
}

export function toIso(time: number | null | undefined): string | null {
  return time === null || time === undefined ? null : new Date(time).toISOString();
}
