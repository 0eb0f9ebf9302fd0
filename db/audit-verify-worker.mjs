// A full verification of the audit trail off the server's request thread: the chain from genesis, then
// the replay of the trail against the tables, on a read-only connection of its own to the same SQLite file,
// or on a connection of its own to the same PostgreSQL database.
// Plain JavaScript that loads the TypeScript through tsx (a runtime dependency), so that it needs no
// bundling: the server starts it by its path under the project (see lib/server/audit-verification.ts).
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

// The project is not an ES module package, so tsx compiles its TypeScript as CommonJS: both loaders are needed.
registerCommonJs();
register({ tsconfig: workerData.tsconfig });
const require = createRequire(import.meta.url);

if (workerData.databaseUrl) {
  // PostgreSQL: the same verification the server would run, on one connection of the worker's own, in one snapshot.
  const { closeDatabase, openPostgres } = require("./index.ts");
  const { verifyAndReplayStore } = require("../lib/server/audit-replay.ts");
  const connection = openPostgres(workerData.databaseUrl, { max: 1 });
  try {
    const result = await verifyAndReplayStore(connection.db, undefined, (progress) =>
      parentPort.postMessage({ type: "progress", ...progress }),
    );
    parentPort.postMessage({ type: "result", result });
  } finally {
    await closeDatabase(connection);
  }
} else {
  const Database = require("better-sqlite3");
  const { verifyAuditEvents } = require("./audit-verify.ts");
  const { withReplay } = require("../lib/server/audit-replay.ts");
  const sqlite = new Database(workerData.databasePath, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma("busy_timeout = 5000");
    const { total } = sqlite.prepare("SELECT COUNT(*) AS total FROM audit_events").get();
    parentPort.postMessage({ type: "progress", checked: 0, total });
    const chain = verifyAuditEvents(sqlite, undefined, (checked) => parentPort.postMessage({ type: "progress", checked, total }));
    parentPort.postMessage({ type: "progress", checked: total, total, replaying: true });
    parentPort.postMessage({ type: "result", result: withReplay(sqlite, chain) });
  } finally {
    sqlite.close();
  }
}
