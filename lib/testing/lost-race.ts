import { sql } from "drizzle-orm";
import { execute, getDb, rows, withTransaction, type DB } from "@/db";

/**
 * Makes writes to `table` on PostgreSQL fail as a transaction that lost a race to another does (a
 * serialization failure, 40001), once each time `arm()` is called: the seam then runs the whole transaction
 * again. `when` narrows the rows it applies to (SQL over NEW). The count lives in a sequence, outside
 * transactions, so the retry passes and `attempts()` says how many writes were tried. It is armed from the start;
 * `remove()` undoes it.
 */
export async function loseRacesOn(
  name: string,
  table: string,
  options: { when?: string; on?: "INSERT" | "INSERT OR UPDATE"; db?: DB } = {},
) {
  const { when = "TRUE", on = "INSERT OR UPDATE", db = getDb() } = options;
  const sequence = sql.identifier(`${name}_races`);
  await withTransaction(async (tx) => {
    await execute(sql`CREATE SEQUENCE ${sequence}`, tx);
    await execute(
      sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('${name}_races') = 1 THEN RAISE EXCEPTION 'lost a race (simulated)' USING ERRCODE = '40001'; END IF;
          RETURN NEW;
        END $$`),
      tx,
    );
    await execute(sql.raw(`CREATE TRIGGER ${name} BEFORE ${on} ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`), tx);
  }, db);
  return {
    /** The next write the trigger sees fails once. */
    arm: () => withTransaction((tx) => execute(sql`SELECT setval(${`${name}_races`}, 1, false)`, tx), db),
    /** How many writes the trigger has seen (the failed one included). */
    attempts: async () => (await rows<{ n: number }>(sql`SELECT last_value AS n FROM ${sequence}`, db))[0]!.n,
    remove: () =>
      withTransaction(async (tx) => {
        await execute(sql.raw(`DROP TRIGGER ${name} ON ${table}`), tx);
        await execute(sql.raw(`DROP FUNCTION ${name}`), tx);
        await execute(sql`DROP SEQUENCE ${sequence}`, tx);
      }, db),
  };
}
