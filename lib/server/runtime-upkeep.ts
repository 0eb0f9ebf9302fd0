import "server-only";
import { getDb } from "@/db";
import { pruneRuntimeEvidence } from "./runtime-ingest";

const EVERY_MS = 15 * 60_000;

/**
 * Retention runs on its own too: an agent that stopped sending still has its kept traces deleted when their
 * retention ends (ingestion also prunes, a bounded amount per export). Started once per server process.
 */
export function keepRuntimeEvidenceTidy(): void {
  const holder = globalThis as typeof globalThis & { countersignRuntimeUpkeep?: NodeJS.Timeout };
  if (holder.countersignRuntimeUpkeep) return;
  const tick = () => {
    try {
      const db = getDb();
      db.transaction((tx) => pruneRuntimeEvidence(tx, Date.now()), { behavior: "immediate" });
    } catch (error) {
      console.error("Runtime evidence upkeep failed; it will try again", error);
    }
  };
  holder.countersignRuntimeUpkeep = setInterval(tick, EVERY_MS);
  holder.countersignRuntimeUpkeep.unref();
}
