import "server-only";
import { randomUUID } from "node:crypto";
import { and, desc, eq, gte, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvents, type AuditInput } from "@/db/audit";
import { refreshDoraFacts } from "@/db/dora-facts";
import { evaluateHarmAfterDeployment } from "./harm";
import { agents, agentVersions, changeRecords, deployments, incidents } from "@/db/schema";
import { rollbackTarget, type DeployedVersion, type RollbackPlan } from "@/lib/domain/rollback";
import { changeNumberLabel, ENVIRONMENTS, SEVERITIES, type Environment } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { actorOf, assertCanRead, type Caller } from "./caller";
import { deploymentViews, productionRollbackOf, type DeploymentView } from "./deployments";
import { incidentView, openIncidentIn, type IncidentView } from "./incidents";
import { hasRole } from "./users";
import { reassessOpenChanges } from "./change-update";
import { inOrder } from "@/lib/in-order";

/** Rollback: one action that puts the previous approved version back, marks the bad change, and ties it to an incident. */

type Reader = Pick<DB, "select">;
type AgentRow = typeof agents.$inferSelect;

/** The rollback owner of the agent or anyone in operations; a token needs the deploy scope. */
export function canRollBack(caller: Caller, agent: Pick<AgentRow, "rollbackOwnerId">): boolean {
  if (caller.kind === "token") return caller.scopes.includes("deploy");
  return agent.rollbackOwnerId === caller.user.id || hasRole(caller.user, "operations");
}

export function assertCanRollBack(caller: Caller, agent: Pick<AgentRow, "name" | "rollbackOwnerId">): void {
  if (canRollBack(caller, agent)) return;
  throw new AppError(
    "forbidden",
    caller.kind === "token"
      ? `Token "${caller.name}" lacks the deploy scope`
      : `Only the rollback owner of ${agent.name} or operations can roll it back`,
  );
}

export async function agentBySlug(db: Reader, slug: string): Promise<AgentRow> {
  const agent = await first(db.select().from(agents).where(eq(agents.slug, slug)));
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  return agent;
}

/** The environment's deployments, newest first, each with whether its version passed review. */
async function environmentHistory(db: Reader, agentId: string, environment: Environment): Promise<DeployedVersion[]> {
  return (
    await db
      .select({
        deploymentId: deployments.id,
        versionId: deployments.versionId,
        versionNumber: agentVersions.number,
        state: changeRecords.state,
        headVersionId: changeRecords.headVersionId,
        approvedAt: changeRecords.approvedAt,
        releasedAt: changeRecords.releasedAt,
      })
      .from(deployments)
      .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
      .leftJoin(changeRecords, eq(changeRecords.id, agentVersions.changeRecordId))
      .where(and(eq(deployments.agentId, agentId), eq(deployments.environment, environment)))
      .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
  ).map((r) => ({
    deploymentId: r.deploymentId,
    versionId: r.versionId,
    versionNumber: r.versionNumber,
    // Fully approved (an emergency release once its retro sign-off completed); never a version whose release was rolled back, nor one
    // an edit replaced before the approval (the approval is of the change's head version only).
    approved:
      r.state !== null && (r.state === "approved" || r.state === "released") && r.approvedAt !== null && r.versionId === r.headVersionId,
  }));
}

export type RollbackOption = { environment: Environment; plan: RollbackPlan | null };

/** For the agent page: what a rollback of each environment would restore, and whether this caller may do it. */
export async function rollbackOptions(caller: Caller, slug: string): Promise<{ allowed: boolean; options: RollbackOption[] }> {
  assertCanRead(caller);
  const db = getDb();
  const agent = await first(db.select().from(agents).where(eq(agents.slug, slug)));
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  return {
    allowed: canRollBack(caller, agent) && agent.status !== "retired",
    options: await inOrder(ENVIRONMENTS, async (environment) => ({
      environment,
      plan: rollbackTarget(await environmentHistory(db, agent.id, environment)),
    })),
  };
}

const expectedVersionSchema = z
  .number({ error: "Say which version you saw running there (expectedVersion), so that a retry cannot roll back twice" })
  .int()
  .positive();

