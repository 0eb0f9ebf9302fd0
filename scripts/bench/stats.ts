/** Nearest-rank percentile of a list of milliseconds; undefined when there are none. */
export function percentile(samples: number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function ms(value: number | undefined): string {
  if (value === undefined) return "–";
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

export function kb(bytes: number | undefined): string {
  return bytes === undefined ? "–" : `${(bytes / 1024).toFixed(1)} KB`;
}

export function seconds(value: number): string {
  return `${value.toFixed(1)} s`;
}
