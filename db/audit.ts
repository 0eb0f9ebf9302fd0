import { desc, sql } from "drizzle-orm";
import { AUDIT_CHAIN_LOCK, engineOf, execute, first } from "./index";
import { chainEvent, GENESIS_HASH, type ActorType, type ChainedAuditEvent } from "../lib/domain/audit-chain";
import type { DB } from "./index";
import { recordOutgoingEvents } from "./outbox";
import { auditEvents } from "./schema";

export type Actor = { type: ActorType; id: string | null; label: string };

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, label: "Countersign" };

export type AuditInput = {
  at: number;
  actor: Actor;
  action: string;
  entityType: string;
  entityId: string;
  payload: unknown;
};

/** Any drizzle handle: the database itself or an open transaction. */
type Writer = Pick<DB, "select" | "insert">;

/**
 * Appends events to the hash chain. Call it inside the transaction that makes the change it records,
 * so no state change exists without its event (and a rolled-back change leaves no event).
 */
export async function appendAuditEvents(tx: Writer, inputs: AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  // On PostgreSQL, appenders from every instance queue on one lock, held until their transaction ends: the
  // sequence stays gap-free and each event chains to the one committed before it. (SQLite has one writer.)
  if (engineOf(tx as DB) === "postgres") await execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`, tx as DB);
  const head = await first(
    tx.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1),
  );
  const rows = chainAuditEvents(head ?? null, inputs);
  // Large batches are written in slices to stay under SQLite's variable limit.
  for (let i = 0; i < rows.length; i += 500) await tx.insert(auditEvents).values(rows.slice(i, i + 500));
  // The webhook events these entries stand for, in the same transaction: none is lost, none sent for a rolled-back change.
  await recordOutgoingEvents(tx, inputs);
}

/** The events chained after `head` (the trail's last event, or null for an empty trail), in order. */
export function chainAuditEvents(head: { seq: number; hash: string } | null, inputs: AuditInput[]): ChainedAuditEvent[] {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  return inputs.map((input) => {
    seq += 1;
    const event = chainEvent(prevHash, {
      seq,
      at: input.at,
      actorType: input.actor.type,
      actorId: input.actor.id,
      actorLabel: input.actor.label,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId,
      payload: input.payload ?? null,
    });
    prevHash = event.hash;
    return event;
  });
}

export async function appendAuditEvent(tx: Writer, input: AuditInput): Promise<void> {
  await appendAuditEvents(tx, [input]);
}
