import { openPostgres } from "./db/index";
import { verifyAuditStore } from "./db/audit-verify-store";
const t = openPostgres("postgres://postgres@127.0.0.1:55432/copytest");
verifyAuditStore(t.db).then(
  (r) => {
    console.log(r);
    return t.pool.end();
  },
  (e) => {
    console.error(e.stack?.split("\n").slice(0, 25).join("\n"));
    process.exit(1);
  },
);
