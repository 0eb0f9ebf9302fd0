import type { DiffItem } from "@/lib/domain/permission-diff";
import { RISK_LEVELS, type RiskLevel } from "@/lib/domain/terms";
import { ConfigError } from "./command";

/** How `export` and `diff` print: text for a terminal, json for scripts, markdown for a GitHub step summary. */
export const OUTPUT_FORMATS = ["text", "json", "markdown"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What `diff --fail-on` can stop a pipeline on. */
export const FAIL_ON = ["escalation", "high", "critical"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export type ExportReport = { agent: string; environment: string; version: number; changeNumber: string | null; yaml: string };

export type DiffReport = {
  agent: string;
  environment: string;
  /** The version the environment runs: the base of the comparison. */
  version: number;
  /** The local file (or files) compared with it. */
  file: string;
  workflow: { name: string; riskClass: RiskLevel };
  tier: RiskLevel;
  reasons: string[];
  /** Escalations first, as the domain sorts them. */
  diff: DiffItem[];
};

export function escalates(report: Pick<DiffReport, "diff">): boolean {
  return report.diff.some((item) => item.direction === "escalation");
}

export function parseFormat(value: string | undefined): OutputFormat {
  const format = value ?? "text";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
    throw new ConfigError(`unknown format "${format}"; expected text, json or markdown`);
  return format as OutputFormat;
}

/** `--fail-on`, checked before anything is sent. */
export function parseFailOn(value: string | undefined): FailOn | undefined {
  if (value !== undefined && !(FAIL_ON as readonly string[]).includes(value))
    throw new ConfigError(`unknown --fail-on "${value}"; expected escalation, high or critical`);
  return value as FailOn | undefined;
}

/** Whether `--fail-on` is met: any escalation, or a tier at least as high as the one named. */
export function failOnMet(report: Pick<DiffReport, "diff" | "tier">, failOn: FailOn): boolean {
  if (failOn === "escalation") return escalates(report);
  return RISK_LEVELS.indexOf(report.tier) >= RISK_LEVELS.indexOf(failOn);
}

export function formatExport(report: ExportReport, format: OutputFormat): string {
  const source = `${report.agent} as ${report.environment} runs it: v${report.version}${report.changeNumber ? ` (${report.changeNumber})` : ""}`;
  if (format === "json") return JSON.stringify(report, null, 2) + "\n";
  if (format === "markdown") return `### ${source}\n\n\`\`\`yaml\n${report.yaml.trimEnd()}\n\`\`\`\n`;
  // A YAML comment keeps the file a valid spec while saying where it came from.
  return `# ${source}\n${report.yaml}`;
}

const ARROW: Record<DiffItem["direction"], string> = { escalation: "▲", reduction: "▼", neutral: "•" };

function describe(report: DiffReport): string {
  return `${report.agent} in ${report.environment} (v${report.version}) compared with ${report.file}`;
}

function tierLine(report: DiffReport): string {
  return `${report.tier} (workflow ${report.workflow.name}, a ${report.workflow.riskClass}-risk workflow); ${escalationCount(report.diff)}`;
}

export function formatDiff(report: DiffReport, format: OutputFormat): string {
  if (format === "json") return JSON.stringify({ ...report, escalates: escalates(report) }, null, 2) + "\n";
  if (format === "markdown") return diffMarkdown(report);
  const lines = [describe(report), `Risk tier: ${tierLine(report)}`];
  if (report.reasons.length > 0) lines.push("Why:", ...report.reasons.map((r) => `  - ${r}`));
  if (report.diff.length === 0) lines.push("No permission changes.");
  else {
    lines.push("Permission diff:");
    const width = Math.max(...report.diff.map((i) => i.direction.length));
    for (const item of report.diff)
      lines.push(`  ${ARROW[item.direction]} ${item.direction.padEnd(width)}  ${item.summary}  [${item.path}]`);
  }
  return lines.join("\n") + "\n";
}

/** Text in markdown that must stay text: a title or a reason cannot open a link, a heading or emphasis. */
function inline(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]()<>#!|~]/g, (c) => `\\${c}`);
}

/** A table cell: pipes and line breaks would end the cell or the row. */
function cell(text: string): string {
  return oneLine(text).replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
}

/** Text from the server on one line, with no control characters: a lone CR or an ANSI escape could forge output. */
function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, " ").replace(/[\u0000-\u001f\u007f-\u009f]/g, "");
}

