import { changeNumberLabel } from "@/lib/domain/terms";
import { toIso } from "@/lib/server/api";
import type { EvidenceException, EvidenceHeader, EvidencePack, EvidencePage, EvidenceRelease } from "@/lib/server/evidence";
import type { ReleaseBreach } from "@/lib/server/evidence-breaches";
import { deploymentJson, incidentJson } from "@/lib/server/release-json";

/** The evidence pack as the API gives it: ISO times, people by email, change records as CR-numbers. */

/** A runtime breach of a release: its BR-number, what was broken, when, how often, its incident and (harm thresholds) when it cleared. */
function breachJson(b: ReleaseBreach) {
  return {
    number: b.number,
    kind: b.kind,
    label: b.label,
    action: b.action,
    metric: b.metric,
    detail: b.detail,
    firstAt: toIso(b.firstAt),
    lastAt: toIso(b.lastAt),
    occurrences: b.occurrences,
    value: b.value,
    threshold: b.threshold,
    clearedAt: toIso(b.clearedAt),
    trace: b.trace,
    incident: b.incident && { ...b.incident, resolvedAt: toIso(b.incident.resolvedAt) },
  };
}

/**
 * An exception's kind, label and detail; a drift exception also names its record, severity, times and
 * duration; a runtime breach exception its breach record.
 */
function exceptionJson(e: EvidenceException) {
  return {
    kind: e.kind,
    label: e.label,
    detail: e.detail,
    ...(e.drift && {
      drift: {
        record: e.drift.record,
        severity: e.drift.severity,
        openedAt: toIso(e.drift.openedAt),
        closedAt: toIso(e.drift.closedAt),
        durationMs: e.drift.durationMs,
      },
    }),
    ...(e.breach && { breach: breachJson(e.breach) }),
  };
}

export function releaseJson(r: EvidenceRelease) {
  const c = r.change;
  return {
    change: {
      id: c.id,
      number: changeNumberLabel(c.number),
      title: c.title,
      agent: c.agent.slug,
      workflow: c.agent.workflow.name,
      state: c.state,
      author: c.author.kind === "user" ? c.author.email : `token:${c.author.name}`,
      rationale: c.rationale,
      riskTier: c.riskTier,
      riskReasons: c.riskReasons,
      baseVersion: c.baseVersion?.number ?? null,
      standardChange: c.standardChange,
      contentHash: c.contentHash,
    },
    deployment: deploymentJson(r.deployment),
    approvals: r.approvals.map((a) => ({
      role: a.role,
      signer: a.signer,
      decidedAt: toIso(a.decidedAt),
      contentHash: a.contentHash,
      precededDeployment: a.precededDeployment,
      independentOfAuthor: a.independentOfAuthor,
    })),
    pendingSignoffs: r.pendingSignoffs,
    evalRuns: r.evalRuns.map((e) => ({ ...e, recordedAt: toIso(e.recordedAt) })),
    emergency: r.emergency && {
      justification: r.emergency.justification,
      retroSignoff: r.emergency.retro && {
        ...r.emergency.retro,
        dueAt: toIso(r.emergency.retro.dueAt),
        completedAt: toIso(r.emergency.retro.completedAt),
      },
    },
    rollbacks: r.rollbacks.map(deploymentJson),
    incidents: r.incidents.map((i) => ({ ...incidentJson(i), relation: i.relation })),
    breaches: r.breaches.map(breachJson),
    exceptions: r.exceptions.map(exceptionJson),
  };
}

/** What the pack is: its time, range, filters, the chain's head and status, and the range's totals. */
export function evidenceHeaderJson(pack: EvidenceHeader | EvidencePack) {
  return {
    generatedAt: toIso(pack.generatedAt),
    range: { from: toIso(pack.range.from), to: toIso(pack.range.to) },
    filters: pack.filters,
    chain: pack.chain,
    ...("totals" in pack ? { totals: pack.totals } : {}),
  };
}

export function exceptionsJson(exceptions: EvidencePack["exceptions"]) {
  return exceptions.map((e) => ({
    ...exceptionJson(e),
    change: e.release.change,
    agent: e.release.agent,
    deploymentId: e.release.deploymentId,
    deployedAt: toIso(e.release.deployedAt),
  }));
}

export function evidenceJson(pack: EvidencePack) {
  return { ...evidenceHeaderJson(pack), exceptions: exceptionsJson(pack.exceptions), releases: pack.releases.map(releaseJson) };
}

/** One page: the range's totals, this page's exceptions and releases, and the boundaries of the pages beside it. */
export function evidencePageJson(page: EvidencePage) {
  return {
    ...evidenceHeaderJson(page),
    page: page.page,
    exceptions: exceptionsJson(page.exceptions),
    releases: page.releases.map(releaseJson),
  };
}
