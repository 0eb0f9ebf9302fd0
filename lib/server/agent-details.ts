import "server-only";
import { and, eq } from "drizzle-orm";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { agents, userRoles, users, workflows } from "@/db/schema";
import type { RiskLevel } from "@/lib/domain/terms";
import { isHigherClass } from "@/lib/domain/workflow-rules";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { agentDetailsSchema } from "@/lib/validations/agent-details";
import { actorOf, assertCanRead, type Caller } from "./caller";
import { assertRuntimeNamesFree } from "./runtime-names";
import { reassessForWorkflowMove } from "./workflow-move";

/** An agent's details (name, description, owners, workflow, runtime names), edited by an admin or the agent's engineering owner. */

export type AgentDetailsView = {
  slug: string;
  name: string;
  description: string;
  engineeringOwner: { email: string; name: string };
  rollbackOwner: { email: string; name: string };
  workflow: { slug: string; name: string; riskClass: RiskLevel };
  /** The names the agent's runtime gives it in traces (`gen_ai.agent.name`), besides its slug. */
  runtimeNames: string[];
  /** The open changes re-assessed (or marked for it) by a move to a higher-class workflow. */
  reassessed: string[];
};

type Reader = Pick<DB, "select">;
type AgentRow = typeof agents.$inferSelect;

async function findAgent(db: Reader, slug: string): Promise<AgentRow> {
  const agent = await first(db.select().from(agents).where(eq(agents.slug, slug)));
  if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
  return agent;
}

function mayEdit(caller: Caller, agent: AgentRow): boolean {
  return caller.kind === "user" && (caller.user.roles.includes("admin") || caller.user.id === agent.engineeringOwnerId);
}

/** Whether the caller may edit this agent's details: for the agent page's "Edit details" link. */
export async function canEditAgentDetails(caller: Caller, slug: string): Promise<boolean> {
  const agent = await first(getDb().select().from(agents).where(eq(agents.slug, slug)));
  return agent !== undefined && mayEdit(caller, agent);
}

function assertMayEdit(caller: Caller, agent: AgentRow): void {
  if (caller.kind === "token") throw new AppError("forbidden", "API tokens cannot edit agent details; a person does");
  if (!mayEdit(caller, agent)) throw new AppError("forbidden", `Only admins and the engineering owner of ${agent.slug} edit its details`);
}

const invalid = (field: string, message: string) =>
  new AppError("validation_failed", "The agent's details have problems", { fieldErrors: { [field]: [message] } });

async function personByEmail(db: Reader, field: string, email: string, role?: "engineering") {
  const person = await first(
    db.select({ id: users.id, email: users.email, disabled: users.disabled }).from(users).where(eq(users.email, email)),
  );
  if (!person || person.disabled) throw invalid(field, `No active person with email ${email}`);
  if (
    role &&
    !(await first(
      db
        .select()
        .from(userRoles)
        .where(and(eq(userRoles.userId, person.id), eq(userRoles.role, role))),
    ))
  )
    throw invalid(field, `${email} does not hold the engineering role`);
  return person;
}

async function detailsView(db: Reader, slug: string, reassessed: string[] = []): Promise<AgentDetailsView> {
  const agent = await findAgent(db, slug);
  const workflow = (await first(db.select().from(workflows).where(eq(workflows.id, agent.workflowId))))!;
  const person = async (id: string) =>
    (await first(db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, id))))!;
  return {
    slug: agent.slug,
    name: agent.name,
    description: agent.description,
    engineeringOwner: await person(agent.engineeringOwnerId),
    rollbackOwner: await person(agent.rollbackOwnerId),
    workflow: { slug: workflow.slug, name: workflow.name, riskClass: workflow.riskClass },
    runtimeNames: agent.runtimeNames,
    reassessed,
  };
}

export async function getAgentDetails(caller: Caller, slug: string): Promise<AgentDetailsView> {
  assertCanRead(caller);
  return await detailsView(getDb(), slug);
}

/**
 * Edits an agent's details (`{name?, description?, engineeringOwner?, rollbackOwner?, workflow?, runtimeNames?}`;
 * people by email, the workflow by slug; runtime names replace the list, and none may lead to another agent). One `agent.updated` event holds the changed fields before and after.
 * A move to a workflow of a higher risk class re-assesses the agent's open changes (see workflow-move.ts);
 * a move to an equal or lower class leaves them as they are.
 */
