import "server-only";
import { createHash } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { first, getDb, storageFailure, withTransaction } from "@/db";
import type { Actor } from "@/db/audit";
import { apiTokens } from "@/db/schema";
import type { TokenScope } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import type { CurrentUser } from "./users";

/** Who is asking: a signed-in person, or an API token acting as itself (never as a person). */
export type Caller = { kind: "user"; user: CurrentUser } | { kind: "token"; id: string; name: string; scopes: TokenScope[] };

export function userCaller(user: CurrentUser): Caller {
  return { kind: "user", user };
}

export function actorOf(caller: Caller): Actor {
  return caller.kind === "user"
    ? { type: "user", id: caller.user.id, label: caller.user.email }
    : { type: "token", id: caller.id, label: `token:${caller.name}` };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Resolves a bearer token; a revoked, expired or unknown token is no caller at all. */
export async function tokenCaller(token: string, now = Date.now()): Promise<Caller | null> {
  const db = getDb();
  const row = await first(
    db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt))),
  );
  if (!row || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  // Last use to the minute: a token read every second need not take the write lock every second.
  if (row.lastUsedAt === null || now - row.lastUsedAt >= 60_000) await recordLastUse(row.id, now);
  return { kind: "token", id: row.id, name: row.name, scopes: row.scopes };
}

/** Last use is bookkeeping: when storage refuses the write, the request it belongs to still goes on. */
async function recordLastUse(tokenId: string, now: number): Promise<void> {
  try {
    await withTransaction(async (tx) => tx.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, tokenId)));
  } catch (error) {
    const reason = storageFailure(error);
    if (!reason) throw error;
    console.error(`Could not record the API token's last use: ${reason}`);
  }
}

/** Every person may read; a token needs the `read` scope. */
export function assertCanRead(caller: Caller): void {
  if (caller.kind === "token" && !caller.scopes.includes("read")) {
    throw new AppError("forbidden", `Token "${caller.name}" lacks the read scope`);
  }
}
