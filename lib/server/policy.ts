import "server-only";
import { desc } from "drizzle-orm";
import type { DB } from "@/db";
import { policies } from "@/db/schema";
import { DEFAULT_POLICY, type SignoffPolicy } from "@/lib/domain/signoff-policy";

/** The sign-off policy in force: the newest published version (the default before any is published). */
export function currentPolicy(db: Pick<DB, "select">): { version: number; policy: SignoffPolicy } {
  const row = db.select().from(policies).orderBy(desc(policies.version)).limit(1).get();
  return row ? { version: row.version, policy: row.document as unknown as SignoffPolicy } : { version: 0, policy: DEFAULT_POLICY };
}
