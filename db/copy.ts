import { getTableColumns, getTableName, is } from "drizzle-orm";
import { getTableConfig, PgTable, type PgColumn } from "drizzle-orm/pg-core";
import pg from "pg";
import { verifyAuditStore } from "./audit-verify-store";
import { migrateStore, type PostgresConnection, type SqliteConnection } from "./index";
import { pgTables } from "./pg-schema";

/** What a copy moved, table by table, and the audit trail's head as verified on arrival. */
export type CopyReport = { tables: { name: string; rows: number }[]; auditEvents: number; headHash: string };

/** Rows sent to PostgreSQL per INSERT: well under its 65,535 parameters for the widest table. */
const BATCH_PARAMETERS = 30_000;

/**
 * Every table, parents before the tables whose foreign keys point at them. Where keys form a cycle (a change
 * names its versions, a version names its change), the nullable side is deferred: copied as NULL, then set
 * once its parent table is copied.
 */
export function tablesInCopyOrder(): { order: PgTable[]; deferred: Map<PgTable, PgColumn[]> } {
  const all = (Object.values(pgTables) as unknown[]).filter((t): t is PgTable => is(t, PgTable));
  const order: PgTable[] = [];
  const deferred = new Map<PgTable, PgColumn[]>();
  const state = new Map<PgTable, "visiting" | "done">();
  const visit = (table: PgTable, path: string[]) => {
    if (state.get(table) === "done") return;
    state.set(table, "visiting");
    for (const fk of getTableConfig(table).foreignKeys) {
      const { columns, foreignTable: parent } = fk.reference();
      if (parent === table) continue;
      if (state.get(parent) === "visiting") {
        if (columns.some((c) => c.notNull))
          throw new Error(
            `Foreign keys form a cycle with no nullable key: ${[...path, getTableName(table), getTableName(parent)].join(" -> ")}`,
          );
        // The key's columns as the table has them (the key holds stand-ins made while the table was being built).
        const own = Object.values(getTableColumns(table)).filter((c) => columns.some((k) => k.name === c.name));
        deferred.set(table, [...(deferred.get(table) ?? []), ...own]);
        continue;
      }
      visit(parent, [...path, getTableName(table)]);
    }
    state.set(table, "done");
    order.push(table);
  };
  for (const table of all) visit(table, []);
  return { order, deferred };
}

/** Sets the key columns copied as NULL to break a cycle, from the source, once the rows they point at exist. */
async function setDeferred(reader: SqliteConnection["reader"], client: pg.Client, table: PgTable, columns: PgColumn[], key: string) {
  const name = getTableName(table);
  const select = reader.prepare(
    `SELECT "${key}", ${columns.map((c) => `"${c.name}"`).join(", ")} FROM "${name}" WHERE (${columns.map((c) => `"${c.name}" IS NOT NULL`).join(" OR ")}) AND "${key}" > ? ORDER BY "${key}" LIMIT 5000`,
  );
  select.raw(true);
  const casts = ["bigint", ...columns.map((c) => c.getSQLType())];
  for (let after = Number.MIN_SAFE_INTEGER; ;) {
    const page = select.all(after) as unknown[][];
    if (page.length === 0) return;
    const values: unknown[] = [];
    const tuples = page.map((row) => `(${row.map((v, i) => (values.push(v), `$${values.length}::${casts[i]}`)).join(", ")})`);
    const set = columns.map((c, i) => `"${c.name}" = v.c${i}`).join(", ");
    const aliases = ["k", ...columns.map((_, i) => `c${i}`)].join(", ");
    await client.query(
      `UPDATE "${name}" AS t SET ${set} FROM (VALUES ${tuples.join(", ")}) AS v(${aliases}) WHERE t."${key}" = v.k`,
      values,
    );
    after = page[page.length - 1]![0] as number;
  }
}

/** Whether SQLite's hidden rowid is a column of its own (every table without an INTEGER PRIMARY KEY), copied as "rowid". */
function integerKey(table: PgTable): PgColumn | undefined {
  return Object.values(getTableColumns(table)).find((c) => c.primary && c.getSQLType() === "bigint");
}

