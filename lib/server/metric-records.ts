import "server-only";
import { inArray } from "drizzle-orm";
import { getDb } from "@/db";
import { agents, changeRecords, incidents } from "@/db/schema";
import { deploymentViews, type DeploymentView } from "./deployments";
import type { DoraRecordRow } from "./metrics";

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

/** The records of one page of `doraRecords`, with the names, titles and incidents a person reads. */
export async function metricRecords(rows: DoraRecordRow[]): Promise<MetricRecord[]> {
  if (rows.length === 0) return [];
  const db = getDb();
  const views = new Map((await deploymentViews(db, [...new Set(rows.map((r) => r.deploymentId))])).map((d) => [d.id, d]));
  const incidentIds = [...new Set(rows.flatMap((r) => r.incidentIds))];
  const incidentRows = incidentIds.length
    ? new Map(
        (
          await db
            .select({ id: incidents.id, title: incidents.title, severity: incidents.severity })
            .from(incidents)
            .where(inArray(incidents.id, incidentIds))
        ).map((i) => [i.id, i]),
      )
    : new Map();
  const numbers = [...new Set([...views.values()].map((v) => v.changeNumber).filter((n): n is number => n !== null))];
  const titles = numbers.length
    ? new Map(
        (
          await db
            .select({ number: changeRecords.number, title: changeRecords.title })
            .from(changeRecords)
            .where(inArray(changeRecords.number, numbers))
        ).map((c) => [c.number, c.title]),
      )
    : new Map<number, string>();
  const names = new Map(
    (
      await db
        .select({ slug: agents.slug, name: agents.name })
        .from(agents)
        .where(inArray(agents.slug, [...new Set([...views.values()].map((v) => v.agent))]))
    ).map((a) => [a.slug, a.name]),
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
