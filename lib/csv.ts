/** CSV for spreadsheets: RFC 4180 quoting, CRLF line ends, and cells that cannot run as formulas. */

export type CsvCell = string | number | null;

/** One cell: quoted when needed; text that a spreadsheet would read as a formula is prefixed with ' so it stays text. */
export function csvField(value: CsvCell): string {
  const text = value === null ? "" : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvDocument(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** A CSV download named `countersign-<name>-<today>.csv`. */
export function csvResponse(name: string, header: string[], rows: CsvCell[][], now = Date.now()): Response {
  const stamp = new Date(now).toISOString().slice(0, 10);
  return new Response(csvDocument(header, rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="countersign-${name}-${stamp}.csv"`,
    },
  });
}
