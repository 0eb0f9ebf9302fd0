import "server-only";
import { eq } from "drizzle-orm";
import { first, getDb } from "@/db";
import { settings } from "@/db/schema";

/** A notice shown across the top of every page, e.g. that this instance holds demo data. */
export async function instanceBanner(): Promise<string | null> {
  return (await first(getDb().select({ value: settings.value }).from(settings).where(eq(settings.key, "banner"))))?.value ?? null;
}
