import "server-only";
import { and, inArray, ne, or, sql, type SQL } from "drizzle-orm";
import { engineOf, type DB } from "@/db";
import { agents } from "@/db/schema";
import { AppError } from "@/lib/errors";

/**
 * A runtime name places a span on its agent (RUNTIME.md): one name must lead to one agent. Ingestion matches
 * a slug before runtime names, so another agent's slug would never reach this agent; another agent's runtime
 * name would make both ambiguous, and their spans rejected.
 */
export async function assertRuntimeNamesFree(db: Pick<DB, "select">, agentId: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const taken = await db
    .select({ slug: agents.slug, runtimeNames: agents.runtimeNames })
    .from(agents)
    .where(
      and(
        ne(agents.id, agentId),
        or(
          inArray(agents.slug, names),
          sql`EXISTS (SELECT 1 FROM ${arrayElements(sql`${agents.runtimeNames}`, db)} WHERE ${inArray(sql`e.value`, names)})`,
        ),
      ),
    )
    .limit(5);
  if (taken.length === 0) return;
  const problems = names.flatMap((name) => {
    const owner = taken.find((a) => a.slug === name || a.runtimeNames.includes(name));
    if (!owner) return [];
    return [owner.slug === name ? `"${name}" is the slug of agent ${owner.slug}` : `"${name}" already names agent ${owner.slug} in traces`];
  });
  const message = `A runtime name must lead to one agent: ${problems.join("; ")}`;
  throw new AppError("conflict", message, { fieldErrors: { runtimeNames: problems } });
}

/** A JSON array column's elements as a table `e` with one text column, `value`: SQLite stores the array as text, PostgreSQL as jsonb. */
function arrayElements(column: SQL, db: Pick<DB, "select">): SQL {
  return engineOf(db as DB) === "sqlite" ? sql`json_each(${column}) AS e` : sql`jsonb_array_elements_text(${column}) AS e(value)`;
}
