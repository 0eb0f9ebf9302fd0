import "server-only";
import { count, eq } from "drizzle-orm";
import { first, withTransaction, getDb, type DB } from "@/db";
import { agents, userRoles, users, workflows } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { hashPassword } from "@/lib/passwords";
import { parseInput } from "@/lib/validations/field-errors";
import { setupSchema } from "@/lib/validations/people";
import { insertPerson } from "./account-records";
import type { Caller } from "./caller";

/**
 * The one-time setup of a new installation: while nobody holds the admin role, whoever opens /setup first
 * creates the first admin. Once an admin exists (even a disabled one) the page is gone; further admins are
 * added by an admin, or with `npm run admin:create` by whoever runs the server.
 */

export const SETUP_DONE = "Countersign is already set up: an admin exists. Sign in, or ask an admin to add you.";

export async function adminExists(tx: Pick<DB, "select"> = getDb()): Promise<boolean> {
  return Boolean(await first(tx.select({ userId: userRoles.userId }).from(userRoles).where(eq(userRoles.role, "admin")).limit(1)));
}

/**
 * Creates the first admin with their password. The check that no admin exists and the insert share one
 * immediate transaction, so of two setups racing, one creates the admin and the other is refused.
 */
export async function completeSetup(input: unknown, now = Date.now()): Promise<{ email: string }> {
  if (await adminExists()) throw new AppError("conflict", SETUP_DONE);
  const { name, email, password } = parseInput(setupSchema, input, "Check the first admin's details");
  const passwordHash = await hashPassword(password);
  return await withTransaction(async (tx) => {
    if (await adminExists(tx)) throw new AppError("conflict", SETUP_DONE);
    await insertPerson(
      tx,
      { email, name, roles: ["admin"], passwordHash },
      (id) => ({ type: "user", id, label: email }),
      now,
      "setup.completed",
    );
    return { email };
  });
}

export type GettingStarted = { people: number; workflows: number; agents: number };

/**
 * For an admin of an installation still being set up (no workflow or no agent yet): how far it is, so the home
 * page can show the next step. Null once the estate has both, and for everyone but admins.
 */
export async function gettingStarted(caller: Caller): Promise<GettingStarted | null> {
  if (caller.kind !== "user" || !caller.user.roles.includes("admin")) return null;
  const db = getDb();
  const counted = async (table: typeof agents | typeof workflows) => (await first(db.select({ n: count() }).from(table)))!.n;
  const progress = { workflows: await counted(workflows), agents: await counted(agents) };
  if (progress.workflows > 0 && progress.agents > 0) return null;
  return { ...progress, people: (await first(db.select({ n: count() }).from(users).where(eq(users.disabled, false))))!.n };
}
