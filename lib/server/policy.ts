import "server-only";
import { randomUUID } from "node:crypto";
import { desc } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { policies } from "@/db/schema";
import { DEFAULT_POLICY, signoffPolicySchema, type SignoffPolicy } from "@/lib/domain/signoff-policy";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { actorOf, type Caller } from "./caller";

/** The sign-off policy in force: the newest published version (the default before any is published). */
export function currentPolicy(db: Pick<DB, "select">): { version: number; policy: SignoffPolicy } {
  const row = db.select().from(policies).orderBy(desc(policies.version)).limit(1).get();
  return row ? { version: row.version, policy: row.document as unknown as SignoffPolicy } : { version: 0, policy: DEFAULT_POLICY };
}

/** Admins publish a new version of the sign-off policy; changes already submitted keep the version they were submitted under. */
export function publishPolicy(caller: Caller, document: unknown, now = Date.now()): { version: number; policy: SignoffPolicy } {
  if (caller.kind !== "user" || !caller.user.roles.includes("admin"))
    throw new AppError("forbidden", "Only admins can change the sign-off policy");
  const published = parseInput(signoffPolicySchema, document, "The policy has problems");
  const db = getDb();
  return db.transaction(
    (tx) => {
      const previous = currentPolicy(tx);
      const version = previous.version + 1;
      const id = randomUUID();
      tx.insert(policies)
        .values({ id, version, document: published as unknown as Record<string, unknown>, createdById: caller.user.id, createdAt: now })
        .run();
      appendAuditEvent(tx, {
        at: now,
        actor: actorOf(caller),
        action: "policy.published",
        entityType: "policy",
        entityId: id,
        payload: { version, before: previous.policy, after: published },
      });
      return { version, policy: published as SignoffPolicy };
    },
    { behavior: "immediate" },
  );
}

export function policyInForce(): { version: number; policy: SignoffPolicy } {
  return currentPolicy(getDb());
}
