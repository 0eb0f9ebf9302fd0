/**
 * Which store this process runs on, fixed when it starts: PostgreSQL when DATABASE_URL is set (a
 * postgres:// URL; lib/env checks it), otherwise the embedded SQLite file at DATABASE_PATH.
 */
export type StoreEngine = "sqlite" | "postgres";

export const storeEngine: StoreEngine = process.env.DATABASE_URL?.trim() ? "postgres" : "sqlite";

/** A database URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
