import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray, ne } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvents, type AuditInput } from "@/db/audit";
import { refreshDoraFacts } from "@/db/dora-facts";
import { evaluateHarmAfterDeployment } from "./harm";
import { agents, agentVersions, deployments, changeRecords, evalRuns, signoffs } from "@/db/schema";
import { canTransition } from "@/lib/domain/change-state";
import { gatesMet, promotionGates, releasePath, type Gate, type GateFacts } from "@/lib/domain/promotion-gates";
import { RETRO_SIGNOFF_HOURS } from "@/lib/domain/retro-signoff";
import { changeNumberLabel, ENVIRONMENTS, type Environment } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { actorOf, assertCanRead, type Caller } from "./caller";
import { findChangeRow, policyByVersion, productionNow, type ChangeRow } from "./change-records";
import { currentDeployment, deploymentViews, environmentsThatRan, runningSpecs, type DeploymentView } from "./deployments";
import { currentPolicy } from "./policy";
import { hasRole } from "./users";
import { notifyOutOfDate } from "./notifications";
import { reassessOpenChanges } from "./change-update";
import { onProductionRelease } from "./agent-lifecycle";

/** Promotion: a change's version moves development → staging → production, each step behind its evidence gates. */

type Reader = Pick<DB, "select">;

/**
 * Who may deploy: engineering or operations; a token needs the deploy scope. An emergency release
 * skips the full review, so it is operations' decision alone: people only, never a token.
 */
export function canDeploy(caller: Caller, path: "promote" | "emergency"): boolean {
  if (caller.kind === "token") return path === "promote" && caller.scopes.includes("deploy");
  return path === "emergency" ? hasRole(caller.user, "operations") : hasRole(caller.user, "engineering", "operations");
}

function assertCanDeploy(caller: Caller, path: "promote" | "emergency") {
  if (canDeploy(caller, path)) return;
  if (caller.kind === "token")
    throw new AppError(
      "forbidden",
      path === "emergency" ? "Operations releases emergency changes: API tokens cannot" : `Token "${caller.name}" lacks the deploy scope`,
    );
  throw new AppError(
    "forbidden",
    path === "emergency" ? "Operations releases emergency changes" : "Engineering or operations promote changes",
  );
}

export async function gateFactsOf(db: Reader, change: ChangeRow, caller: Caller | null = null): Promise<GateFacts> {
  const head = change.headVersionId
    ? await first(db.select().from(agentVersions).where(eq(agentVersions.id, change.headVersionId)))
    : undefined;
  // A draft whose typed text does not parse has no deployable spec, whatever it held before.
  const specHash = head && !change.draftSpecText ? head.specHash : null;
  const policy = change.policyVersion ? await policyByVersion(db, change.policyVersion) : (await currentPolicy(db)).policy;
  const base = change.baseVersionId
    ? await first(db.select().from(agentVersions).where(eq(agentVersions.id, change.baseVersionId)))
    : undefined;
  return {
    label: changeNumberLabel(change.number),
    state: change.state,
    emergency: change.emergency,
    specHash,
    contentHash: change.contentHash,
    authorId: change.authorId,
    authorTokenId: change.authorTokenId,
    standardChange: change.standardChange,
    riskTier: change.riskTier,
    signoffs: await db
      .select({ role: signoffs.role, status: signoffs.status, contentHash: signoffs.contentHash, signerId: signoffs.signerId })
      .from(signoffs)
      .where(eq(signoffs.changeRecordId, change.id)),
    rollbackPlan: change.rollbackPlan,
    hasRollbackOwner: change.rollbackOwnerId !== null,
    evalRuns: specHash
      ? await db
          .select({
            environment: evalRuns.environment,
            specHash: evalRuns.specHash,
            passed: evalRuns.passed,
            failed: evalRuns.failed,
            recordedAt: evalRuns.recordedAt,
          })
          .from(evalRuns)
          .where(and(eq(evalRuns.agentId, change.agentId), eq(evalRuns.specHash, specHash)))
      : [],
    passRateFloor: policy.evalPassRateFloor,
    authorMayReleaseOwnHighRisk: (await currentPolicy(db)).policy.authorMayReleaseOwnHighRisk ?? false,
    running: await runningSpecs(db, change.agentId),
    base: base ? { versionId: base.id, number: base.number } : null,
    production: await productionNow(db, change.agentId),
    ranIn: specHash ? await environmentsThatRan(db, change.agentId, specHash) : {},
    deployer: caller ? (caller.kind === "user" ? { userId: caller.user.id, tokenId: null } : { userId: null, tokenId: caller.id }) : null,
  };
}

export type ReleaseStep = { environment: Environment; path: "promote" | "emergency"; gates: Gate[]; ready: boolean; canDeploy: boolean };

/** A retire change is released by its own path; nothing more is deployed of a retired agent. */
async function assertDeployable(tx: Reader, change: ChangeRow) {
  const label = changeNumberLabel(change.number);
  if (change.retire) throw new AppError("conflict", `${label} retires its agent: it is released everywhere at once, not promoted`);
  const agent = (await first(tx.select({ slug: agents.slug, status: agents.status }).from(agents).where(eq(agents.id, change.agentId))))!;
  if (agent.status === "retired") throw new AppError("conflict", `${agent.slug} is retired: nothing more is deployed of it`);
}

/** The gates of every environment for a change, and whether this caller could promote it there now. */
export async function releaseSteps(caller: Caller, ref: string): Promise<ReleaseStep[]> {
  assertCanRead(caller);
  const db = getDb();
  const change = await findChangeRow(db, ref);
  // A retire change is released everywhere at once (lib/server/retirement.ts), not promoted step by step.
  if (change.retire) return [];
  const facts = await gateFactsOf(db, change, caller);
  return ENVIRONMENTS.map((environment) => {
    const path = environment === "production" ? releasePath(facts) : "promote";
    const gates = promotionGates(environment, facts);
    return { environment, path, gates, ready: gatesMet(gates), canDeploy: canDeploy(caller, path) };
  });
}

