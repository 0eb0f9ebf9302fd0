import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { and, eq, lt } from "drizzle-orm";
import { withTransaction, first } from "@/db";
import { idempotencyKeys } from "@/db/schema";
import { AppError } from "@/lib/errors";
import type { Caller } from "./caller";

/**
 * Idempotency-Key on every API write, as Stripe does it: the first successful answer to a caller's
 * request (method and path) under a key is kept for 24 hours, and a retry with the same key and body gets
 * that answer again instead of a second write. A retry that arrives while the first is still running
 * waits for it; one whose first attempt never answered is told its outcome is unknown, never run again. A failed request wrote nothing (every use case is one transaction), so its key is freed
 * and a retry runs afresh.
 */

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A first request still unanswered after this long died with its process: whether it wrote is unknown. */
const ABANDONED_AFTER_MS = 60_000;
const POLL_MS = 20;

export type KeyedRequest = { caller: Caller; key: string; method: string; path: string; body: string };
type Scope = { callerId: string; key: string; method: string; path: string };

export async function withIdempotencyKey(request: KeyedRequest, execute: () => Promise<Response>): Promise<Response> {
  if (!/^[\x21-\x7e]{1,255}$/.test(request.key)) {
    throw new AppError("bad_request", "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID");
  }
  const scope: Scope = {
    callerId: request.caller.kind === "user" ? `user:${request.caller.user.id}` : `token:${request.caller.id}`,
    key: request.key,
    method: request.method,
    path: request.path,
  };
  const requestHash = createHash("sha256").update(request.body).digest("hex");
  for (;;) {
    const held = await claim(scope, requestHash, Date.now());
    if (held === "claimed") break;
    if (held.requestHash !== requestHash) {
      throw new AppError(
        "validation_failed",
        "This Idempotency-Key was used with a different request body; use a new key for a new request",
        {
          fieldErrors: { "Idempotency-Key": ["Already used with a different request body"] },
        },
      );
    }
    if (held.status !== null) return replay(held.status, held.responseBody ?? "");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  let response: Response;
  try {
    response = await execute();
  } catch (error) {
    await release(scope);
    throw error;
  }
  if (response.ok) await keep(scope, response.status, await response.clone().text());
  else await release(scope);
  return response;
}

type Held = { requestHash: string; status: number | null; responseBody: string | null };

/**
 * Takes the key for this request, or returns who holds it. In one transaction (serialised with every other),
 * so of two requests with the same key exactly one claims it, in this process or another.
 */
async function claim(scope: Scope, requestHash: string, now: number): Promise<"claimed" | Held> {
  return await withTransaction(async (tx) => {
    const held = await first(tx.select().from(idempotencyKeys).where(matches(scope)));
    if (held && held.createdAt >= now - IDEMPOTENCY_WINDOW_MS) {
      // Never run a request twice on a guess: a first attempt unanswered this long may have written
      // (a process that died after its commit), so the caller must look before trying again.
      if (held.status === null && held.createdAt < now - ABANDONED_AFTER_MS) {
        throw new AppError(
          "conflict",
          "The first request with this Idempotency-Key never answered; its outcome is unknown. Check the resource, then retry with a new key",
        );
      }
      return held;
    }
    // Expired keys (this one too, if it was) go only when a key is claimed, not on every wait.
    await tx.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_WINDOW_MS));
    await tx.insert(idempotencyKeys).values({ id: randomUUID(), ...scope, requestHash, status: null, responseBody: null, createdAt: now });
    return "claimed";
  });
}

async function keep(scope: Scope, status: number, responseBody: string): Promise<void> {
  await withTransaction(async (tx) => tx.update(idempotencyKeys).set({ status, responseBody }).where(matches(scope)));
}

async function release(scope: Scope): Promise<void> {
  await withTransaction(async (tx) => tx.delete(idempotencyKeys).where(matches(scope)));
}

function matches(scope: Scope) {
  return and(
    eq(idempotencyKeys.callerId, scope.callerId),
    eq(idempotencyKeys.key, scope.key),
    eq(idempotencyKeys.method, scope.method),
    eq(idempotencyKeys.path, scope.path),
  );
}

function replay(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "application/json", "idempotent-replayed": "true" } });
}
