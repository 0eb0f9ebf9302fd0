import "server-only";
import { and, desc, eq, inArray, isNotNull, ne } from "drizzle-orm";
import { first, getDb } from "@/db";
import { agents, agentVersions, changeRecords, signoffs } from "@/db/schema";
import { permissionDiff, type DiffItem } from "@/lib/domain/permission-diff";
import { changeNumberLabel, type ChangeState, type Role } from "@/lib/domain/terms";
import { assertCanRead, type Caller } from "./caller";
import type { ChangeRecordView } from "./change-records";

/** What surrounds a change while it is open: the other changes racing it, and what moved since someone reviewed it. */

export type OpenChange = { id: string; label: string; title: string; state: ChangeState; baseVersion: number | null; updatedAt: number };

/** The other open changes (draft, in review, approved) on the same agent, newest first: whichever is released first moves production under the rest. */
export async function otherOpenChanges(caller: Caller, agentSlug: string, exceptId: string | null): Promise<OpenChange[]> {
  assertCanRead(caller);
  const db = getDb();
  const rows = await db
    .select({ row: changeRecords, base: agentVersions.number })
    .from(changeRecords)
    .innerJoin(agents, eq(agents.id, changeRecords.agentId))
    .leftJoin(agentVersions, eq(agentVersions.id, changeRecords.baseVersionId))
    .where(
      and(
        eq(agents.slug, agentSlug),
        inArray(changeRecords.state, ["draft", "in_review", "approved"]),
        exceptId ? ne(changeRecords.id, exceptId) : undefined,
      ),
    )
    .orderBy(desc(changeRecords.updatedAt))
    .limit(20);
  return rows.map(({ row, base }) => ({
    id: row.id,
    label: changeNumberLabel(row.number),
    title: row.title,
    state: row.state,
    baseVersion: base,
    updatedAt: row.updatedAt,
  }));
}

export type ChangesSinceReview = {
  role: Role;
  decidedAt: number;
  reviewedVersion: number;
  reviewedAgainst: number | null;
  /** The permission diff from the spec they reviewed to the spec now proposed. */
  diff: DiffItem[];
  instructionsChanged: boolean;
};

/**
 * For a re-reviewer: their last decision on this change that became history, and what the proposed
 * spec changed since (and whether what it is compared with moved), so they re-read only the difference.
 */
export async function changesSinceReview(caller: Caller, change: ChangeRecordView): Promise<ChangesSinceReview | null> {
  if (caller.kind !== "user" || !change.spec) return null;
  const db = getDb();
  const last = await first(
    db
      .select()
      .from(signoffs)
      .where(
        and(
          eq(signoffs.changeRecordId, change.id),
          eq(signoffs.signerId, caller.user.id),
          eq(signoffs.status, "dismissed"),
          isNotNull(signoffs.reviewedVersionId),
          // Decided ones only: a NULL would sort first in PostgreSQL's descending order, last in SQLite's.
          isNotNull(signoffs.decidedAt),
        ),
      )
      .orderBy(desc(signoffs.decidedAt))
      .limit(1),
  );
  if (!last?.reviewedVersionId || !last.decidedAt) return null;
  const ids = [last.reviewedVersionId, last.reviewedBaseVersionId].filter((v): v is string => Boolean(v));
  const versions = new Map((await db.select().from(agentVersions).where(inArray(agentVersions.id, ids))).map((v) => [v.id, v]));
  const reviewed = versions.get(last.reviewedVersionId)!;
  const against = last.reviewedBaseVersionId ? versions.get(last.reviewedBaseVersionId) : undefined;
  return {
    role: last.role,
    decidedAt: last.decidedAt,
    reviewedVersion: reviewed.number,
    reviewedAgainst: against?.number ?? null,
    diff: permissionDiff(reviewed.spec, change.spec),
    instructionsChanged: reviewed.spec.instructions !== change.spec.instructions,
  };
}
