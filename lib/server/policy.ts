import "server-only";
import { randomUUID } from "node:crypto";
import { desc } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { policies } from "@/db/schema";
import { jsonLength, LIMITS, tooLong, unsafeShape } from "@/lib/domain/input-limits";
import { DEFAULT_POLICY, signoffPolicySchema, type SignoffPolicy } from "@/lib/domain/signoff-policy";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { refuseNul } from "@/lib/validations/nul";
import { actorOf, type Caller } from "./caller";

/** The sign-off policy in force: the newest published version (the default before any is published). */
export async function currentPolicy(db: Pick<DB, "select">): Promise<{ version: number; policy: SignoffPolicy }> {
  const row = await first(db.select().from(policies).orderBy(desc(policies.version)).limit(1));
  return row ? { version: row.version, policy: row.document as unknown as SignoffPolicy } : { version: 0, policy: DEFAULT_POLICY };
}

/** The policy as published: the domain's schema, behind the bounds every stored document keeps. */
const publishedPolicySchema = z
  .unknown()
  .superRefine((document, ctx) => {
    const unsafe = unsafeShape(document, LIMITS.specDepth, "policy");
    if (unsafe) ctx.addIssue({ code: "custom", path: unsafe.path === "policy" ? [] : unsafe.path.split("."), message: unsafe.message });
    else if (jsonLength(document) > LIMITS.policyText) ctx.addIssue({ code: "custom", message: tooLong("the policy", LIMITS.policyText) });
  })
  .pipe(signoffPolicySchema);

/** Admins publish a new version of the sign-off policy; changes already submitted keep the version they were submitted under. */
export async function publishPolicy(
  caller: Caller,
  document: unknown,
  now = Date.now(),
): Promise<{ version: number; policy: SignoffPolicy }> {
  if (caller.kind !== "user" || !caller.user.roles.includes("admin"))
    throw new AppError("forbidden", "Only admins can change the sign-off policy");
  refuseNul(document, "The policy has problems");
  const published = parseInput(publishedPolicySchema, document, "The policy has problems");
  return await withTransaction(async (tx) => {
    const previous = await currentPolicy(tx);
    const version = previous.version + 1;
    const id = randomUUID();
    await tx
      .insert(policies)
      .values({ id, version, document: published as unknown as Record<string, unknown>, createdById: caller.user.id, createdAt: now });
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "policy.published",
      entityType: "policy",
      entityId: id,
      payload: { version, before: previous.policy, after: published },
    });
    return { version, policy: published as SignoffPolicy };
  });
}

export async function policyInForce(): Promise<{ version: number; policy: SignoffPolicy }> {
  return await currentPolicy(getDb());
}
