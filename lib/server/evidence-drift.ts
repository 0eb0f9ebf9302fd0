import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { rows, type DB } from "@/db";
import { driftDuration, driftNumberLabel } from "@/lib/domain/drift";
import { durationInWords } from "@/lib/domain/drift-metrics";
import type { RiskLevel } from "@/lib/domain/terms";
import type { ReleaseRow } from "./evidence-releases";

/**
 * A production release drifted when production was observed running something else while the release was
 * the running version: a drift record `r` in production whose approved version is the release's, or that
 * opened between this deployment `d` and the agent's next production deployment (whatever its kind: a
 * rollback or the next release ends this one's watch). The next deployment is read from the
 * (agent, environment, deployed_at) index, and the records from (agent_id, opened_at): a few rows per release.
 */
const nextProductionDeployment = sql`(SELECT n.deployed_at FROM deployments n
    WHERE n.agent_id = d.agent_id AND n.environment = 'production' AND n.deployed_at >= d.deployed_at
      AND (n.deployed_at > d.deployed_at OR n.rowid > d.rowid)
    ORDER BY n.deployed_at, n.rowid LIMIT 1)`;

export const driftDuringRelease: SQL = sql`r.agent_id = d.agent_id AND r.environment = 'production'
  AND (r.approved_version_id = d.version_id
    OR (r.opened_at >= d.deployed_at AND r.opened_at < COALESCE(${nextProductionDeployment}, ${Number.MAX_SAFE_INTEGER})))`;

/** The exception as a condition on a release, and as a count (one exception per drift record). */
export const driftedCondition: SQL = sql`EXISTS (SELECT 1 FROM drift_records r WHERE ${driftDuringRelease})`;
export const driftedCount: SQL = sql`(SELECT COUNT(*) FROM drift_records r WHERE ${driftDuringRelease})`;

/** What the pack says of one drift record: which, how severe, and how long the version ran unapproved. */
export type ReleaseDrift = {
  record: string;
  severity: RiskLevel;
  openedAt: number;
  closedAt: number | null;
  /** driftDuration: from the first differing observation to the one that closed it, or to now. */
  durationMs: number;
};

/** The drift records of a batch of releases, one query for the batch, by deployment id, oldest first. */
export async function driftOfReleases(db: DB, releases: ReleaseRow[], now: number): Promise<Map<string, ReleaseDrift[]>> {
  const found = new Map<string, ReleaseDrift[]>();
  if (releases.length === 0) return found;
  const matches = await rows<{ deploymentId: string; number: number; severity: RiskLevel; openedAt: number; closedAt: number | null }>(
    sql`
    SELECT d.id AS "deploymentId", r.number AS number, r.severity AS severity, r.opened_at AS "openedAt", r.closed_at AS "closedAt"
    FROM deployments d JOIN drift_records r ON ${driftDuringRelease}
    WHERE d.id IN ${releases.map((r) => r.id)}
    ORDER BY r.opened_at, r.number`,
    db,
  );
  for (const m of matches) {
    const drift: ReleaseDrift = {
      record: driftNumberLabel(m.number),
      severity: m.severity,
      openedAt: m.openedAt,
      closedAt: m.closedAt,
      durationMs: driftDuration(m.openedAt, m.closedAt, now),
    };
    found.set(m.deploymentId, [...(found.get(m.deploymentId) ?? []), drift]);
  }
  return found;
}

const at = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** "DR-4 (high): production differed from the approved version from 2026-01-05 09:00 UTC to …; it ran unapproved for 3 days 4 hours". */
export function driftDetail(drift: ReleaseDrift): string {
  const span = drift.closedAt === null ? `since ${at(drift.openedAt)}, still open` : `from ${at(drift.openedAt)} to ${at(drift.closedAt)}`;
  return `${drift.record} (${drift.severity}): production was observed running something other than this version ${span}; it ran unapproved for ${durationInWords(drift.durationMs)}`;
}