export async function updateAgentDetails(caller: Caller, slug: string, input: unknown, now = Date.now()): Promise<AgentDetailsView> {
  if (caller.kind === "token") throw new AppError("forbidden", "API tokens cannot edit agent details; a person does");
  // Who before what, even before the agent is looked up: only admins and engineers can own an agent's details.
  if (!caller.user.roles.some((r) => r === "admin" || r === "engineering"))
    throw new AppError("forbidden", "Only admins and an agent's engineering owner edit its details");
  const actor = actorOf(caller);
  return await withTransaction(async (tx) => {
    const agent = await findAgent(tx, slug);
    assertMayEdit(caller, agent);
    const data = parseInput(agentDetailsSchema, input, "The agent's details have problems");
    const emailOf = async (id: string) => (await first(tx.select({ email: users.email }).from(users).where(eq(users.id, id))))!.email;
    const current = (await first(tx.select().from(workflows).where(eq(workflows.id, agent.workflowId))))!;
    const before: Record<string, string | string[]> = {};
    const after: Record<string, string | string[]> = {};
    const set: Partial<AgentRow> = {};
    const note = (field: string, from: string | string[], to: string | string[]) => {
      before[field] = from;
      after[field] = to;
    };
    if (data.name !== undefined && data.name !== agent.name) {
      set.name = data.name;
      note("name", agent.name, data.name);
    }
    if (data.description !== undefined && data.description !== agent.description) {
      set.description = data.description;
      note("description", agent.description, data.description);
    }
    if (data.engineeringOwner !== undefined) {
      const person = await personByEmail(tx, "engineeringOwner", data.engineeringOwner, "engineering");
      if (person.id !== agent.engineeringOwnerId) {
        set.engineeringOwnerId = person.id;
        note("engineeringOwner", await emailOf(agent.engineeringOwnerId), person.email);
      }
    }
    if (data.rollbackOwner !== undefined) {
      const person = await personByEmail(tx, "rollbackOwner", data.rollbackOwner);
      if (person.id !== agent.rollbackOwnerId) {
        set.rollbackOwnerId = person.id;
        note("rollbackOwner", await emailOf(agent.rollbackOwnerId), person.email);
      }
    }
    if (data.runtimeNames !== undefined && JSON.stringify(data.runtimeNames) !== JSON.stringify(agent.runtimeNames)) {
      await assertRuntimeNamesFree(tx, agent.id, data.runtimeNames);
      set.runtimeNames = data.runtimeNames;
      note("runtimeNames", agent.runtimeNames, data.runtimeNames);
    }
    let moved: typeof current | null = null;
    if (data.workflow !== undefined) {
      const target = await first(tx.select().from(workflows).where(eq(workflows.slug, data.workflow)));
      if (!target) throw invalid("workflow", `No workflow with slug "${data.workflow}"`);
      if (target.id !== agent.workflowId) {
        // A lower class lowers the review every later change gets: the admins' call, like the class itself.
        if (isHigherClass(target.riskClass, current.riskClass) && !caller.user.roles.includes("admin"))
          throw new AppError(
            "forbidden",
            `Only an admin moves ${agent.slug} to a workflow of a lower risk class (${current.riskClass} → ${target.riskClass}): it lowers the review its changes get`,
          );
        set.workflowId = target.id;
        note("workflow", current.slug, target.slug);
        moved = target;
      }
    }
    if (Object.keys(set).length === 0) return await detailsView(tx, slug);
    await tx.update(agents).set(set).where(eq(agents.id, agent.id));
    await appendAuditEvent(tx, {
      at: now,
      actor,
      action: "agent.updated",
      entityType: "agent",
      entityId: agent.id,
      payload: {
        slug,
        before,
        after,
        ...(moved && { riskClass: { from: current.riskClass, to: moved.riskClass } }),
      },
    });
    const reassessed =
      moved && isHigherClass(current.riskClass, moved.riskClass) ? await reassessForWorkflowMove(tx, agent.id, moved, actor, now) : [];
    return await detailsView(tx, slug, reassessed);
  });
}

/** What the edit form offers: every workflow, the people who may own engineering, and every active person. */
export async function agentDetailsChoices(caller: Caller) {
  assertCanRead(caller);
  const db = getDb();
  return {
    workflows: await db
      .select({ slug: workflows.slug, name: workflows.name, riskClass: workflows.riskClass })
      .from(workflows)
      .orderBy(workflows.name),
    engineers: await db
      .select({ email: users.email, name: users.name })
      .from(users)
      .innerJoin(userRoles, and(eq(userRoles.userId, users.id), eq(userRoles.role, "engineering")))
      .where(eq(users.disabled, false))
      .orderBy(users.name),
    people: await db.select({ email: users.email, name: users.name }).from(users).where(eq(users.disabled, false)).orderBy(users.name),
  };
}
