// Called once when the server starts (Next.js instrumentation): background upkeep that must not wait for traffic.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // A PostgreSQL store is brought up to date first (once, whichever instance starts first; SQLite migrates as it opens).
  const { getConnection, migrateStore } = await import("./db");
  await migrateStore(getConnection());
  // Derived tables built by older rules are rebuilt once, before the first request reads them.
  await (await import("./db/derived")).backfillDerivedTables();
  const { keepRuntimeEvidenceTidy } = await import("./lib/server/runtime-upkeep");
  keepRuntimeEvidenceTidy();
  (await import("./lib/server/webhook-sender")).startWebhookSender();
  (await import("./lib/server/mail-worker")).startMailWorker();
}
