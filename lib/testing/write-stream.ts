import { appendFileSync } from "node:fs";
import { durable } from "@/db";
import { userCaller } from "@/lib/server/caller";
import { openIncident } from "@/lib/server/incidents";
import { findActiveUser } from "@/lib/server/users";

/**
 * A stream of real writes for the crash and backup tests: opens incidents through the use case the API
 * uses, in a loop, against DATABASE_PATH, and once each one is committed and on disk (`durable()`, as
 * the server waits for before it answers) appends its id to the ledger file. A line in the ledger is a
 * write the server acknowledged.
 *
 *   node --conditions=react-server --import tsx lib/testing/write-stream.ts <ledger> <label> [count]
 */
const [ledger, label, count] = process.argv.slice(2);
if (!ledger || !label) throw new Error("Usage: write-stream.ts <ledger> <label> [count]");
const limit = count ? Number(count) : Infinity;

async function stream() {
  // Loaded as CommonJS by tsx, so no top-level await: the operator is looked up here.
  const operator = await findActiveUser({ email: "ops@countersign.test" });
  if (!operator) throw new Error("The write stream needs the demo estate's ops@countersign.test in DATABASE_PATH");
  const ops = userCaller(operator);
  for (let i = 0; i < limit; i++) {
    const incident = await openIncident(ops, { agent: "refund-assistant", severity: "sev4", title: `Write stream ${label} #${i}` });
    await durable();
    appendFileSync(ledger!, `${incident.id}\n`);
  }
}

stream().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
