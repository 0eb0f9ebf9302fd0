/** How the charts and the numbers around them say durations, shares and weeks to people. */

export type Unit = "count" | "hours" | "percent";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** At most `digits` decimals, without trailing zeros: 2.30 → "2.3", 18.0 → "18". */
export function decimal(n: number, digits = 1): string {
  return String(Number(n.toFixed(digits)));
}

/** "35 min", "2.8 h", "18 h", "2.3 days", "41 days"; "—" when there is nothing to measure. */
export function formatHours(hours: number | null): string {
  if (hours === null) return "—";
  if (hours < 1) {
    const minutes = Math.round(hours * 60);
    return minutes === 60 ? "1 h" : `${minutes} min`;
  }
  if (hours < 10) return `${decimal(hours)} h`;
  if (hours < 48) return `${Math.round(hours)} h`;
  const days = hours / 24;
  return `${days < 10 ? decimal(days) : Math.round(days)} days`;
}

/** A share (0–1) as a percentage, one decimal at most: "5.5%", "0%"; "—" when there is nothing to divide. */
export function formatPercent(share: number | null): string {
  return share === null ? "—" : `${decimal(share * 100)}%`;
}

export function formatValue(value: number | null, unit: Unit): string {
  if (unit === "hours") return formatHours(value);
  if (unit === "percent") return formatPercent(value);
  return value === null ? "—" : decimal(value);
}

/** An axis tick: short, and in days once the axis reaches three days. */
export function formatTick(value: number, unit: Unit, max: number): string {
  if (unit === "percent") return `${decimal(value * 100, 0)}%`;
  if (unit === "hours") return max >= 72 ? `${decimal(value / 24)} d` : `${decimal(value)} h`;
  return decimal(value);
}

/** A YYYY-MM-DD date as "Mar 2" (or "Mar 2, 2026"), read as UTC whatever the viewer's time zone. */
export function formatDay(isoDate: string, withYear = false): string {
  const [year, month, day] = isoDate.split("-").map(Number);
  const short = `${MONTHS[(month ?? 1) - 1]} ${day}`;
  return withYear ? `${short}, ${year}` : short;
}

const HOUR_STEPS = [0.25, 0.5, 1, 2, 3, 6, 12, 24];
const DAY_STEPS = [1, 2, 5, 7, 14, 30, 60, 90, 180, 365].map((d) => d * 24);
const SHARE_STEPS = [0.05, 0.1, 0.2, 0.25, 0.5];

/**
 * Round ticks for a duration or share axis (whole hours or days, round percentages), at most five
 * intervals; undefined lets the chart choose (counts).
 */
export function niceTicks(max: number, unit: Unit): number[] | undefined {
  const steps = unit === "hours" ? (max >= 72 ? DAY_STEPS : HOUR_STEPS) : unit === "percent" ? SHARE_STEPS : null;
  if (!steps) return undefined;
  const top = Math.max(max, unit === "percent" ? 0.1 : 1);
  const step = steps.find((s) => top / s <= 5) ?? steps[steps.length - 1]!;
  const count = Math.ceil(top / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => i * step);
}
