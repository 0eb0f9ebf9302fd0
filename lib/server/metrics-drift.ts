import "server-only";
import { getDb } from "@/db";
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

function agentScope(scope: MetricsScope): string {
  return [
    scope.workflow && "a.workflow_id = (SELECT id FROM workflows WHERE slug = @workflow)",
    scope.platform && "a.platform = @platform",
    scope.agent && "a.slug = @agent",
  ]
    .filter(Boolean)
    .map((c) => ` AND ${c}`)
    .join("");
}

const params = (scope: MetricsScope, extra: Record<string, unknown>) => ({
  ...(scope.workflow && { workflow: scope.workflow }),
  ...(scope.platform && { platform: scope.platform }),
  ...(scope.agent && { agent: scope.agent }),
  ...(scope.risk && { risk: scope.risk }),
  ...extra,
});

export function driftMetricsFor(scope: MetricsScope, range: DoraRange, now: number): DriftMetrics {
  const sqlite = getDb().$client;
  const agentsWhere = agentScope(scope);
  const risk = scope.risk ? " AND r.severity = @risk" : "";
  const open = sqlite
    .prepare(
      `SELECT COUNT(*) FROM drift_records r JOIN agents a ON a.id = r.agent_id
       WHERE r.state = 'open' AND r.environment = 'production'${risk}${agentsWhere}`,
    )
    .pluck()
    .get(params(scope, {})) as number;
  // A record closes after it opens, so one closed in the range opened before its end: the (state, opened_at) index bounds the walk.
  const [count, totalMs] = sqlite
    .prepare(
      `SELECT COUNT(*), COALESCE(SUM(r.closed_at - r.opened_at), 0) FROM drift_records r JOIN agents a ON a.id = r.agent_id
       WHERE r.state = 'closed' AND r.environment = 'production' AND r.opened_at < @to
         AND r.closed_at >= @from AND r.closed_at < @to${risk}${agentsWhere}`,
    )
    .raw()
    .get(params(scope, { from: range.from, to: range.to })) as [number, number];
  const lastObserved = sqlite
    .prepare(
      `SELECT (SELECT MAX(o.observed_at) FROM observations o WHERE o.agent_id = a.id AND o.environment = 'production')
       FROM agents a
       WHERE a.status = 'active'${agentsWhere}
         AND EXISTS (SELECT 1 FROM deployments p WHERE p.agent_id = a.id AND p.environment = 'production')`,
    )
    .pluck()
    .all(params(scope, {})) as (number | null)[];
  return driftMetrics(
    { open, resolved: { count, totalMs }, lastObservedInProduction: lastObserved },
    postureSettings.unobservedAfterMs,
    now,
  );
}