function diffMarkdown(report: DiffReport): string {
  const out = [
    `### Countersign: ${cell(describe(report))}`,
    "",
    `**Risk tier: ${report.tier}**${tierLine(report).slice(report.tier.length)}`,
    "",
  ];
  if (report.reasons.length > 0) out.push(...report.reasons.map((r) => `- ${inline(r)}`), "");
  if (report.diff.length === 0) out.push("No permission changes.");
  else {
    out.push("| Direction | Domain | Change | Where |", "| --- | --- | --- | --- |");
    for (const item of report.diff)
      out.push(
        `| ${ARROW[item.direction]} ${item.direction} | ${item.domain} | ${cell(item.summary)} | \`${cell(item.path).replace(/`/g, "'")}\` |`,
      );
  }
  return out.join("\n") + "\n";
}

/** What `propose` reports: the change record opened or updated, as the server assessed it. */
export type ProposalReport = {
  number: string;
  url: string;
  /** A new change, or the open change from the same branch, updated. */
  created: boolean;
  state: string;
  agent: string;
  title: string;
  branch: string | null;
  /** Null while the proposed spec does not validate: nothing to assess yet. */
  tier: RiskLevel | null;
  reasons: string[];
  diff: DiffItem[];
  /** Who must sign, and where each sign-off stands (`not asked yet` on a draft). */
  signoffs: { role: string; reason: string; status: string }[];
  /** What keeps a draft from review, one line each. */
  problems: string[];
};

/** `--fail-on` on a proposal. A change the server could not assess (its spec does not validate) fails closed: it is not known to be under the line. */
export function proposalFailOnMet(report: ProposalReport, failOn: FailOn): boolean {
  return report.tier ? failOnMet({ diff: report.diff, tier: report.tier }, failOn) : true;
}

function proposalHeadline(report: ProposalReport): string {
  const from = report.branch ? `, from branch ${report.branch}` : "";
  return `${report.number} ${report.created ? "opened" : "updated"}: ${report.title || "(untitled)"} (${report.agent}${from})`;
}

function escalationCount(diff: DiffItem[]): string {
  const count = diff.filter((i) => i.direction === "escalation").length;
  return count === 0 ? "no escalation of authority" : `${count} escalation${count === 1 ? "" : "s"} of authority`;
}

export function formatProposal(report: ProposalReport, format: OutputFormat): string {
  if (format === "json") return JSON.stringify({ ...report, escalates: escalates(report) }, null, 2) + "\n";
  const tier = report.tier ? `${report.tier}; ${escalationCount(report.diff)}` : "not assessed: the proposed spec does not validate";
  if (format === "markdown") {
    const out = [
      `### Countersign: [${inline(proposalHeadline(report))}](${report.url})`,
      "",
      `**Risk tier: ${tier}** · state: ${report.state.replace("_", " ")}`,
      "",
    ];
    if (report.reasons.length > 0) out.push(...report.reasons.map((r) => `- ${inline(r)}`), "");
    if (report.diff.length > 0) {
      out.push("| Direction | Domain | Change |", "| --- | --- | --- |");
      for (const item of report.diff) out.push(`| ${ARROW[item.direction]} ${item.direction} | ${item.domain} | ${cell(item.summary)} |`);
      out.push("");
    } else out.push("No permission changes.", "");
    if (report.signoffs.length > 0) {
      out.push("| Sign-off | Status | Why |", "| --- | --- | --- |");
      for (const s of report.signoffs) out.push(`| ${s.role} | ${s.status} | ${cell(s.reason)} |`);
    } else out.push("No sign-off needed.");
    if (report.problems.length > 0) out.push("", "**Before it can go to review:**", ...report.problems.map((p) => `- ${cell(p)}`));
    return out.join("\n") + "\n";
  }
  const lines = [proposalHeadline(report), report.url, `State: ${report.state.replace("_", " ")}`, `Risk tier: ${tier}`];
  if (report.reasons.length > 0) lines.push("Why:", ...report.reasons.map((r) => `  - ${r}`));
  if (report.diff.length === 0) lines.push("No permission changes.");
  else {
    lines.push("Permission diff:");
    for (const item of report.diff) lines.push(`  ${ARROW[item.direction]} ${item.direction}  ${item.summary}`);
  }
  if (report.signoffs.length === 0) lines.push("No sign-off needed.");
  else {
    lines.push("Sign-offs:");
    const width = Math.max(...report.signoffs.map((s) => s.role.length));
    for (const s of report.signoffs) lines.push(`  ${s.role.padEnd(width)}  ${s.status}  ${s.reason}`);
  }
  if (report.problems.length > 0) lines.push("Before it can go to review:", ...report.problems.map((p) => `  - ${p}`));
  return lines.join("\n") + "\n";
}

