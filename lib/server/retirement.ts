import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray, ne } from "drizzle-orm";
import { z } from "zod";
import { withTransaction, first, getDb } from "@/db";
import { appendAuditEvents, type AuditInput } from "@/db/audit";
import { refreshDoraFacts } from "@/db/dora-facts";
import { evaluateHarmAfterDeployment } from "./harm";
import { agents, changeRecords, deployments } from "@/db/schema";
import { gatesMet, retirementGates, type Gate } from "@/lib/domain/promotion-gates";
import { changeNumberLabel, ENVIRONMENTS } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { actorOf, assertCanRead, type Caller } from "./caller";
import { findChangeRow } from "./change-records";
import { withdrawInTx, type Tx } from "./changes";
import { currentDeployment, deploymentViews, type DeploymentView } from "./deployments";
import { canDeploy, gateFactsOf, release } from "./promotion";
import { inOrder } from "@/lib/in-order";

/** Retiring an agent: a change record like any other, released in every environment at once. */

export type RetirementStep = { gates: Gate[]; ready: boolean; canRetire: boolean };

/** The gates of a retire change, and whether this caller could release it now. Null for any other change. */
export async function retirementStep(caller: Caller, ref: string): Promise<RetirementStep | null> {
  assertCanRead(caller);
  const db = getDb();
  const change = await findChangeRow(db, ref);
  if (!change.retire) return null;
  const gates = retirementGates(await gateFactsOf(db, change, caller));
  return { gates, ready: gatesMet(gates), canRetire: canDeploy(caller, "promote") };
}

/**
 * Releases an approved retire change: a `retire` deployment in every environment (replacing what ran
 * there), the change released, the agent retired, and the agent's other open changes withdrawn, since
 * nothing of them can run any more. Who may: whoever may promote (engineering, operations, a deploy token).
 */
export async function releaseRetirement(caller: Caller, ref: string, input: unknown = {}, now = Date.now()): Promise<DeploymentView[]> {
  if (!canDeploy(caller, "promote"))
    throw new AppError(
      "forbidden",
      caller.kind === "token" ? `Token "${caller.name}" lacks the deploy scope` : "Engineering or operations release changes",
    );
  // It takes no fields; a request that sends some is answered 422 rather than silently obeyed.
  parseInput(z.strictObject({}), input ?? {}, "Releasing a retire change takes no fields");
  const db = getDb();
  const ids = await withTransaction(async (tx) => {
    const change = await findChangeRow(tx, ref);
    const label = changeNumberLabel(change.number);
    if (!change.retire) throw new AppError("conflict", `${label} does not retire its agent: promote it instead`);
    const facts = await gateFactsOf(tx, change, caller);
    const unmet = retirementGates(facts).filter((g) => !g.met);
    if (unmet.length)
      throw new AppError("gate_failed", `${label} cannot retire the agent yet: ${unmet.map((g) => g.reason).join("; ")}`, {
        gates: retirementGates(facts),
      });
    const agent = (await first(tx.select().from(agents).where(eq(agents.id, change.agentId))))!;
    const actor = actorOf(caller);
    const events: AuditInput[] = [];
    const written = await inOrder(ENVIRONMENTS, async (environment) => {
      const running = await currentDeployment(tx, agent.id, environment);
      const id = randomUUID();
      await tx.insert(deployments).values({
        id,
        agentId: agent.id,
        environment,
        // What was retired there; where nothing ran, the version the change retires.
        versionId: running?.version.id ?? change.headVersionId!,
        kind: "retire",
        deployedAt: now,
        deployedById: caller.kind === "user" ? caller.user.id : null,
        deployedByTokenId: caller.kind === "token" ? caller.id : null,
        changeRecordId: change.id,
        replacedVersionId: running?.version.id ?? null,
        reason: `retired by ${label}`,
      });
      events.push({
        at: now,
        actor,
        action: "deployment.retired",
        entityType: "deployment",
        entityId: id,
        payload: {
          agent: agent.slug,
          environment,
          changeRecordId: change.id,
          number: change.number,
          retiredSpecHash: running?.version.specHash ?? null,
        },
      });
      return id;
    });
    events.push(await release(tx, change, facts, "promote", now, actor));
    await tx.update(agents).set({ status: "retired" }).where(eq(agents.id, agent.id));
    events.push({
      at: now,
      actor,
      action: "agent.retired",
      entityType: "agent",
      entityId: agent.id,
      payload: { slug: agent.slug, previousStatus: agent.status, changeRecordId: change.id, number: change.number },
    });
    await appendAuditEvents(tx, events);
    await withdrawOthers(tx, agent.id, change.id, label, actor, now);
    await refreshDoraFacts(tx, agent.id);
    await evaluateHarmAfterDeployment(tx, caller, agent.id, now);
    return written;
  });
  return await deploymentViews(db, ids);
}

/** The retired agent's other open changes can never run: withdrawn, visibly, with the sign-offs they still asked. */
async function withdrawOthers(tx: Tx, agentId: string, retiringId: string, label: string, actor: ReturnType<typeof actorOf>, now: number) {
  const open = await tx
    .select()
    .from(changeRecords)
    .where(
      and(
        eq(changeRecords.agentId, agentId),
        inArray(changeRecords.state, ["draft", "in_review", "approved"]),
        ne(changeRecords.id, retiringId),
      ),
    );
  for (const row of open) {
    const reason = `the agent was retired by ${label}`;
    await withdrawInTx(tx, row, { dismissed: ["pending"], dismissReason: reason, reason, previousState: true }, actor, now);
  }
}
