import "server-only";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { first, outsideSnapshot, withTransaction } from "@/db";
import { SYSTEM_ACTOR } from "@/db/audit";
import { enqueue } from "@/db/outbox";
import { settings, webhooks } from "@/db/schema";
import type { EventEnvelope } from "@/lib/domain/webhooks";
import { publicUrl } from "@/lib/env";

/**
 * A broken audit trail is news for whoever watches it: the first time a verification fails in a given way (and
 * again if it later fails differently), `audit.verification_failed` goes to the endpoints that want it. The trail
 * itself cannot record this (it is what failed), so the last failure reported is kept in settings.
 */

const KEY = "audit.reported_failure";

type Verdict = { ok: boolean; firstBadSeq: number | null; reason: string | null };

/** Called with each verdict on the whole trail; true when it reported a new failure. */
export async function reportAuditVerification(result: Verdict, now = Date.now()): Promise<boolean> {
  return await outsideSnapshot(() =>
    withTransaction(async (tx) => {
      const reported = (await first(tx.select({ value: settings.value }).from(settings).where(eq(settings.key, KEY))))?.value ?? null;
      if (result.ok) {
        if (reported !== null) await tx.delete(settings).where(eq(settings.key, KEY));
        return false;
      }
      const problem = result.reason ?? "the audit trail does not verify";
      const signature = `${result.firstBadSeq ?? "-"}:${problem}`;
      if (reported === signature) return false;
      await tx
        .insert(settings)
        .values({ key: KEY, value: signature, updatedAt: now })
        .onConflictDoUpdate({ target: settings.key, set: { value: signature, updatedAt: now } });
      const targets = (
        await tx.select({ id: webhooks.id, events: webhooks.events }).from(webhooks).where(eq(webhooks.enabled, true))
      ).filter((w) => w.events.includes("audit.verification_failed"));
      if (targets.length === 0) return true;
      const envelope: EventEnvelope = {
        id: randomUUID(),
        type: "audit.verification_failed",
        occurredAt: new Date(now).toISOString(),
        agent: null,
        change: null,
        actor: SYSTEM_ACTOR,
        data: {
          summary: `The audit trail failed verification${result.firstBadSeq !== null ? ` at event #${result.firstBadSeq}` : ""}: ${problem}`,
          url: `${publicUrl()}/audit`,
          verification: { firstBadSeq: result.firstBadSeq, problem },
        },
      };
      await enqueue(tx, envelope, targets, now, "audit");
      return true;
    }),
  );
}
