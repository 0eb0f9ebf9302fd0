import { first } from "@/db";
import "server-only";
import { asc, eq } from "drizzle-orm";
import type { DB } from "@/db";
import { appendAuditEvent, type Actor, type AuditInput } from "@/db/audit";
import { agents, changeRecords } from "@/db/schema";
import { changeNumberLabel } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";

/**
 * An agent's life: registered through a change record (proposed), active from that change's first
 * production release, withdrawn when the registration is rejected or withdrawn (kept, for the record).
 */

type Reader = Pick<DB, "select">;
type Writer = Pick<DB, "select" | "update" | "insert">;
type AgentRef = Pick<typeof agents.$inferSelect, "id" | "slug" | "status">;

/** The change that registers an agent: its first change record (no other may be proposed while it is proposed). */
export async function registrationChangeOf(db: Reader, agentId: string): Promise<{ id: string; number: number; state: string } | null> {
  return (
    (await first(
      db
        .select({ id: changeRecords.id, number: changeRecords.number, state: changeRecords.state })
        .from(changeRecords)
        .where(eq(changeRecords.agentId, agentId))
        .orderBy(asc(changeRecords.number))
        .limit(1),
    )) ?? null
  );
}

/** Only an active agent takes new changes: a proposed one is still being shaped by its registration change. */
export async function assertOpenForChanges(db: Reader, agent: AgentRef): Promise<void> {
  if (agent.status === "active") return;
  const registration = await registrationChangeOf(db, agent.id);
  const label = registration ? changeNumberLabel(registration.number) : "its registration";
  if (agent.status === "proposed") throw new AppError("conflict", `${agent.slug} is being registered by ${label}; edit that change`);
  if (agent.status === "withdrawn")
    throw new AppError("conflict", `${agent.slug} was withdrawn (${label} was not released): no change can be proposed on it`);
  throw new AppError("conflict", `${agent.slug} is retired: no change can be proposed on it`);
}

async function agentOf(db: Reader, agentId: string) {
  return (await first(db.select({ id: agents.id, slug: agents.slug, status: agents.status }).from(agents).where(eq(agents.id, agentId))))!;
}

/** A proposed agent's first production release makes it active. Returns the audit events to append with the release. */
export async function onProductionRelease(
  tx: Writer,
  change: { agentId: string; number: number },
  actor: Actor,
  now: number,
): Promise<AuditInput[]> {
  const agent = await agentOf(tx, change.agentId);
  if (agent.status !== "proposed") return [];
  await tx.update(agents).set({ status: "active" }).where(eq(agents.id, agent.id));
  return [
    {
      at: now,
      actor,
      action: "agent.activated",
      entityType: "agent",
      entityId: agent.id,
      payload: { slug: agent.slug, number: change.number, previousStatus: "proposed", status: "active" },
    },
  ];
}

/**
 * A registration rejected or withdrawn leaves its agent withdrawn: kept, with its change, for the record.
 * Any other change closing leaves the agent as it is. Appends its own audit event.
 */
export async function onFirstChangeClosed(
  tx: Writer,
  change: { id: string; agentId: string; number: number },
  how: "rejected" | "withdrawn",
  actor: Actor,
  now: number,
): Promise<void> {
  const agent = await agentOf(tx, change.agentId);
  if (agent.status !== "proposed" || (await registrationChangeOf(tx, agent.id))?.id !== change.id) return;
  await tx.update(agents).set({ status: "withdrawn" }).where(eq(agents.id, agent.id));
  await appendAuditEvent(tx, {
    at: now,
    actor,
    action: "agent.withdrawn",
    entityType: "agent",
    entityId: agent.id,
    payload: { slug: agent.slug, number: change.number, because: how, previousStatus: "proposed", status: "withdrawn" },
  });
}
