import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { withTransaction, first, getDb } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { apiTokens, users } from "@/db/schema";
import { TOKEN_SCOPES, type TokenScope } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { refuseNul } from "@/lib/validations/nul";
import { actorOf, hashToken, type Caller } from "./caller";

/** API tokens: machine credentials for CI and monitoring, issued and revoked by admins, each act audited. */

export type TokenStatus = "active" | "expired" | "revoked";

/** A token as lists show it: never its secret, never its hash. */
export type TokenView = {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  status: TokenStatus;
};

const DAY = 86_400_000;
export const TOKEN_PREFIX = "cst_";

/** A date (2027-01-31, meaning 00:00 UTC that day) or an ISO-8601 time with its zone; null when it is neither. */
function parseExpiry(value: string): number | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const time = Date.parse(`${value}T00:00:00Z`);
    // Date.parse rolls 2027-02-30 over into March; a date that does not exist is an error, not a guess.
    return Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value ? null : time;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}

/**
 * What an admin sends to issue a token. Expiry is one of: `expiresInDays` (1–365), `expiresOn` (a future
 * date or time), or neither / `expiresInDays: null` for a token that does not expire.
 */
export function issueTokenSchema(now: number) {
  return z
    .strictObject({
      name: z
        .string({ error: "Name the token" })
        .trim()
        .min(1, "Name the token, e.g. after the pipeline that uses it")
        .max(80, "Keep the name to 80 characters"),
      scopes: z
        .array(z.enum(TOKEN_SCOPES, { error: `Scopes are: ${TOKEN_SCOPES.join(", ")}` }), { error: "Choose at least one scope" })
        .min(1, "Choose at least one scope")
        .max(TOKEN_SCOPES.length * 4, "List each scope once")
        .transform((chosen) => TOKEN_SCOPES.filter((s) => chosen.includes(s))),
      expiresInDays: z
        .number({ error: "Expiry is a whole number of days, 1–365" })
        .int("Expiry is a whole number of days, 1–365")
        .min(1, "Expiry is at least 1 day")
        .max(365, "Expiry is at most 365 days")
        .nullish(),
      expiresOn: z
        .string({ error: "The expiry date must be a date like 2027-01-31" })
        .trim()
        .max(64, "The expiry date must be a date like 2027-01-31")
        .transform((value, ctx) => {
          const time = parseExpiry(value);
          if (time === null)
            ctx.addIssue({ code: "custom", message: "The expiry date must be a date like 2027-01-31 or an ISO-8601 time with its zone" });
          else if (time <= now) ctx.addIssue({ code: "custom", message: "The expiry date must be in the future" });
          return time ?? z.NEVER;
        })
        .optional(),
    })
    .superRefine((input, ctx) => {
      if (input.expiresInDays != null && input.expiresOn !== undefined)
        ctx.addIssue({ code: "custom", path: ["expiresOn"], message: "Give a number of days or a date, not both" });
    })
    .transform(({ name, scopes, expiresInDays, expiresOn }) => ({
      name,
      scopes,
      expiresAt: expiresOn ?? (expiresInDays != null ? now + expiresInDays * DAY : null),
    }));
}
export type IssueTokenInput = z.input<ReturnType<typeof issueTokenSchema>>;

/** Only a person holding the admin role manages tokens; a token never issues or revokes one. */
function assertAdmin(caller: Caller): asserts caller is Extract<Caller, { kind: "user" }> {
  if (caller.kind === "token") throw new AppError("forbidden", "API tokens cannot manage API tokens; an admin does that in Settings");
  if (!caller.user.roles.includes("admin")) throw new AppError("forbidden", "Only admins manage API tokens");
}

export function canManageTokens(caller: Caller): boolean {
  return caller.kind === "user" && caller.user.roles.includes("admin");
}

function statusOf(row: { expiresAt: number | null; revokedAt: number | null }, now: number): TokenStatus {
  if (row.revokedAt !== null) return "revoked";
  return row.expiresAt !== null && row.expiresAt <= now ? "expired" : "active";
}

const viewColumns = {
  id: apiTokens.id,
  name: apiTokens.name,
  scopes: apiTokens.scopes,
  createdBy: users.email,
  createdAt: apiTokens.createdAt,
  expiresAt: apiTokens.expiresAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
};

/**
 * Issues a token. The secret is returned here, once; only its SHA-256 is stored, so nobody — not the
 * database, not the audit log, not an admin later — can show it again.
 */
export async function issueToken(caller: Caller, input: unknown, now = Date.now()): Promise<{ token: string; view: TokenView }> {
  assertAdmin(caller);
  refuseNul(input, "The token has problems");
  const { name, scopes, expiresAt } = parseInput(issueTokenSchema(now), input, "The token has problems");
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const id = randomUUID();
  return await withTransaction(async (tx) => {
    // Audit entries name a token by its name, so two live tokens must not share one.
    const taken = await first(
      tx
        .select({ id: apiTokens.id })
        .from(apiTokens)
        .where(and(isNull(apiTokens.revokedAt), sql`lower(${apiTokens.name}) = lower(${name})`)),
    );
    if (taken) {
      const message = `A token named "${name}" already exists; revoke it first or choose another name`;
      throw new AppError("validation_failed", message, { fieldErrors: { name: [message] } });
    }
    await tx
      .insert(apiTokens)
      .values({ id, name, tokenHash: hashToken(token), scopes, createdById: caller.user.id, createdAt: now, expiresAt });
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "token.issued",
      entityType: "api_token",
      entityId: id,
      payload: { name, scopes, expiresAt },
    });
    const view: TokenView = {
      id,
      name,
      scopes,
      createdBy: caller.user.email,
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      status: statusOf({ expiresAt, revokedAt: null }, now),
    };
    return { token, view };
  });
}

/** Every token ever issued, newest first, with whether it still works. */
export async function listTokens(caller: Caller, now = Date.now()): Promise<TokenView[]> {
  assertAdmin(caller);
  return (
    await getDb()
      .select(viewColumns)
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.createdById))
      .orderBy(desc(apiTokens.createdAt), apiTokens.name)
  ).map((row) => ({ ...row, status: statusOf(row, now) }));
}

/** Revokes a token; the next request that presents it is refused (tokenCaller ignores revoked tokens). */
export async function revokeToken(caller: Caller, id: string, now = Date.now()): Promise<TokenView> {
  assertAdmin(caller);
  return await withTransaction(async (tx) => {
    const row = await first(
      tx.select(viewColumns).from(apiTokens).innerJoin(users, eq(users.id, apiTokens.createdById)).where(eq(apiTokens.id, id)),
    );
    if (!row) throw new AppError("not_found", "No API token has this id");
    if (row.revokedAt !== null) throw new AppError("conflict", `Token "${row.name}" was already revoked`);
    await tx.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id));
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "token.revoked",
      entityType: "api_token",
      entityId: id,
      payload: { name: row.name, scopes: row.scopes },
    });
    return { ...row, revokedAt: now, status: "revoked" as const };
  });
}
