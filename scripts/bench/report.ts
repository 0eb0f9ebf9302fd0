export const ENGINES = ["sqlite", "postgres"] as const;
export type Engine = (typeof ENGINES)[number];

export const engineName = (engine: Engine) => (engine === "postgres" ? "PostgreSQL" : "SQLite");

export type Verdict = "met" | "missed" | "n/a";

export type Row = {
  measurement: string;
  figures: string;
  budget: string;
  verdict: Verdict;
  note?: string;
  /** The p95 latency the row is judged on, ms, for comparing runs (absent where the row has none: seeding, the browser). */
  p95Ms?: number;
  /** Answers that were not a success (non-2xx status counts, errors, timeouts), for comparing runs. */
  problems?: string[];
};

/** One run as written to reports/bench-<engine>.json, which `npm run bench:compare` reads. */
export type RunRecord = {
  engine: Engine;
  /** What the app ran on: the SQLite file's settings, or the PostgreSQL server's version and durability settings. */
  store: string;
  command: string;
  finishedAt: string;
  runSeconds: number;
  agents: number;
  duration: number;
  /** The Next.js build measured (.next/BUILD_ID): runs are comparable only on the same build. */
  buildId: string | null;
  method: string;
  machine: string[];
  rows: Row[];
};

const verdictText = (row: Row) => (row.note ? `${row.verdict} (${row.note})` : row.verdict);

/** Monospaced text, for the terminal. */
export function textGrid(header: string[], cells: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((cell, i) => cell.padEnd(widths[i]!)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

const escape = (cell: string) => cell.replaceAll("|", "\\|");

export function markdownGrid(header: string[], cells: string[][]): string {
  return [
    `| ${header.map(escape).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...cells.map((c) => `| ${c.map(escape).join(" | ")} |`),
  ].join("\n");
}

const HEADER = ["measurement", "figures", "budget", "met?"];
const cellsOf = (rows: Row[]) => rows.map((r) => [r.measurement, r.figures, r.budget, verdictText(r)]);

/** The table as monospaced text, for the terminal. */
export function textTable(rows: Row[]): string {
  return textGrid(HEADER, cellsOf(rows));
}

export function markdownTable(rows: Row[]): string {
  return markdownGrid(HEADER, cellsOf(rows));
}