export const rollbackSchema = z.strictObject({
  environment: z.enum(ENVIRONMENTS, { error: `environment must be one of: ${ENVIRONMENTS.join(", ")}` }),
  reason: z.string({ error: "Say why you roll back" }).trim().min(3, "Say why you roll back").max(2_000),
  severity: z.enum(SEVERITIES, { error: `severity must be one of: ${SEVERITIES.join(", ")}` }).optional(),
  incident: z.string().trim().min(1).optional(),
  /** The version the caller saw running; a rollback someone else made meanwhile is then a conflict, not a second rollback. */
  expectedVersion: expectedVersionSchema.optional(),
});

export type RollbackResult = { deployment: DeploymentView; rolledBackChange: string | null; incident: IncidentView | null };

/**
 * Redeploys the previous approved version of an environment. In production it also marks the change
 * that introduced the bad version rolled back, and links the open incident of that deployment (or the
 * one named, or an open unlinked one of the agent) — opening one when there is none. Elsewhere it marks and
 * opens nothing; when the version was rolled back in production, it returns that rollback's incident.
 */
export async function rollback(
  caller: Caller,
  slug: string,
  input: unknown,
  now = Date.now(),
  { requireExpectedVersion = false }: { requireExpectedVersion?: boolean } = {},
): Promise<RollbackResult> {
  const db = getDb();
  // Who before what: someone who may not roll this agent back is refused before their request is read.
  assertCanRollBack(caller, await agentBySlug(db, slug));
  const {
    environment,
    reason,
    severity,
    incident: incidentId,
    expectedVersion,
  } = parseInput(
    requireExpectedVersion ? rollbackSchema.extend({ expectedVersion: expectedVersionSchema }) : rollbackSchema,
    input,
    requireExpectedVersion ? "The rollback needs a reason and the version you saw running" : "The rollback needs a reason",
  );
  const result = await withTransaction(async (tx) => {
    // Checked again inside the write: the rollback owner may have changed meanwhile.
    const agent = await agentBySlug(tx, slug);
    assertCanRollBack(caller, agent);
    if (agent.status === "retired")
      throw new AppError("conflict", `${agent.name} is retired: nothing of it runs to roll back; propose a new agent to bring it back`);
    const plan = rollbackTarget(await environmentHistory(tx, agent.id, environment));
    if (!plan) throw new AppError("conflict", `${agent.name} has no earlier approved version in ${environment} to roll back to`);
    if (expectedVersion !== undefined && plan.current.versionNumber !== expectedVersion) {
      throw new AppError(
        "conflict",
        `${environment} now runs v${plan.current.versionNumber}, not v${expectedVersion}: someone changed it meanwhile; look again before rolling back`,
      );
    }

    const actor = actorOf(caller);
    const deploymentId = randomUUID();
    // Outside production, a version already rolled back in production follows that rollback: its incident covers
    // this one too, and its change is already marked, so nothing is marked or opened again.
    const followed = environment === "production" ? null : await productionRollbackOf(tx, agent.id, plan.current.versionId);
    await tx.insert(deployments).values({
      id: deploymentId,
      agentId: agent.id,
      environment,
      versionId: plan.target.versionId,
      kind: "rollback",
      deployedAt: now,
      deployedById: caller.kind === "user" ? caller.user.id : null,
      deployedByTokenId: caller.kind === "token" ? caller.id : null,
      changeRecordId: null,
      replacedVersionId: plan.current.versionId,
      reason,
    });
    const events: AuditInput[] = [
      {
        at: now,
        actor,
        action: "deployment.rolled_back",
        entityType: "deployment",
        entityId: deploymentId,
        payload: {
          agent: agent.slug,
          environment,
          fromVersion: plan.current.versionNumber,
          toVersion: plan.target.versionNumber,
          reason,
          ...(followed && { followsRollback: followed.deployment.id, incidentId: followed.incident?.id ?? null }),
        },
      },
    ];
    let rolledBack: string | null = null;
    let linked: string | null = null;
    if (environment === "production") {
      const bad = await first(
        tx
          .select({ id: changeRecords.id, number: changeRecords.number, state: changeRecords.state })
          .from(agentVersions)
          .innerJoin(changeRecords, eq(changeRecords.id, agentVersions.changeRecordId))
          .where(eq(agentVersions.id, plan.current.versionId)),
      );
      if (bad?.state === "released") {
        await tx.update(changeRecords).set({ state: "rolled_back", closedAt: now, updatedAt: now }).where(eq(changeRecords.id, bad.id));
        rolledBack = changeNumberLabel(bad.number);
        events.push({
          at: now,
          actor,
          action: "change.rolled_back",
          entityType: "change_record",
          entityId: bad.id,
          payload: { number: bad.number, deploymentId, reason },
        });
      }
      await appendAuditEvents(tx, events);
      linked = await linkIncident(tx, caller, agent, plan.current.deploymentId, { incidentId, severity, reason }, now);
      await refreshDoraFacts(tx, agent.id);
      await evaluateHarmAfterDeployment(tx, caller, agent.id, now);
      // Production moved back: open changes are re-assessed against what it runs again.
      await reassessOpenChanges(tx, agent.id, { version: plan.target.versionNumber, through: "a rollback" }, actor, now);
    } else {
      linked = followed?.incident?.id ?? null;
      await appendAuditEvents(tx, events);
    }
    return { deploymentId, rolledBack, linked };
  });
  return {
    deployment: (await deploymentViews(db, [result.deploymentId]))[0]!,
    rolledBackChange: result.rolledBack,
    // The rollback's own result: a deploy-only token is answered with it, read scope or not.
    incident: result.linked ? await incidentView(db, result.linked) : null,
  };
}

