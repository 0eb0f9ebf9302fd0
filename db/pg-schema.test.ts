import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Column, getTableName, is, SQL, type InferInsertModel, type InferSelectModel } from "drizzle-orm";
import { getTableConfig as getPgTableConfig, PgDialect, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as getSqliteTableConfig, SQLiteSyncDialect, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as pgSchema from "./pg-schema";
import * as sqliteSchema from "./tables";

const pgDialect = new PgDialect();
const sqliteDialect = new SQLiteSyncDialect();

const tablesOf = <T>(module: Record<string, unknown>, kind: new (...args: never[]) => T) =>
  Object.fromEntries(Object.entries(module).filter(([, v]) => is(v, kind as never))) as Record<string, T>;
const sqliteTables = tablesOf(sqliteSchema, SQLiteTable);
const pgTables = tablesOf(pgSchema, PgTable);

const SQL_TYPE: Record<string, string> = {
  SQLiteInteger: "bigint",
  SQLiteBoolean: "boolean",
  SQLiteReal: "double precision",
  SQLiteText: "text",
  SQLiteTextJson: "jsonb",
};

/** One table as both schemas must agree on it, in dialect-neutral terms; `pgSqlType` maps column types. */
function describeTable(table: SQLiteTable | PgTable) {
  const isPg = is(table, PgTable);
  const config = isPg ? getPgTableConfig(table) : getSqliteTableConfig(table as SQLiteTable);
  const text = (value: SQL) => (isPg ? pgDialect.sqlToQuery(value).sql : sqliteDialect.sqlToQuery(value).sql);
  const columnOrSql = (c: unknown) => (is(c, SQL) ? `sql:${text(c)}` : (c as { name: string }).name);
  return {
    name: config.name,
    columns: (config.columns as Column[]).map((c) => ({
      name: c.name,
      type: isPg ? c.getSQLType() : SQL_TYPE[c.columnType],
      notNull: c.notNull,
      hasDefault: c.hasDefault,
      default: is(c.default, SQL) ? `sql:${text(c.default)}` : c.default,
      primaryKey: c.primary,
      unique: c.isUnique ? c.uniqueName : false,
    })),
    primaryKeys: config.primaryKeys.map((pk) => ({ name: pk.getName(), columns: pk.columns.map((c) => c.name) })),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        return {
          name: fk.getName(),
          columns: ref.columns.map((c) => c.name),
          target: getTableName(ref.foreignTable),
          targetColumns: ref.foreignColumns.map((c) => c.name),
          onDelete: fk.onDelete ?? "no action",
          onUpdate: fk.onUpdate ?? "no action",
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    indexes: config.indexes.map((ix) => ({
      name: ix.config.name,
      unique: ix.config.unique,
      columns: (ix.config.columns as unknown[]).map(columnOrSql),
      where: ix.config.where ? text(ix.config.where) : null,
    })),
    checks: config.checks.map((c) => ({ name: c.name, sql: text(c.value) })),
  };
}

describe("db/pg-schema.ts, derived from db/tables.ts", () => {
  it("exports every SQLite table under the same name, as a table of the same name", () => {
    expect(Object.keys(pgTables).sort()).toEqual(Object.keys(sqliteTables).sort());
    expect(Object.keys(sqliteTables).length).toBeGreaterThan(30);
    for (const [exportName, table] of Object.entries(sqliteTables)) expect(getTableName(pgTables[exportName]!)).toBe(getTableName(table));
  });

  it.each(Object.keys(sqliteTables))("%s: same columns, keys, foreign keys, indexes and checks", (exportName) => {
    const sqlite = describeTable(sqliteTables[exportName]!);
    const pg = describeTable(pgTables[exportName]!);
    expect(pg).toEqual(sqlite);
    // The same JS property names, so code written against db/tables.ts can be handed these tables.
    expect(Object.keys(pgTables[exportName]!)).toEqual(expect.arrayContaining(Object.keys(sqliteTables[exportName]!)));
  });

  it("describes real tables: the comparison sees keys, partial indexes and checks", () => {
    const changeRecords = describeTable(pgSchema.changeRecords);
    expect(changeRecords.indexes.find((i) => i.name === "change_records_open_branch_unique")).toMatchObject({
      unique: true,
      columns: ["agent_id", "branch"],
      where: `"branch" IS NOT NULL AND "state" IN ('draft', 'in_review', 'approved')`,
    });
    expect(changeRecords.checks.map((c) => c.name)).toContain("change_records_author_check");
    expect(describeTable(pgSchema.doraDays).primaryKeys).toEqual([
      { name: "dora_days_day_workflow_id_platform_risk_tier_pk", columns: ["day", "workflow_id", "platform", "risk_tier"] },
    ]);
    expect(describeTable(pgSchema.mailOutbox).foreignKeys[0]).toMatchObject({ target: "users", onDelete: "set null" });
    expect(describeTable(pgSchema.agents).indexes.find((i) => i.name === "agents_name_idx")?.columns).toEqual([
      'sql:"agents"."name" COLLATE NOCASE',
    ]);
  });

  it("gives rows the same JavaScript types on both engines", () => {
    type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
    type Tables = typeof pgSchema.pgTables;
    type Differing = {
      [K in keyof Tables]: Equal<InferSelectModel<Tables[K]>, InferSelectModel<(typeof sqliteSchema)[K]>> extends true
        ? Equal<InferInsertModel<Tables[K]>, InferInsertModel<(typeof sqliteSchema)[K]>> extends true
          ? never
          : K
        : K;
    }[keyof Tables];
    expectTypeOf<Differing>().toEqualTypeOf<never>();
    // And the comparison tells tables apart.
    expectTypeOf<Equal<InferSelectModel<typeof pgSchema.users>, InferSelectModel<typeof sqliteSchema.sessions>>>().toEqualTypeOf<false>();
  });

  it("has committed PostgreSQL migrations that are current: generating again adds none", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "countersign-pg-migrations-"));
    try {
      cpSync("db/migrations-pg", dir, { recursive: true });
      const before = readdirSync(dir).sort();
      // drizzle-kit takes --out as relative to the working directory (and exits 0 even when it fails).
      const { stdout, stderr } = await promisify(execFile)(
        path.resolve("node_modules/.bin/drizzle-kit"),
        ["generate", "--dialect", "postgresql", "--schema", "./db/pg-schema.ts", "--out", path.relative(process.cwd(), dir)],
        { env: { ...process.env, NO_COLOR: "1" } },
      );
      expect(readdirSync(dir).sort(), `drizzle-kit generated a migration: run npm run db:generate:pg\n${stdout}`).toEqual(before);
      expect(stdout, stderr).toContain("No schema changes");
      expect(readdirSync(path.join(dir, "meta")).sort()).toEqual(readdirSync("db/migrations-pg/meta").sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
