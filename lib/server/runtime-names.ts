import "server-only";
import { and, inArray, ne, or, sql } from "drizzle-orm";
import type { DB } from "@/db";
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
          sql`EXISTS (SELECT 1 FROM json_each(${agents.runtimeNames}) WHERE ${inArray(sql`json_each.value`, names)})`,
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