export const promoteSchema = z.strictObject({
  environment: z.enum(ENVIRONMENTS, { error: `environment must be one of: ${ENVIRONMENTS.join(", ")}` }),
});

/**
 * Places a change's version in an environment. The gates are checked inside the write transaction, so
 * of concurrent requests exactly one deploys and the rest find the environment already running it.
 * A production release marks the change released and the agent reviewed; an emergency release
 * starts the 48-hour clock on the sign-offs still open.
 */
export async function promote(caller: Caller, ref: string, input: unknown, now = Date.now()): Promise<DeploymentView> {
  // Who before what: someone who may deploy nowhere is refused before their request is read.
  if (!canDeploy(caller, "promote") && !canDeploy(caller, "emergency")) assertCanDeploy(caller, "promote");
  const { environment } = parseInput(promoteSchema, input, "Say which environment to promote to");
  const db = getDb();
  const id = await withTransaction(async (tx) => {
    const change = await findChangeRow(tx, ref);
    await assertDeployable(tx, change);
    const facts = await gateFactsOf(tx, change, caller);
    const path = environment === "production" ? releasePath(facts) : "promote";
    assertCanDeploy(caller, path);
    const gates = promotionGates(environment, facts);
    const unmet = gates.filter((g) => !g.met);
    if (unmet.length)
      throw new AppError("gate_failed", `${facts.label} cannot go to ${environment}: ${unmet.map((g) => g.reason).join("; ")}`, {
        gates,
      });

    const actor = actorOf(caller);
    const deploymentId = randomUUID();
    const replaced = await currentDeployment(tx, change.agentId, environment);
    const agent = (await first(tx.select().from(agents).where(eq(agents.id, change.agentId))))!;
    await tx.insert(deployments).values({
      id: deploymentId,
      agentId: change.agentId,
      environment,
      versionId: change.headVersionId!,
      kind: path,
      deployedAt: now,
      deployedById: caller.kind === "user" ? caller.user.id : null,
      deployedByTokenId: caller.kind === "token" ? caller.id : null,
      changeRecordId: change.id,
      replacedVersionId: replaced?.version.id ?? null,
      reason: path === "emergency" ? change.emergencyJustification : null,
    });
    const events: AuditInput[] = [
      {
        at: now,
        actor,
        action: path === "emergency" ? "deployment.emergency" : "deployment.promoted",
        entityType: "deployment",
        entityId: deploymentId,
        payload: {
          agent: agent.slug,
          environment,
          specHash: facts.specHash,
          version: (await first(
            tx.select({ number: agentVersions.number }).from(agentVersions).where(eq(agentVersions.id, change.headVersionId!)),
          ))!.number,
          changeRecordId: change.id,
          number: change.number,
          replacedSpecHash: replaced?.version.specHash ?? null,
        },
      },
    ];
    if (environment === "production") {
      await refreshDoraFacts(tx, change.agentId);
      await evaluateHarmAfterDeployment(tx, caller, change.agentId, now);
      events.push(await release(tx, change, facts, path, now, actor), ...(await onProductionRelease(tx, change, actor, now)));
      const version = (await first(
        tx.select({ number: agentVersions.number }).from(agentVersions).where(eq(agentVersions.id, change.headVersionId!)),
      ))!;
      const behind = await tx
        .select()
        .from(changeRecords)
        .where(
          and(
            eq(changeRecords.agentId, change.agentId),
            inArray(changeRecords.state, ["draft", "in_review", "approved"]),
            ne(changeRecords.id, change.id),
          ),
        );
      await notifyOutOfDate(tx, behind, { version: version.number, through: facts.label }, now);
      await reassessOpenChanges(tx, change.agentId, { version: version.number, through: facts.label }, actor, now);
    }
    await appendAuditEvents(tx, events);
    return deploymentId;
  });
  return (await deploymentViews(db, [id]))[0]!;
}

/** The change becomes released; who approved the running version is written into the audit trail with it. */
export async function release(
  tx: Pick<DB, "select" | "update">,
  change: ChangeRow,
  facts: GateFacts,
  path: "promote" | "emergency",
  now: number,
  actor: AuditInput["actor"],
): Promise<AuditInput> {
  if (!canTransition(change.state, "released"))
    throw new AppError("conflict", `${facts.label} cannot move from ${change.state} to released`);
  const retroDue =
    path === "emergency" && facts.signoffs.some((s) => s.status === "pending") ? now + RETRO_SIGNOFF_HOURS * 3_600_000 : null;
  await tx
    .update(changeRecords)
    .set({ state: "released", releasedAt: now, updatedAt: now, ...(retroDue !== null && { retroSignoffDueAt: retroDue }) })
    .where(eq(changeRecords.id, change.id));
  await tx.update(agents).set({ lastReviewedAt: now }).where(eq(agents.id, change.agentId));
  const approvals = facts.signoffs
    .filter((s) => s.status === "approved" && s.contentHash === facts.contentHash)
    .map((s) => ({ role: s.role, signerId: s.signerId, contentHash: s.contentHash }));
  return {
    at: now,
    actor,
    action: "change.released",
    entityType: "change_record",
    entityId: change.id,
    payload: {
      number: change.number,
      environment: "production",
      specHash: facts.specHash,
      contentHash: facts.contentHash,
      approvals,
      standardChange: change.standardChange,
      emergency: path === "emergency",
      retroSignoffDueAt: retroDue,
    },
  };
}
