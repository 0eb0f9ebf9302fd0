/** A datetime-local value has no zone; the forms label it UTC, so it is sent as UTC. Empty means "now". */
export function utcIso(value: string): string | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : /Z$/.test(value) ? value : `${value}Z`;
}
