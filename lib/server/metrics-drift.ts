import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { rows } from "@/db";
import type { DoraRange } from "@/lib/domain/dora";
import { driftMetrics, type DriftMetrics } from "@/lib/domain/drift-metrics";
import { postureSettings } from "@/lib/env";
import type { MetricsScope } from "./metrics";

/**
 * The drift line beside the DORA numbers, for the dashboard's scope, in production (where the DORA numbers
 * are measured): drift records open now, the ones closed in the range and how long they had been open, and
 * the active agents running in production with when each was last observed there. The workflow, platform and
 * agent filters narrow the agents; the risk filter reads a drift record's severity (the same risk rules as a
 * change's tier) and leaves the share of production observed alone, since an agent has no tier of its own.
 */

function agentScope(scope: MetricsScope): SQL {
  return sql.join(
    [
      scope.workflow && sql` AND a.workflow_id = (SELECT id FROM workflows WHERE slug = ${scope.workflow})`,
      scope.platform && sql` AND a.platform = ${scope.platform}`,
      scope.agent && sql` AND a.slug = ${scope.agent}`,
    ].filter((c): c is SQL => Boolean(c)),
  );
}

export async function driftMetricsFor(scope: MetricsScope, range: DoraRange, now: number): Promise<DriftMetrics> {
  const agentsWhere = agentScope(scope);
  const risk = scope.risk ? sql` AND r.severity = ${scope.risk}` : sql``;
  const [{ open }] = (await rows<{ open: number }>(
    sql`SELECT COUNT(*) AS open FROM drift_records r JOIN agents a ON a.id = r.agent_id
       WHERE r.state = 'open' AND r.environment = 'production'${risk}${agentsWhere}`,
  )) as [{ open: number }];
  // A record closes after it opens, so one closed in the range opened before its end: the (state, opened_at) index bounds the walk.
  const [{ count, totalMs }] = (await rows<{ count: number; totalMs: number }>(
    sql`SELECT COUNT(*) AS count, COALESCE(SUM(r.closed_at - r.opened_at), 0) AS "totalMs" FROM drift_records r JOIN agents a ON a.id = r.agent_id
       WHERE r.state = 'closed' AND r.environment = 'production' AND r.opened_at < ${range.to}
         AND r.closed_at >= ${range.from} AND r.closed_at < ${range.to}${risk}${agentsWhere}`,
  )) as [{ count: number; totalMs: number }];
  const lastObserved = (
    await rows<{ at: number | null }>(
      sql`SELECT (SELECT MAX(o.observed_at) FROM observations o WHERE o.agent_id = a.id AND o.environment = 'production') AS at
       FROM agents a
       WHERE a.status = 'active'${agentsWhere}
         AND EXISTS (SELECT 1 FROM deployments p WHERE p.agent_id = a.id AND p.environment = 'production')`,
    )
  ).map((r) => r.at);
  return driftMetrics(
    { open, resolved: { count, totalMs }, lastObservedInProduction: lastObserved },
    postureSettings.unobservedAfterMs,
    now,
  );
}
