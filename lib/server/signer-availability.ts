import "server-only";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db";
import { signoffs, userRoles, users } from "@/db/schema";
import type { Role } from "@/lib/domain/terms";
import { assertCanRead, type Caller } from "./caller";

/** For one role still waiting on a change: who holding it is disabled, and whether anyone active could sign. */
export type SignerAvailability = { disabled: { name: string; email: string }[]; noActiveSigner: boolean };

/**
 * Sign-offs are asked of a role, not a person. When the people holding a waiting role are disabled (or the
 * only one left is the author, who never signs their own change), the change would wait forever without
 * anyone noticing; the sign-off list says so. One query, over the change's pending roles only.
 */
export async function signerAvailability(
  caller: Caller,
  changeId: string,
  authorId: string | null,
): Promise<Partial<Record<Role, SignerAvailability>>> {
  assertCanRead(caller);
  const rows = await getDb()
    .select({ role: signoffs.role, userId: users.id, name: users.name, email: users.email, disabled: users.disabled })
    .from(signoffs)
    .leftJoin(userRoles, eq(userRoles.role, signoffs.role))
    .leftJoin(users, eq(users.id, userRoles.userId))
    .where(and(eq(signoffs.changeRecordId, changeId), eq(signoffs.status, "pending")))
    .orderBy(users.name);
  const out: Partial<Record<Role, SignerAvailability>> = {};
  for (const row of rows) {
    const entry = (out[row.role] ??= { disabled: [], noActiveSigner: true });
    if (row.userId === null) continue;
    if (row.disabled) {
      if (!entry.disabled.some((p) => p.email === row.email)) entry.disabled.push({ name: row.name!, email: row.email! });
    } else if (row.userId !== authorId) entry.noActiveSigner = false;
  }
  return out;
}
