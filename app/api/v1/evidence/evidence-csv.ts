import { csvField, type CsvCell } from "@/lib/csv";
import { durationInWords } from "@/lib/domain/drift-metrics";
import { changeNumberLabel } from "@/lib/domain/terms";
import type { EvidenceHeader, EvidencePack, EvidenceRelease } from "@/lib/server/evidence";
import { breachCsvCell } from "@/lib/server/evidence-breaches";

/**
 * The evidence pack as CSV that spreadsheets open cleanly. The first eight lines name the pack as
 * two-cell rows (generated_at, range_from, range_to_exclusive, workflow, agent, chain_count,
 * chain_head_hash, chain_verified); a blank line follows; then the release table, one row per
 * release, releases with exceptions first. Tools reading the table skip the first nine lines.
 * The download is written as it is read: the preamble and the table's header first, then each batch.
 */

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

const RELEASE_COLUMNS = [
  "change",
  "title",
  "agent",
  "workflow",
  "exceptions",
  "exception_details",
  "author",
  "risk_tier",
  "deployment_kind",
  "deployed_at",
  "deployed_by",
  "version",
  "replaced_version",
  "base_version",
  "spec_hash",
  "content_hash",
  "approvals",
  "approvals_after_deployment",
  "eval_runs",
  "emergency_justification",
  "retro_signoff_due_at",
  "retro_signoff_completed_at",
  "retro_signoff_overdue",
  "rolled_back_at",
  "incidents",
  "runtime_breaches",
  "drift",
] as const;

/** The pack's preamble, a blank line and the table's header, as rows of cells. */
function headRows(pack: Omit<EvidenceHeader, "totals">): CsvCell[][] {
  return [
    ["generated_at", iso(pack.generatedAt)],
    ["range_from", iso(pack.range.from)],
    ["range_to_exclusive", iso(pack.range.to)],
    ["workflow", pack.filters.workflow],
    ["agent", pack.filters.agent],
    ["chain_count", pack.chain.count],
    ["chain_head_hash", pack.chain.headHash],
    ["chain_verified", String(pack.chain.verified)],
    [],
    [...RELEASE_COLUMNS],
  ];
}

function releaseRow(r: EvidenceRelease): CsvCell[] {
  const { change: c, deployment: d } = r;
  const retro = r.emergency?.retro ?? null;
  return [
    changeNumberLabel(c.number),
    c.title,
    c.agent.slug,
    c.agent.workflow.name,
    r.exceptions.map((e) => e.label).join("; "),
    r.exceptions.map((e) => `${e.label}: ${e.detail}`).join("; "),
    c.author.kind === "user" ? c.author.email : `token:${c.author.name}`,
    c.riskTier,
    d.kind,
    iso(d.deployedAt),
    d.deployedBy,
    d.version,
    d.replacedVersion,
    c.baseVersion?.number ?? null,
    d.specHash,
    c.contentHash,
    c.standardChange
      ? `standard change: ${c.standardChange}`
      : r.approvals.map((a) => `${a.role} by ${a.signer} at ${iso(a.decidedAt)}`).join("; "),
    r.approvals.filter((a) => !a.precededDeployment).length,
    r.evalRuns.map((e) => `${e.suite} ${e.passed}/${e.passed + e.failed} ${e.environment} ${iso(e.recordedAt)}`).join("; "),
    r.emergency?.justification ?? null,
    iso(retro?.dueAt ?? null),
    iso(retro?.completedAt ?? null),
    retro ? String(retro.overdue) : null,
    iso(r.rollbacks[0]?.deployedAt ?? null),
    r.incidents.map((i) => `${i.severity} ${i.relation}: ${i.title}`).join("; "),
    // "BR-3 forbidden action stripe:customers.delete ×2 <first>–<last> incident sev2 open <id>": each breach of its version in production.
    r.breaches.map(breachCsvCell).join("; "),
    // "DR-4 high 3 days 4 hours": each drift record of the release, its severity and how long it ran unapproved.
    r.exceptions
      .flatMap((e) => (e.drift ? [`${e.drift.record} ${e.drift.severity} ${durationInWords(e.drift.durationMs)}`] : []))
      .join("; "),
  ];
}

/** Every cell through the shared formula-safe quoting, CRLF line ends. */
const lines = (rows: CsvCell[][]) => rows.map((row) => row.map(csvField).join(",") + "\r\n").join("");

/** The file's start: the preamble and the table's header. */
export function evidenceCsvHead(pack: Omit<EvidenceHeader, "totals">): string {
  return lines(headRows(pack));
}

/** A batch of the table's rows. */
export function evidenceCsvRows(releases: EvidenceRelease[]): string {
  return lines(releases.map(releaseRow));
}

/** The whole file at once, for a pack already in memory. */
export function evidenceCsv(pack: EvidencePack): string {
  return evidenceCsvHead(pack) + evidenceCsvRows(pack.releases);
}
