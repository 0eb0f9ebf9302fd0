import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { rows, type DB } from "@/db";
import { BREACH_LABELS, type BreachKind } from "@/lib/domain/runtime";
import type { Severity } from "@/lib/domain/terms";
import { breachNumberLabel } from "./breaches";
import type { ReleaseRow } from "./evidence-releases";

/**
 * A production release breached when its version broke its grants or crossed a harm threshold in production:
 * a breach record `b` on the release `d`'s own version. A change is released to production once and each
 * version is its change's, so the version names the release; a rollback that put the version back in
 * production later runs the same approved grants, and what it breached then is still this release's.
 * The records are read from (agent_id, first_at): a few rows per release.
 */
export const breachOfRelease: SQL = sql`b.agent_id = d.agent_id AND b.environment = 'production' AND b.version_id = d.version_id`;

/** The exception as a condition on a release, and as a count (one exception per breach record). */
export const breachedCondition: SQL = sql`EXISTS (SELECT 1 FROM breaches b WHERE ${breachOfRelease})`;
export const breachedCount: SQL = sql`(SELECT COUNT(*) FROM breaches b WHERE ${breachOfRelease})`;

/** What the pack says of one breach record: which, what was broken, when, how often, and its incident. */
export type ReleaseBreach = {
  /** "BR-7". */
  number: string;
  kind: BreachKind;
  /** BREACH_LABELS: "ungranted action", "harm threshold"… */
  label: string;
  /** `system:action` of an authority breach; null for a harm threshold. */
  action: string | null;
  /** The metric of a harm threshold; null for an authority breach. */
  metric: string | null;
  detail: string;
  firstAt: number;
  lastAt: number;
  /** Authority breaches: the calls of that UTC day; a harm threshold counts once. */
  occurrences: number;
  /** Harm thresholds: the value read when it last crossed, and the threshold as declared. */
  value: number | null;
  threshold: string | null;
  /** Harm thresholds: when the metric came back within (null while it is still crossed); an authority breach never clears. */
  clearedAt: number | null;
  /** The trace kept as evidence of an authority breach. */
  trace: string | null;
  /** The incident it opened or joined (the policy's runtime section decides whether one opens). */
  incident: { id: string; severity: Severity; title: string; resolvedAt: number | null } | null;
};

type Row = {
  deploymentId: string;
  number: number;
  kind: BreachKind;
  subject: string;
  detail: string;
  firstAt: number;
  lastAt: number;
  occurrences: number;
  value: number | null;
  threshold: string | null;
  clearedAt: number | null;
  trace: string | null;
  incidentId: string | null;
  severity: Severity | null;
  title: string | null;
  resolvedAt: number | null;
};

/** The breach records of a batch of releases, one query for the batch, by deployment id, oldest first. */
export async function breachesOfReleases(db: DB, releases: ReleaseRow[]): Promise<Map<string, ReleaseBreach[]>> {
  const found = new Map<string, ReleaseBreach[]>();
  if (releases.length === 0) return found;
  const matches = await rows<Row>(
    sql`
    SELECT d.id AS "deploymentId", b.number AS number, b.kind AS kind, b.subject AS subject, b.detail AS detail,
      b.first_at AS "firstAt", b.last_at AS "lastAt", b.occurrences AS occurrences, b.value AS value, b.threshold AS threshold,
      b.cleared_at AS "clearedAt", b.trace_id AS trace, b.incident_id AS "incidentId",
      i.severity AS severity, i.title AS title, i.resolved_at AS "resolvedAt"
    FROM deployments d JOIN breaches b ON ${breachOfRelease}
      LEFT JOIN incidents i ON i.id = b.incident_id
    WHERE d.id IN ${releases.map((r) => r.id)}
    ORDER BY b.first_at, b.number`,
    db,
  );
  for (const m of matches) {
    const harm = m.kind === "harm_threshold";
    const breach: ReleaseBreach = {
      number: breachNumberLabel(m.number),
      kind: m.kind,
      label: BREACH_LABELS[m.kind],
      action: harm ? null : m.subject,
      metric: harm ? m.subject : null,
      detail: m.detail,
      firstAt: m.firstAt,
      lastAt: m.lastAt,
      occurrences: m.occurrences,
      value: m.value,
      threshold: m.threshold,
      clearedAt: m.clearedAt,
      trace: m.trace,
      incident: m.incidentId ? { id: m.incidentId, severity: m.severity!, title: m.title!, resolvedAt: m.resolvedAt } : null,
    };
    found.set(m.deploymentId, [...(found.get(m.deploymentId) ?? []), breach]);
  }
  return found;
}

const at = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** How the breach's incident stands, for a sentence: "sev2 incident opened, still open". */
function incidentWords(incident: ReleaseBreach["incident"]): string {
  if (!incident) return "no incident";
  return `${incident.severity} incident, ${incident.resolvedAt === null ? "still open" : `resolved ${at(incident.resolvedAt)}`}`;
}

/**
 * "BR-3 (forbidden action, stripe:customers.delete): stripe:customers.delete is forbidden; 2 calls from
 * 2026-11-22 01:00 UTC to 2026-11-22 03:00 UTC; sev2 incident, still open".
 */
export function breachDetail(b: ReleaseBreach): string {
  const what = `${b.number} (${b.label}, ${b.action ?? b.metric}): ${b.detail}`;
  if (b.kind === "harm_threshold") {
    const state =
      b.clearedAt === null ? `crossed since ${at(b.firstAt)}, still crossed` : `crossed ${at(b.firstAt)}, back within ${at(b.clearedAt)}`;
    return `${what}; ${state}; ${incidentWords(b.incident)}`;
  }
  const when = b.occurrences === 1 ? `1 call at ${at(b.firstAt)}` : `${b.occurrences} calls from ${at(b.firstAt)} to ${at(b.lastAt)}`;
  return `${what}; ${when}; ${incidentWords(b.incident)}`;
}

/** "BR-3 forbidden action stripe:customers.delete ×2 2026-11-22T01:00:00.000Z–2026-11-22T03:00:00.000Z incident sev2 open": one CSV cell's part. */
export function breachCsvCell(b: ReleaseBreach): string {
  const iso = (t: number) => new Date(t).toISOString();
  const span = b.firstAt === b.lastAt ? iso(b.firstAt) : `${iso(b.firstAt)}–${iso(b.lastAt)}`;
  const measure = b.kind === "harm_threshold" ? ` = ${b.value ?? "?"} (${b.threshold ?? "?"})` : ` ×${b.occurrences}`;
  const cleared = b.kind === "harm_threshold" ? (b.clearedAt === null ? " still crossed" : ` cleared ${iso(b.clearedAt)}`) : "";
  const incident = b.incident
    ? ` incident ${b.incident.severity} ${b.incident.resolvedAt === null ? "open" : "resolved"} ${b.incident.id}`
    : "";
  return `${b.number} ${b.label} ${b.action ?? b.metric}${measure} ${span}${cleared}${incident}`;
}
