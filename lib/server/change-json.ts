import "server-only";
import { toIso } from "./api";
import type { ChangeRecordView } from "./change-records";
import type { ChangeListItem } from "./change-queries";

/** The API's shape of a change record (DESIGN.md's conventions: ISO times, people by email, CR-numbers). */
export function changeJson(c: ChangeRecordView) {
  return {
    id: c.id,
    number: c.label,
    state: c.state,
    agent: c.agent.slug,
    title: c.title,
    rationale: c.rationale,
    retire: c.retire,
    spec: c.spec,
    specHash: c.specHash,
    specIssues: c.specIssues,
    baseVersion: c.baseVersion ? { number: c.baseVersion.number, specHash: c.baseVersion.specHash } : null,
    headVersion: c.headVersion,
    comparedWith: c.comparedWith
      ? { number: c.comparedWith.number, specHash: c.comparedWith.specHash, isProduction: c.comparedWith.isProduction }
      : null,
    outOfDate: c.outOfDate,
    production: c.production ? { version: c.production.number, since: toIso(c.production.since), through: c.production.changeLabel } : null,
    riskTier: c.riskTier,
    riskReasons: c.riskReasons,
    // The tier stands as assessed under the workflow's class then; a later class applies to changes assessed afterwards.
    workflowClassChangedSince: c.workflowClassChangedSince
      ? {
          workflow: c.workflowClassChangedSince.workflow,
          assessedUnder: c.workflowClassChangedSince.assessedUnder,
          now: c.workflowClassChangedSince.now,
          since: toIso(c.workflowClassChangedSince.since),
        }
      : null,
    reassessmentReason: c.reassessmentReason,
    permissionDiff: c.permissionDiff,
    requiredSignoffs: c.requiredSignoffs,
    standardChange: c.standardChange,
    contentHash: c.contentHash,
    policyVersion: c.policyVersion,
    roleImpacts: c.roleImpacts,
    harmMetrics: c.harmMetrics,
    evidence: c.evidence,
    branch: c.branch,
    rollbackPlan: c.rollbackPlan,
    rollbackOwner: c.rollbackOwner?.email ?? null,
    monitoring: c.monitoring,
    emergency: c.emergency,
    author: c.author.kind === "user" ? c.author.email : `token:${c.author.name}`,
    signoffs: c.signoffs.map((s) => ({
      role: s.role,
      status: s.status,
      signer: s.signer,
      comment: s.comment,
      contentHash: s.contentHash,
      decidedAt: toIso(s.decidedAt),
      dismissedAt: toIso(s.dismissedAt),
      dismissedReason: s.dismissedReason,
    })),
    submissionProblems: c.submissionProblems,
    createdAt: toIso(c.createdAt),
    submittedAt: toIso(c.submittedAt),
    approvedAt: toIso(c.approvedAt),
    releasedAt: toIso(c.releasedAt),
    closedAt: toIso(c.closedAt),
    retroSignoffDueAt: toIso(c.retroSignoffDueAt),
    updatedAt: toIso(c.updatedAt),
  };
}

export function changeListJson(c: ChangeListItem) {
  return {
    id: c.id,
    number: `CR-${c.number}`,
    state: c.state,
    title: c.title,
    agent: c.agent.slug,
    riskTier: c.riskTier,
    author: c.author,
    createdAt: toIso(c.createdAt),
    submittedAt: toIso(c.submittedAt),
    waitingOn: c.waitingOn,
  };
}
