export type Verdict = "met" | "missed" | "n/a";

export type Row = { measurement: string; figures: string; budget: string; verdict: Verdict; note?: string };

const verdictText = (row: Row) => (row.note ? `${row.verdict} (${row.note})` : row.verdict);

/** The table as monospaced text, for the terminal. */
export function textTable(rows: Row[]): string {
  const header = ["measurement", "figures", "budget", "met?"];
  const cells = rows.map((r) => [r.measurement, r.figures, r.budget, verdictText(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((cell, i) => cell.padEnd(widths[i]!)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

const escape = (cell: string) => cell.replaceAll("|", "\\|");

export function markdownTable(rows: Row[]): string {
  return [
    "| measurement | figures | budget | met? |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => `| ${[r.measurement, r.figures, r.budget, verdictText(r)].map(escape).join(" | ")} |`),
  ].join("\n");
}
