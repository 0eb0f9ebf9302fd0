import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/db";

export function databaseIsHealthy(): boolean {
  try {
    return getDb().get<{ ok: number }>(sql`SELECT 1 AS ok`)?.ok === 1;
  } catch (error) {
    console.error("Health check failed", error);
    return false;
  }
}
