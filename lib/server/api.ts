import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { storageFailure } from "@/db";
import { AppError, HTTP_STATUS, isAppError, storageUnavailable } from "@/lib/errors";
import { currentUser } from "./auth";
import { tokenCaller, userCaller, type Caller } from "./caller";

type RouteContext<P> = { params: Promise<P> };
type Handler<P> = (
  request: NextRequest,
  context: { caller: Caller; params: P; body: unknown },
) => Promise<Response | unknown> | Response | unknown;

/** Stands in for a request body that is not a JSON object; no use case's schema accepts it. */
const NOT_A_JSON_OBJECT = Symbol("not a JSON object");

/**
 * Wraps every /api/v1 route: authenticates (bearer token or session cookie), reads the JSON body,
 * runs the handler, and maps errors to DESIGN.md's JSON shape. Unknown errors are logged and never
 * leak a stack trace.
 *
 * Who before what: a body that is not JSON is not refused here but handed on, so the use case first
 * decides whether the caller may ask at all (403); only then does its validation fail, answered as the
 * 400 it is.
 */
export function apiRoute<P = Record<string, never>>(handler: Handler<P>) {
  return async (request: NextRequest, context: RouteContext<P>): Promise<Response> => {
    try {
      const caller = await authenticate(request);
      const body = await readBody(request);
      try {
        const result = await handler(request, { caller, params: await context.params, body });
        return result instanceof Response ? result : NextResponse.json(result);
      } catch (error) {
        if (body === NOT_A_JSON_OBJECT && isAppError(error) && error.code === "validation_failed") throw notAJsonObject();
        throw error;
      }
    } catch (error) {
      return errorResponse(error);
    }
  };
}

async function authenticate(request: NextRequest): Promise<Caller> {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match ? tokenCaller(match[1]!) : null;
    if (!caller) throw new AppError("unauthenticated", "The API token is missing, unknown, expired or revoked");
    return caller;
  }
  const user = await currentUser();
  if (!user) throw new AppError("unauthenticated", "Sign in, or send an API token as 'Authorization: Bearer <token>'");
  return userCaller(user);
}

export function errorResponse(error: unknown): Response {
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

/** The request's JSON object (an empty body is an empty one), or NOT_A_JSON_OBJECT. GET and HEAD have no body. */
async function readBody(request: Request): Promise<unknown> {
  if (request.method === "GET" || request.method === "HEAD") return {};
  const text = await request.text();
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : NOT_A_JSON_OBJECT;
  } catch {
    return NOT_A_JSON_OBJECT;
  }
}

function notAJsonObject(): AppError {
  return new AppError("bad_request", "The request body must be a JSON object");
}

export function toIso(time: number | null | undefined): string | null {
  return time === null || time === undefined ? null : new Date(time).toISOString();
}
