import { createHash, randomBytes, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { appendAuditEvents } from "../../db/audit";
import { closeDatabase, first, openDatabase, withTransaction } from "../../db/index";
import { apiTokens, users } from "../../db/schema";

export const DEMO_PASSWORD = "countersign-demo";

// As lib/server/api-tokens.ts and caller.ts (server-only modules a script cannot import): `cst_` + 32 random
// bytes, stored as the hex SHA-256 of the token.
const TOKEN_PREFIX = "cst_";
const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** Cookie header values from Set-Cookie lines (name=value only). */
function cookiesOf(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.split(";")[0]!);
}

/**
 * Signs in the way the login page does (next-auth v5 credentials): fetch the CSRF token and its cookie,
 * post the form with both, keep the session cookie the redirect sets. Returns the Cookie header to send.
 */
export async function signIn(base: string, email: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  if (!csrf.ok) throw new Error(`GET /api/auth/csrf answered ${csrf.status}`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookies = cookiesOf(csrf);
  const form = new URLSearchParams({ csrfToken, email, password: DEMO_PASSWORD, callbackUrl: `${base}/` });
  const callback = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: csrfCookies.join("; ") },
    body: form,
  });
  const session = cookiesOf(callback).filter((c) => c.startsWith("authjs.session-token"));
  if (session.length === 0) throw new Error(`Signing in as ${email} set no session cookie (status ${callback.status})`);
  const cookie = session.join("; ");
  // The session must name this person: /api/auth/session answers {} for a refused cookie.
  const check = (await (await fetch(`${base}/api/auth/session`, { headers: { Cookie: cookie } })).json()) as { user?: { email?: string } };
  if (check.user?.email !== email) throw new Error(`Signing in as ${email} did not start a session`);
  return cookie;
}

/**
 * An API token written straight into the benchmark's copy of the database, as if the admin had issued it
 * under Settings → API tokens: the same secret format, SHA-256 hash and audit event as lib/server/api-tokens.ts.
 * (Issuing through the settings page's server action from a script is awkward; the token is the same.)
 */
export async function issueBenchToken(databasePath: string): Promise<string> {
  const connection = openDatabase(databasePath);
  const { db } = connection;
  try {
    const admin = await first(db.select({ id: users.id, email: users.email }).from(users).where(eq(users.email, "admin@countersign.test")));
    if (!admin) throw new Error("The estate has no admin@countersign.test to issue the benchmark's token");
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const id = randomUUID();
    const now = Date.now();
    const name = `benchmark ${new Date(now).toISOString()}`;
    const scopes = ["read", "changes:write", "evals:write", "deploy"] as const;
    // On the copy's handle: without it, the transaction would open the store at DATABASE_PATH instead.
    await withTransaction(async (tx) => {
      await tx
        .insert(apiTokens)
        .values({ id, name, tokenHash: hashToken(token), scopes: [...scopes], createdById: admin.id, createdAt: now, expiresAt: null });
      await appendAuditEvents(tx, [
        {
          at: now,
          actor: { type: "user", id: admin.id, label: admin.email },
          action: "token.issued",
          entityType: "api_token",
          entityId: id,
          payload: { name, scopes, expiresAt: null },
        },
      ]);
    }, db);
    return token;
  } finally {
    await closeDatabase(connection);
  }
}
