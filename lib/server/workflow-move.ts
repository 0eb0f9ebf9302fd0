import "server-only";
import { and, eq, inArray, ne } from "drizzle-orm";
import { appendAuditEvent, type Actor } from "@/db/audit";
import { changeRecords, signoffs } from "@/db/schema";
import { OPEN_CHANGE_STATES, changeNumberLabel, type RiskLevel } from "@/lib/domain/terms";
import { isHigherClass } from "@/lib/domain/workflow-rules";
import { assessRow } from "./change-records";
import { redoSignoffs, refresh, save, versionSpecs, type Tx } from "./changes";
import { currentPolicy } from "./policy";
import { saveReassessment } from "./change-update";

/**
 * An agent moved to a workflow of a higher risk class (the agent row already says so): its open changes
 * were assessed under a lower class. A change in review or approved is re-assessed at once; when its
 * tier rose or it now needs roles it did not ask, its standing sign-offs are dismissed, visibly, and
 * asked again (an approved change is in review again). A draft is marked: it is assessed on submission.
 * Each change gets a `change.reassessed` event. Returns the labels of the changes touched.
 */
export async function reassessForWorkflowMove(
  tx: Tx,
  agentId: string,
  workflow: { name: string; riskClass: RiskLevel },
  actor: Actor,
  now: number,
): Promise<string[]> {
  const moved = `The agent moved to workflow ${workflow.name} (${workflow.riskClass}) on ${new Date(now).toISOString().slice(0, 10)}`;
  const open = await tx
    .select()
    .from(changeRecords)
    .where(and(eq(changeRecords.agentId, agentId), inArray(changeRecords.state, [...OPEN_CHANGE_STATES])));
  const touched: string[] = [];
  for (const row of open) {
    touched.push(changeNumberLabel(row.number));
    if (row.state === "draft" || !row.headVersionId) {
      const reason = `${moved}: it is assessed under that class when submitted.`;
      await save(tx, { ...row, reassessmentReason: reason, updatedAt: now });
      await appendAuditEvent(tx, {
        at: now,
        actor,
        action: "change.reassessed",
        entityType: "change_record",
        entityId: row.id,
        payload: { number: row.number, reason: moved, marked: true, state: row.state },
      });
      continue;
    }
    const { row: refreshed } = await refresh(tx, row, undefined, actor, now);
    const specs = await versionSpecs(tx, refreshed);
    const assessment = assessRow(refreshed, { workflow, base: specs.base, head: specs.head }, (await currentPolicy(tx)).policy)!;
    const asked = new Set(
      (
        await tx
          .select({ role: signoffs.role })
          .from(signoffs)
          .where(and(eq(signoffs.changeRecordId, row.id), ne(signoffs.status, "dismissed")))
      ).map((s) => s.role),
    );
    const newRoles = assessment.required.map((r) => r.role).filter((role) => !asked.has(role));
    const tierRose = row.riskTier !== null && refreshed.riskTier !== null && isHigherClass(row.riskTier, refreshed.riskTier);
    const askAgain = tierRose || newRoles.length > 0;
    let next = refreshed;
    if (askAgain) {
      const back = row.state === "approved" ? { ...next, state: "in_review" as const, approvedAt: null } : next;
      next = await redoSignoffs(tx, back, actor, now, `dismissed: ${moved}; re-assessed as ${refreshed.riskTier}`);
    }
    next = {
      ...next,
      reassessmentReason: askAgain
        ? `${moved}: re-assessed as ${next.riskTier}, and its sign-offs asked again.`
        : `${moved}: re-assessed; its tier (${next.riskTier}) and signers stand.`,
    };
    await saveReassessment(tx, row, next, moved, { newRoles, signoffsAskedAgain: askAgain }, actor, now);
  }
  return touched;
}
