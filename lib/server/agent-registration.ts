import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { agents, userRoles, users, workflows } from "@/db/schema";
import { changeNumberLabel, type AgentStatus, type Platform, type Role } from "@/lib/domain/terms";
import { AppError, type FieldErrors } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { registerAgentSchema, type RegisterAgentInput } from "@/lib/validations/agent-registration";
import { actorOf, type Caller } from "./caller";
import { changeView, findChangeRow, type ChangeRecordView } from "./change-records";
import { assertSubmittableSpec, createChangeInTx } from "./changes";

/** Engineering builds agents and workflow owners ask for them; other people review or read. */
const REGISTRAR_ROLES: Role[] = ["engineering", "workflow_owner"];

export function canRegisterAgents(user: { roles: Role[] }): boolean {
  return user.roles.some((r) => REGISTRAR_ROLES.includes(r));
}

function assertCanRegister(caller: Caller) {
  if (caller.kind === "token") {
    if (!caller.scopes.includes("changes:write")) throw new AppError("forbidden", `Token "${caller.name}" lacks the changes:write scope`);
    return;
  }
  if (!canRegisterAgents(caller.user)) throw new AppError("forbidden", "Engineering and workflow owners register new agents");
}

export type RegisteredAgent = {
  id: string;
  slug: string;
  name: string;
  description: string;
  platform: Platform;
  workflow: string;
  engineeringOwner: string;
  rollbackOwner: string;
  status: AgentStatus;
  createdAt: number;
};

type Reader = Pick<DB, "select">;

async function activePerson(tx: Reader, email: string) {
  const person = await first(tx.select({ id: users.id, disabled: users.disabled }).from(users).where(eq(users.email, email)));
  return person && !person.disabled ? person : null;
}

/**
 * Registers a new agent through review: the agent, `proposed`, and the change record that proposes its first
 * spec (no base version, so every review domain is touched), in one transaction. With `submit` the change goes
 * to review at once. The agent becomes active with that change's first production release.
 */
export async function registerAgent(
  caller: Caller,
  input: RegisterAgentInput | unknown,
  now = Date.now(),
): Promise<{ agent: RegisteredAgent; change: ChangeRecordView }> {
  assertCanRegister(caller);
  const data = parseInput(registerAgentSchema, input, "Some fields need attention");
  const fields = { ...data, title: data.title || `Register ${data.name}` };
  assertSubmittableSpec(fields);
  const actor = actorOf(caller);
  const db = getDb();
  const result = await withTransaction(async (tx) => {
    const errors: FieldErrors = {};
    if (await first(tx.select({ id: agents.id }).from(agents).where(eq(agents.slug, data.slug))))
      errors.slug = [`The slug "${data.slug}" is taken by another agent`];
    const workflow = await first(tx.select({ id: workflows.id }).from(workflows).where(eq(workflows.slug, data.workflow)));
    if (!workflow) errors.workflow = [`No workflow with slug "${data.workflow}"`];
    const engineer = await activePerson(tx, data.engineeringOwner);
    const isEngineer =
      engineer &&
      (await first(
        tx
          .select({ role: userRoles.role })
          .from(userRoles)
          .where(and(eq(userRoles.userId, engineer.id), eq(userRoles.role, "engineering"))),
      ));
    if (!isEngineer) errors.engineeringOwner = [`No active person in engineering with email ${data.engineeringOwner}`];
    const rollbackOwner = await activePerson(tx, data.rollbackOwner);
    if (!rollbackOwner) errors.rollbackOwner = [`No active person with email ${data.rollbackOwner}`];
    if (Object.keys(errors).length > 0) throw new AppError("validation_failed", "Some fields need attention", { fieldErrors: errors });

    const agent = {
      id: randomUUID(),
      slug: data.slug,
      name: data.name,
      description: data.description,
      platform: data.platform,
      workflowId: workflow!.id,
      engineeringOwnerId: engineer!.id,
      rollbackOwnerId: rollbackOwner!.id,
      status: "proposed" as const,
      lastReviewedAt: null,
      createdAt: now,
    };
    await tx.insert(agents).values(agent);
    const change = await createChangeInTx(tx, caller, agent, fields, now);
    await appendAuditEvent(tx, {
      at: now,
      actor,
      action: "agent.registered",
      entityType: "agent",
      entityId: agent.id,
      payload: {
        slug: agent.slug,
        name: agent.name,
        platform: agent.platform,
        workflow: data.workflow,
        engineeringOwner: data.engineeringOwner,
        rollbackOwner: data.rollbackOwner,
        status: agent.status,
        number: change.number,
        change: changeNumberLabel(change.number),
      },
    });
    return {
      agent: {
        id: agent.id,
        slug: agent.slug,
        name: agent.name,
        description: agent.description,
        platform: agent.platform,
        workflow: data.workflow,
        engineeringOwner: data.engineeringOwner,
        rollbackOwner: data.rollbackOwner,
        status: agent.status,
        createdAt: now,
      },
      changeId: change.id,
    };
  });
  return { agent: result.agent, change: await changeView(db, await findChangeRow(db, result.changeId)) };
}
