import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db";
import { settings } from "@/db/schema";

/** A notice shown across the top of every page, e.g. that this instance holds demo data. */
export function instanceBanner(): string | null {
  return getDb().select({ value: settings.value }).from(settings).where(eq(settings.key, "banner")).get()?.value ?? null;
}
