import "server-only";
import { and, asc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvents, SYSTEM_ACTOR } from "@/db/audit";
import { agents, auditEvents, changeRecords, signoffs } from "@/db/schema";
import { retroSignoffStatus, type RetroSignoffStatus } from "@/lib/domain/retro-signoff";
import type { Role } from "@/lib/domain/terms";
import { assertCanRead, type Caller } from "./caller";
import { indexedBy } from "./sql-dialect";

export type RetroSignoff = {
  changeId: string;
  number: number;
  title: string;
  agent: { slug: string; name: string };
  dueAt: number;
  waitingOn: Role[];
  status: Exclude<RetroSignoffStatus, "complete">;
};

/**
 * Emergency releases whose retro sign-off is open: completing it sets approved_at, so an open one has
 * none. Read off the partial index over exactly these rows, named: on a large estate the planner's
 * sampled statistics would otherwise prefer the (state, due) index and visit every emergency release.
 * PostgreSQL takes no such hint, and needs none.
 */
function openRetro(db: DB = getDb()): SQL {
  const index = indexedBy("change_records_open_retro_idx", db);
  return sql`${changeRecords.id} IN (SELECT id FROM change_records ${index}
  WHERE state = 'released' AND retro_signoff_due_at IS NOT NULL AND approved_at IS NULL)`;
}

/** Past the deadline with a sign-off still pending and none refused: overdue. */
const overdue = (now: number) =>
  and(
    openRetro(),
    lt(changeRecords.retroSignoffDueAt, now),
    sql`EXISTS (SELECT 1 FROM ${signoffs} s WHERE s.change_record_id = ${changeRecords.id} AND s.status = 'pending')`,
    sql`NOT EXISTS (SELECT 1 FROM ${signoffs} s WHERE s.change_record_id = ${changeRecords.id} AND s.status = 'rejected')`,
  );

const OVERDUE_ACTION = "change.retro_signoff_overdue";

/** How many emergency releases are past their retro sign-off deadline with a sign-off still pending (the navigation's badge). */
export async function overdueRetroSignoffCount(caller: Caller, now = Date.now()): Promise<number> {
  assertCanRead(caller);
  return (await first(
    getDb()
      .select({ n: sql<number>`COUNT(*)` })
      .from(changeRecords)
      .where(overdue(now)),
  ))!.n;
}

/**
 * Records, once per change, that its retro sign-off went past its deadline (by Countersign itself), so the trail
 * says when it became overdue and the `retro_signoff.overdue` event reaches those who subscribed. Run by the
 * background sender every minute; returns how many it recorded.
 */
export async function recordOverdueRetroSignoffs(now = Date.now()): Promise<number> {
  return await withTransaction(async (tx) => {
    const rows = await tx
      .select({ id: changeRecords.id, number: changeRecords.number, dueAt: changeRecords.retroSignoffDueAt })
      .from(changeRecords)
      .where(
        and(
          overdue(now),
          sql`NOT EXISTS (SELECT 1 FROM ${auditEvents} a WHERE a.entity_type = 'change_record' AND a.entity_id = ${changeRecords.id} AND a.action = ${OVERDUE_ACTION})`,
        ),
      );
    await appendAuditEvents(
      tx,
      rows.map((r) => ({
        at: now,
        actor: SYSTEM_ACTOR,
        action: OVERDUE_ACTION,
        entityType: "change_record",
        entityId: r.id,
        payload: { number: r.number, dueAt: r.dueAt },
      })),
    );
    return rows.length;
  });
}

/** Emergency releases whose full sign-off is still open or was refused afterwards, soonest deadline first (optionally for one agent). */
export async function openRetroSignoffs(caller: Caller, options: { agent?: string } = {}, now = Date.now()): Promise<RetroSignoff[]> {
  assertCanRead(caller);
  const db = getDb();
  const rows = await db
    .select({
      id: changeRecords.id,
      number: changeRecords.number,
      title: changeRecords.title,
      dueAt: changeRecords.retroSignoffDueAt,
      slug: agents.slug,
      name: agents.name,
    })
    .from(changeRecords)
    .innerJoin(agents, eq(agents.id, changeRecords.agentId))
    .where(and(openRetro(db), options.agent ? eq(agents.slug, options.agent) : undefined))
    .orderBy(asc(changeRecords.retroSignoffDueAt));
  if (rows.length === 0) return [];
  const pending = await db
    .select({ changeRecordId: signoffs.changeRecordId, role: signoffs.role, status: signoffs.status })
    .from(signoffs)
    .where(
      and(
        inArray(
          signoffs.changeRecordId,
          rows.map((r) => r.id),
        ),
        inArray(signoffs.status, ["pending", "rejected"]),
      ),
    );
  return rows.flatMap((r) => {
    const mine = pending.filter((p) => p.changeRecordId === r.id);
    const status = retroSignoffStatus(r.dueAt, mine, now);
    if (status === null || status === "complete") return [];
    return [
      {
        changeId: r.id,
        number: r.number,
        title: r.title,
        agent: { slug: r.slug, name: r.name },
        dueAt: r.dueAt!,
        waitingOn: mine.filter((p) => p.status === "pending").map((p) => p.role),
        status,
      },
    ];
  });
}