/** What `observe` reports: the observation, what it was compared with, and the drift record it opened, joined or closed. */
export type ObservationReport = {
  agent: string;
  environment: string;
  source: string;
  observedAt: string;
  inSync: boolean;
  /** The version deployed there at `observedAt`; null when none was. */
  comparedWith: number | null;
  /** Where the agent's drift is shown and resolved. */
  url: string;
  drift: {
    number: string;
    /** Opened by this observation, joined by it (updated), or closed by it (back in sync). */
    outcome: "opened" | "updated" | "closed";
    severity: RiskLevel;
    reasons: string[];
    /** Escalations first. */
    diff: DiffItem[];
    resolution: { action: string; reason: string; expiresAt: string | null; change: string | null } | null;
    acceptanceLapsedAt: string | null;
    closedReason: string | null;
  } | null;
};

/** `--fail-on` on an observation: only a drifting one can meet it; drift without a record to weigh fails closed. */
export function observationFailOnMet(report: ObservationReport, failOn: FailOn): boolean {
  if (report.inSync) return false;
  return report.drift ? failOnMet({ diff: report.drift.diff, tier: report.drift.severity }, failOn) : true;
}

const CLOSED_BECAUSE: Record<string, string> = {
  returned_to_approved: "it returned to the approved version",
  adopted: "the adopted change was released",
  restored: "the approved version was restored",
};

function observationHeadline(report: ObservationReport): string {
  const where = `${report.agent} in ${report.environment}`;
  const drift = report.drift;
  if (!drift) return report.inSync ? `${where} is in sync with v${report.comparedWith}` : `${where} differs from what is deployed there`;
  if (drift.outcome === "closed")
    return `drift ${drift.number} closed: ${where} is in sync with v${report.comparedWith}; ${CLOSED_BECAUSE[drift.closedReason ?? ""] ?? "it is back in sync"}`;
  const against =
    report.comparedWith === null
      ? "runs with no approved version deployed there"
      : `differs from v${report.comparedWith}, the approved version`;
  return `drift ${drift.number} (${drift.severity}) ${drift.outcome}: ${where} ${against}`;
}

/** The standing resolution of open drift, in a line; null when none is in force. */
function resolutionLine(drift: NonNullable<ObservationReport["drift"]>): string | null {
  if (drift.outcome === "closed") return null;
  if (drift.acceptanceLapsedAt && !drift.resolution)
    return `The risk acceptance lapsed on ${drift.acceptanceLapsedAt}: the drift needs a decision again.`;
  const r = drift.resolution;
  if (!r) return "Not resolved yet: adopt it as a change, restore the approved version, or accept the risk for a while.";
  if (r.action === "adopt") return `Adopted as ${r.change ?? "a change"}: it closes once that change is released and observed in sync.`;
  if (r.action === "restore") return "Being restored: it closes once the approved version is observed again.";
  return `Risk accepted until ${r.expiresAt ?? "?"}: ${r.reason}`;
}

export function formatObservation(report: ObservationReport, format: OutputFormat): string {
  const escalating = report.drift !== null && report.drift.outcome !== "closed" && escalates(report.drift);
  if (format === "json") return JSON.stringify({ ...report, escalates: escalating }, null, 2) + "\n";
  const drift = report.drift;
  const seen = `Observed ${report.observedAt} by ${report.source}`;
  const standing = drift ? resolutionLine(drift) : null;
  const open = drift && drift.outcome !== "closed" ? drift : null;
  if (format === "markdown") {
    const headline = inline(observationHeadline(report));
    const out = [`### Countersign: ${drift ? `[${headline}](${report.url})` : headline}`, "", inline(seen), ""];
    if (open) {
      out.push(`**Severity: ${open.severity}**; ${escalationCount(open.diff)}`, "");
      if (open.reasons.length > 0) out.push(...open.reasons.map((r) => `- ${inline(r)}`), "");
      if (open.diff.length > 0) {
        out.push("| Direction | Domain | Change |", "| --- | --- | --- |");
        for (const item of open.diff) out.push(`| ${ARROW[item.direction]} ${item.direction} | ${item.domain} | ${cell(item.summary)} |`);
        out.push("");
      } else out.push("No permission changes.", "");
      if (standing) out.push(inline(standing));
    }
    return out.join("\n").trimEnd() + "\n";
  }
  const lines = [oneLine(observationHeadline(report)), oneLine(seen)];
  if (drift) lines.push(report.url);
  if (open) {
    lines.push(`Severity: ${open.severity}; ${escalationCount(open.diff)}`);
    if (open.reasons.length > 0) lines.push("Why:", ...open.reasons.map((r) => `  - ${oneLine(r)}`));
    if (open.diff.length === 0) lines.push("No permission changes.");
    else {
      lines.push("Permission diff:");
      for (const item of open.diff) lines.push(`  ${ARROW[item.direction]} ${item.direction}  ${oneLine(item.summary)}`);
    }
    if (standing) lines.push(oneLine(standing));
  }
  return lines.join("\n") + "\n";
}
