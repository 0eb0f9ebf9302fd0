import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb } from "@/db";
import { agents, changeRecords } from "@/db/schema";
import { changeNumberLabel, type Environment } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { assertCanRead, type Caller } from "./caller";
import { currentDeployment, productionRollbackOf } from "./deployments";
import { agentBySlug, assertCanRollBack, rollback, rollbackOptions, type RollbackResult } from "./rollback";
import { inOrder } from "@/lib/in-order";

/**
 * Versions rolled back in production keep running wherever nobody rolled them back: development and staging
 * then test against a version production has rejected. This finds them, and rolls them back on request.
 */

const LOWER_ENVIRONMENTS = ["staging", "development"] as const satisfies readonly Environment[];

export type StillRunningRolledBack = {
  environment: (typeof LOWER_ENVIRONMENTS)[number];
  version: number;
  /** Since when the environment runs it. */
  since: number;
  rolledBackAt: number;
  rolledBackBy: string;
  rolledBackReason: string | null;
  /** The change record whose release was rolled back. */
  change: { number: number; label: string; title: string } | null;
  incident: { id: string; title: string } | null;
  /** The version a rollback of this environment would restore; null when it has no earlier approved version. */
  rollBackTo: number | null;
};

/** The agent's development and staging environments that still run a version rolled back in production. */
export async function stillRunningRolledBack(caller: Caller, slug: string): Promise<StillRunningRolledBack[]> {
  assertCanRead(caller);
  const db = getDb();
  const agent = await first(db.select().from(agents).where(eq(agents.slug, slug)));
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  const options = (await rollbackOptions(caller, slug)).options;
  const perEnvironment = await inOrder(LOWER_ENVIRONMENTS, async (environment) => {
    const running = await currentDeployment(db, agent.id, environment);
    if (!running) return [];
    const rolledBack = await productionRollbackOf(db, agent.id, running.version.id);
    if (!rolledBack) return [];
    const change = running.version.changeRecordId
      ? await first(
          db
            .select({ number: changeRecords.number, title: changeRecords.title })
            .from(changeRecords)
            .where(eq(changeRecords.id, running.version.changeRecordId)),
        )
      : undefined;
    const plan = options.find((o) => o.environment === environment)?.plan;
    return [
      {
        environment,
        version: running.version.number,
        since: running.deployment.deployedAt,
        rolledBackAt: rolledBack.deployment.deployedAt,
        rolledBackBy: rolledBack.deployment.deployedBy,
        rolledBackReason: rolledBack.deployment.reason,
        change: change ? { ...change, label: changeNumberLabel(change.number) } : null,
        incident: rolledBack.incident,
        rollBackTo: plan && plan.current.versionId === running.version.id ? plan.target.versionNumber : null,
      },
    ];
  });
  return perEnvironment.flat();
}

const followSchema = z.strictObject({
  environments: z
    .array(
      z.strictObject({
        environment: z.enum(LOWER_ENVIRONMENTS, { error: `environment must be one of: ${LOWER_ENVIRONMENTS.join(", ")}` }),
        /** The version the caller saw running there; someone else's deployment meanwhile is then a conflict. */
        expectedVersion: z.number().int().positive(),
      }),
    )
    .min(1, "Name at least one environment to roll back"),
});

/**
 * Rolls back each named environment that still runs a version rolled back in production, one rollback each
 * through the rollback use case (which marks no change again and opens no incident outside production).
 * The check and every rollback run in one transaction (each rollback a savepoint inside it): all of them
 * happen or none does, so a stale or half-failed request changes nothing and can simply be retried.
 */
export async function rollBackWhereStillRunning(caller: Caller, slug: string, input: unknown, now = Date.now()): Promise<RollbackResult[]> {
  const db = getDb();
  assertCanRollBack(caller, await agentBySlug(db, slug));
  const { environments } = parseInput(followSchema, input, "Say which environments to roll back");
  return await withTransaction(async () => await rollBackAll(caller, slug, environments, now));
}

async function rollBackAll(
  caller: Caller,
  slug: string,
  environments: { environment: (typeof LOWER_ENVIRONMENTS)[number]; expectedVersion: number }[],
  now: number,
): Promise<RollbackResult[]> {
  const agent = await agentBySlug(getDb(), slug);
  const flagged = await stillRunningRolledBack(caller, slug);
  const plans = environments.map(({ environment, expectedVersion }) => {
    const item = flagged.find((f) => f.environment === environment);
    if (!item || item.version !== expectedVersion)
      throw new AppError(
        "conflict",
        `${environment} no longer runs v${expectedVersion} rolled back in production: someone changed it meanwhile; look again`,
      );
    if (item.rollBackTo === null)
      throw new AppError("conflict", `${agent.name} has no earlier approved version in ${environment} to roll back to`);
    return item;
  });
  return await inOrder(
    plans,
    async (item) =>
      await rollback(
        caller,
        slug,
        {
          environment: item.environment,
          reason: `v${item.version} was rolled back in production on ${new Date(item.rolledBackAt).toISOString().slice(0, 16).replace("T", " ")} UTC${item.change ? ` (${item.change.label})` : ""}`,
          expectedVersion: item.version,
        },
        now,
      ),
  );
}
