/**
 * Series colours for charts, as CSS variables (defined for both themes in app/globals.css): a chart drawn
 * with them follows the light or dark theme without redrawing.
 */
export const CHART_COLORS = {
  brand: "var(--chart-brand)",
  brandSoft: "var(--chart-brand-soft)",
  neutral: "var(--chart-neutral)",
  danger: "var(--chart-danger)",
  dangerStrong: "var(--chart-danger-strong)",
  warning: "var(--chart-warning)",
  violet: "var(--chart-violet)",
} as const;
