import "server-only";
import { changeNumberLabel } from "@/lib/domain/terms";
import { toIso } from "./api";
import type { DeploymentView } from "./deployments";
import type { RecordedEvalRun } from "./evals";
import type { IncidentView } from "./incidents";

/** The API's shapes of deployments, eval runs and incidents: ISO times, agents by slug, CR-numbers. */

const label = (n: number | null) => (n === null ? null : changeNumberLabel(n));

export function deploymentJson(d: DeploymentView) {
  return {
    id: d.id,
    agent: d.agent,
    environment: d.environment,
    version: d.version,
    specHash: d.specHash,
    kind: d.kind,
    deployedAt: toIso(d.deployedAt),
    deployedBy: d.deployedBy,
    changeNumber: label(d.changeNumber),
    replacedVersion: d.replacedVersion,
    reason: d.reason,
  };
}

export function evalRunJson(e: RecordedEvalRun) {
  return { ...e, changeNumber: label(e.changeNumber), recordedAt: toIso(e.recordedAt) };
}

export function incidentJson(i: IncidentView) {
  return {
    id: i.id,
    agent: i.agent,
    deploymentId: i.deploymentId,
    severity: i.severity,
    title: i.title,
    detectedAt: toIso(i.detectedAt),
    resolvedAt: toIso(i.resolvedAt),
    resolution: i.resolution,
    fixChangeNumber: label(i.fixChangeNumber),
    openedBy: i.openedBy,
  };
}
