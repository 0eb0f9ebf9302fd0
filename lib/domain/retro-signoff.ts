import type { SignoffStatus } from "./terms";

/** How long operations has to complete the full sign-off of an emergency release. */
export const RETRO_SIGNOFF_HOURS = 48;

export type RetroSignoffStatus = "pending" | "overdue" | "complete" | "rejected";

/**
 * An emergency release is signed in full afterwards: pending while a required sign-off is still
 * open before the deadline, overdue after it, complete when none is open. Null when no retro
 * sign-off was ever due (the change was not released as an emergency).
 */
export function retroSignoffStatus(dueAt: number | null, signoffs: { status: SignoffStatus }[], now: number): RetroSignoffStatus | null {
  if (dueAt === null) return null;
  if (signoffs.some((s) => s.status === "rejected")) return "rejected";
  if (!signoffs.some((s) => s.status === "pending")) return "complete";
  return now > dueAt ? "overdue" : "pending";
}
