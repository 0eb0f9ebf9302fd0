import "server-only";
import { inArray } from "drizzle-orm";
import { getDb } from "@/db";
import { agents, changeRecords, incidents } from "@/db/schema";
import type { DoraMetricName, DoraMetrics } from "@/lib/domain/dora";
import { deploymentViews, type DeploymentView } from "./deployments";

/** The records behind a DORA number: every deployment, change record and incident it counts, with links. */

export { DORA_METRICS, DORA_METRIC_LABELS as METRIC_LABELS, type DoraMetricName } from "@/lib/domain/dora";

export type MetricRecord = {
  deployment: DeploymentView;
  agentName: string;
  change: { number: number; title: string } | null;
  /** When the counted thing happened: the release, or the failure's detection. */
  at: number;
  /** Hours measured for this record (lead time, recovery time), when the metric measures time. */
  hours: number | null;
  /** Why it counts, in words: "rolled back", "incident", "emergency release", "restored by rollback", … */
  note: string;
  incidents: { id: string; title: string; severity: string }[];
};

export function metricRecords(metrics: DoraMetrics, metric: DoraMetricName): MetricRecord[] {
  const rows = recordsOf(metrics, metric);
  if (rows.length === 0) return [];
  const db = getDb();
  const views = new Map(deploymentViews(db, [...new Set(rows.map((r) => r.deploymentId))]).map((d) => [d.id, d]));
  const incidentIds = [...new Set(rows.flatMap((r) => r.incidentIds))];
  const incidentRows = incidentIds.length
    ? new Map(
        db
          .select({ id: incidents.id, title: incidents.title, severity: incidents.severity })
          .from(incidents)
          .where(inArray(incidents.id, incidentIds))
          .all()
          .map((i) => [i.id, i]),
      )
    : new Map();
  const numbers = [...new Set([...views.values()].map((v) => v.changeNumber).filter((n): n is number => n !== null))];
  const titles = numbers.length
    ? new Map(
        db
          .select({ number: changeRecords.number, title: changeRecords.title })
          .from(changeRecords)
          .where(inArray(changeRecords.number, numbers))
          .all()
          .map((c) => [c.number, c.title]),
      )
    : new Map<number, string>();
  const names = new Map(
    db
      .select({ slug: agents.slug, name: agents.name })
      .from(agents)
      .where(inArray(agents.slug, [...new Set([...views.values()].map((v) => v.agent))]))
      .all()
      .map((a) => [a.slug, a.name]),
  );
  return rows.map((r) => {
    const deployment = views.get(r.deploymentId)!;
    return {
      deployment,
      agentName: names.get(deployment.agent) ?? deployment.agent,
      change:
        deployment.changeNumber !== null ? { number: deployment.changeNumber, title: titles.get(deployment.changeNumber) ?? "" } : null,
      at: r.at,
      hours: r.hours,
      note: r.note,
      incidents: r.incidentIds.map((id) => incidentRows.get(id)).filter(Boolean),
    };
  });
}

type Row = { deploymentId: string; at: number; hours: number | null; note: string; incidentIds: string[] };

const HOW: Record<string, string> = {
  rollback: "restored by rollback",
  fix_released: "restored by a fix release",
  incident_resolved: "incident resolved",
};
const WHY: Record<string, string> = { rollback: "rollback", emergency: "emergency release", incident_fix: "fix for an incident" };

function recordsOf(m: DoraMetrics, metric: DoraMetricName): Row[] {
  const failures = new Map(m.changeFailRate.items.map((f) => [f.deploymentId, f.incidentIds]));
  switch (metric) {
    case "leadTime":
      return m.leadTime.items.map((i) => ({
        deploymentId: i.deploymentId,
        at: i.releasedAt,
        hours: i.hours,
        note: "submitted → released to production",
        incidentIds: [],
      }));
    case "deploymentFrequency":
      return m.deploymentFrequency.items.map((i) => ({
        deploymentId: i.deploymentId,
        at: i.deployedAt,
        hours: null,
        note: "release",
        incidentIds: failures.get(i.deploymentId) ?? [],
      }));
    case "changeFailRate":
      return m.changeFailRate.items.map((i) => ({
        deploymentId: i.deploymentId,
        at: i.deployedAt,
        hours: null,
        note: [i.rolledBackBy && "rolled back", i.incidentIds.length > 0 && "incident"].filter(Boolean).join(" and "),
        incidentIds: i.incidentIds,
      }));
    case "recoveryTime":
      return m.recoveryTime.items.map((i) => ({
        deploymentId: i.deploymentId,
        at: i.detectedAt,
        hours: i.hours,
        note: i.how ? HOW[i.how]! : "not yet restored",
        incidentIds: failures.get(i.deploymentId) ?? [],
      }));
    case "reworkRate":
      return m.reworkRate.items.map((i) => ({
        deploymentId: i.deploymentId,
        at: i.deployedAt,
        hours: null,
        note: WHY[i.why]!,
        incidentIds: [],
      }));
  }
}
