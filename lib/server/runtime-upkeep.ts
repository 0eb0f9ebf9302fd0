import "server-only";
import { withTransaction } from "@/db";
import { claimPeriodicRun } from "./periodic";
import { pruneRuntimeEvidence } from "./runtime-ingest";

const EVERY_MS = 15 * 60_000;
/** Passes one tidy-up makes at most (each deletes PRUNE_BATCH): millions of rows, and never an endless loop. */
const MAX_PASSES = 1_000;

/**
 * Deletes every kept trace past its retention and every span id past the retry window, however many piled
 * up: in passes of a bounded size, each its own short transaction, letting other requests in between.
 */
export async function tidyRuntimeEvidence(now = Date.now()): Promise<{ traces: number; seenSpans: number }> {
  const total = { traces: 0, seenSpans: 0 };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const done = await withTransaction(async (tx) => pruneRuntimeEvidence(tx, now));
    total.traces += done.traces;
    total.seenSpans += done.seenSpans;
    if (!done.more) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}

/**
 * Retention runs on its own too: an agent that stopped sending still has its kept traces deleted when their
 * retention ends (ingestion also prunes, a bounded amount per export). Started once per server process.
 */
export function keepRuntimeEvidenceTidy(): void {
  const holder = globalThis as typeof globalThis & { countersignRuntimeUpkeep?: NodeJS.Timeout };
  if (holder.countersignRuntimeUpkeep) return;
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    // With several instances on one database, one of them tidies each period.
    claimPeriodicRun("runtime-upkeep", EVERY_MS)
      .then((mine) => (mine ? tidyRuntimeEvidence() : undefined))
      .catch((error: unknown) => console.error("Runtime evidence upkeep failed; it will try again", error))
      .finally(() => (running = false));
  };
  holder.countersignRuntimeUpkeep = setInterval(tick, EVERY_MS);
  holder.countersignRuntimeUpkeep.unref();
}