/**
 * Copies every row of a SQLite store into an empty PostgreSQL database, in one PostgreSQL transaction (all
 * or nothing), keeping keys and SQLite's rowids (the order ties are broken in), then verifies the audit
 * chain on arrival: the same number of events and the same head hash as the source, recomputed from
 * genesis. The source is read in one snapshot, so a store in use copies consistently.
 */
export async function copySqliteToPostgres(
  source: SqliteConnection,
  target: PostgresConnection,
  log: (line: string) => void = () => {},
): Promise<CopyReport> {
  await migrateStore(target);
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  const report: CopyReport = { tables: [], auditEvents: 0, headHash: "" };
  const reader = source.reader;
  let sourceHead: { seq: number; hash: string } | undefined;
  try {
    // One read transaction on the source for the whole copy: what arrives is one consistent state.
    reader.exec("BEGIN");
    sourceHead = reader.prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").get() as typeof sourceHead;
    await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE");
    const { order, deferred } = tablesInCopyOrder();
    for (const table of order) {
      const name = getTableName(table);
      const { rows } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM "${name}") AS any`);
      if (rows[0]?.any) throw new Error(`The PostgreSQL database already holds ${name}: copy into an empty database (nothing was copied)`);
    }
    for (const table of order) {
      const name = getTableName(table);
      const columns = Object.values(getTableColumns(table));
      const key = integerKey(table);
      const names = columns.map((c) => c.name);
      if (!key) names.push("rowid");
      const booleans = new Set(columns.filter((c) => c.getSQLType() === "boolean").map((c) => c.name));
      const later = new Set((deferred.get(table) ?? []).map((c) => c.name));
      const perRow = names.length;
      const batch = Math.max(1, Math.floor(BATCH_PARAMETERS / perRow));
      const select = reader.prepare(
        `SELECT ${names.map((n) => `"${n}"`).join(", ")} FROM "${name}" WHERE rowid > ? ORDER BY rowid LIMIT ${batch}`,
      );
      const rowidAt = names.indexOf(key ? key.name : "rowid");
      select.raw(true);
      let after = -Infinity;
      let copied = 0;
      for (;;) {
        const page = select.all(after === -Infinity ? Number.MIN_SAFE_INTEGER : after) as unknown[][];
        if (page.length === 0) break;
        const values: unknown[] = [];
        const tuples = page.map((row) => {
          const placeholders = row.map((value, i) => {
            const column = names[i]!;
            values.push(later.has(column) ? null : booleans.has(column) && value !== null ? value !== 0 : value);
            return `$${values.length}`;
          });
          return `(${placeholders.join(", ")})`;
        });
        await client.query(`INSERT INTO "${name}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES ${tuples.join(", ")}`, values);
        copied += page.length;
        after = page[page.length - 1]![rowidAt] as number;
      }
      // New rows are numbered after the copied ones.
      const identity = key ? key.name : "rowid";
      await client.query(
        `SELECT setval(pg_get_serial_sequence('"${name}"', '${identity}'), COALESCE((SELECT MAX("${identity}") FROM "${name}"), 0) + 1, false)`,
      );
      report.tables.push({ name, rows: copied });
      log(`  ${name.padEnd(24)} ${copied}`);
    }
    for (const [table, columns] of deferred) await setDeferred(reader, client, table, columns, integerKey(table)?.name ?? "rowid");
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    if (reader.inTransaction) reader.exec("COMMIT");
    await client.end();
  }

  // The trail as it arrived, recomputed from genesis, must end where the source's ends.
  const arrived = await verifyAuditStore(target.db);
  if (!arrived.ok) throw new Error(`The audit trail copied to PostgreSQL does not verify: ${arrived.reason}`);
  const expected = report.tables.find((t) => t.name === "audit_events")?.rows ?? 0;
  if (arrived.count !== expected || (sourceHead && arrived.headHash !== sourceHead.hash))
    throw new Error(
      `The audit trail copied to PostgreSQL ends at event #${arrived.count} (${arrived.headHash}), not where the source's does (#${sourceHead?.seq ?? 0}, ${sourceHead?.hash ?? "empty"})`,
    );
  report.auditEvents = arrived.count;
  report.headHash = arrived.headHash;
  return report;
}
