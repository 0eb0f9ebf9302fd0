import type { MetricKey } from "./dora-format";

/** The id of the drill-down section, so a link to a number lands on its records. */
export const DRILL_DOWN_ID = "drill-down";

/**
 * A link into the dashboard: its filters (`query`, without drill), some of them changed (`set`, an
 * empty value removes one), and the drill-down of a metric, scrolled to.
 */
export function metricsHref({
  query = "",
  drill,
  set = {},
  basePath = "/metrics",
}: {
  query?: string;
  drill?: MetricKey | null;
  set?: Record<string, string>;
  basePath?: string;
}): string {
  const params = new URLSearchParams(query);
  params.delete("drill");
  params.delete("page");
  for (const [key, value] of Object.entries(set)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  if (drill) params.set("drill", drill);
  const search = params.toString();
  return `${basePath}${search ? `?${search}` : ""}${drill ? `#${DRILL_DOWN_ID}` : ""}`;
}
