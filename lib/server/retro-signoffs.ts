import "server-only";
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { agents, changeRecords, signoffs } from "@/db/schema";
import { retroSignoffStatus, type RetroSignoffStatus } from "@/lib/domain/retro-signoff";
import type { Role } from "@/lib/domain/terms";
import { assertCanRead, type Caller } from "./caller";

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
 */
const OPEN_RETRO = sql`${changeRecords.id} IN (SELECT id FROM change_records INDEXED BY change_records_open_retro_idx
  WHERE state = 'released' AND retro_signoff_due_at IS NOT NULL AND approved_at IS NULL)`;

/** How many emergency releases are past their retro sign-off deadline with a sign-off still pending (the navigation's badge). */
export function overdueRetroSignoffCount(caller: Caller, now = Date.now()): number {
  assertCanRead(caller);
  return getDb()
    .select({ n: sql<number>`COUNT(*)` })
    .from(changeRecords)
    .where(
      and(
        OPEN_RETRO,
        lt(changeRecords.retroSignoffDueAt, now),
        sql`EXISTS (SELECT 1 FROM ${signoffs} s WHERE s.change_record_id = ${changeRecords.id} AND s.status = 'pending')`,
        sql`NOT EXISTS (SELECT 1 FROM ${signoffs} s WHERE s.change_record_id = ${changeRecords.id} AND s.status = 'rejected')`,
      ),
    )
    .get()!.n;
}

/** Emergency releases whose full sign-off is still open or was refused afterwards, soonest deadline first (optionally for one agent). */
export function openRetroSignoffs(caller: Caller, options: { agent?: string } = {}, now = Date.now()): RetroSignoff[] {
  assertCanRead(caller);
  const db = getDb();
  const rows = db
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
    .where(and(OPEN_RETRO, options.agent ? eq(agents.slug, options.agent) : undefined))
    .orderBy(asc(changeRecords.retroSignoffDueAt))
    .all();
  if (rows.length === 0) return [];
  const pending = db
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
    )
    .all();
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