/** The incident of the bad deployment: the one named, else an open one on it or unlinked, else a new one. */
async function linkIncident(
  tx: Pick<DB, "select" | "insert" | "update">,
  caller: Caller,
  agent: AgentRow,
  badDeploymentId: string,
  input: { incidentId?: string; severity?: (typeof SEVERITIES)[number]; reason: string },
  now: number,
): Promise<string> {
  const bad = (await first(
    tx.select({ deployedAt: deployments.deployedAt }).from(deployments).where(eq(deployments.id, badDeploymentId)),
  ))!;
  const open = input.incidentId
    ? await first(tx.select().from(incidents).where(eq(incidents.id, input.incidentId)))
    : // Only an incident on this deployment, or an unlinked one detected since it went out, is about it.
      await first(
        tx
          .select()
          .from(incidents)
          .where(
            and(
              eq(incidents.agentId, agent.id),
              isNull(incidents.resolvedAt),
              or(
                eq(incidents.deploymentId, badDeploymentId),
                and(isNull(incidents.deploymentId), gte(incidents.detectedAt, bad.deployedAt)),
              ),
            ),
          )
          .orderBy(desc(incidents.detectedAt)),
      );
  if (input.incidentId && (!open || open.agentId !== agent.id))
    throw new AppError("validation_failed", `No incident ${input.incidentId} of ${agent.name}`, {
      fieldErrors: { incident: [`No incident ${input.incidentId} of ${agent.name}`] },
    });
  // A named incident is the caller's call (the same trouble may outlive one rollback), but a resolved one is over.
  if (open && input.incidentId && open.resolvedAt !== null) {
    throw new AppError("validation_failed", `Incident “${open.title}” is already resolved`, {
      fieldErrors: { incident: ["This incident is already resolved"] },
    });
  }
  if (open) {
    if (open.deploymentId === null) {
      await tx.update(incidents).set({ deploymentId: badDeploymentId }).where(eq(incidents.id, open.id));
      await appendAuditEvents(tx, [
        {
          at: now,
          actor: actorOf(caller),
          action: "incident.updated",
          entityType: "incident",
          entityId: open.id,
          payload: { before: { deploymentId: null }, after: { deploymentId: badDeploymentId } },
        },
      ]);
    }
    return open.id;
  }
  const title = `${agent.name} rolled back in production: ${input.reason}`.slice(0, 200);
  return await openIncidentIn(
    tx,
    caller,
    { agentId: agent.id, agentSlug: agent.slug, deploymentId: badDeploymentId, severity: input.severity ?? "sev3", title, detectedAt: now },
    now,
  );
}
