import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvents, type AuditInput } from "@/db/audit";
import { agents, userRoles, users, workflows } from "@/db/schema";
import type { RiskLevel } from "@/lib/domain/terms";
import { slugFromName, uniqueSlug } from "@/lib/domain/workflow-rules";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { createWorkflowSchema, updateWorkflowSchema } from "@/lib/validations/workflow";
import { actorOf, assertCanRead, type Caller } from "./caller";

/** Workflows: the business processes agents act in, each with an owner and a risk class. Admins manage them; everyone reads. */

export type WorkflowView = {
  id: string;
  slug: string;
  name: string;
  owner: { email: string; name: string };
  riskClass: RiskLevel;
  riskReason: string;
  agents: number;
  createdAt: number;
};

type Reader = Pick<DB, "select">;

export function canManageWorkflows(caller: Caller): boolean {
  return caller.kind === "user" && caller.user.roles.includes("admin");
}

/** Only a person holding the admin role manages workflows; a token never does. */
function assertAdmin(caller: Caller): void {
  if (caller.kind === "token") throw new AppError("forbidden", "API tokens cannot manage workflows; an admin does that in Settings");
  if (!caller.user.roles.includes("admin")) throw new AppError("forbidden", "Only admins manage workflows");
}

const invalid = (field: string, message: string) => new AppError("validation_failed", message, { fieldErrors: { [field]: [message] } });

/** The owner named by email: an active person holding the workflow owner role. */
async function ownerByEmail(db: Reader, email: string): Promise<{ id: string; email: string }> {
  const person = await first(
    db.select({ id: users.id, email: users.email, disabled: users.disabled }).from(users).where(eq(users.email, email)),
  );
  if (!person || person.disabled) throw invalid("owner", `No active person with email ${email}`);
  const holds = await first(
    db
      .select({ role: userRoles.role })
      .from(userRoles)
      .where(and(eq(userRoles.userId, person.id), eq(userRoles.role, "workflow_owner"))),
  );
  if (!holds) throw invalid("owner", `${email} does not hold the workflow owner role; an admin gives it on the People page first`);
  return person;
}

const VIEW = {
  id: workflows.id,
  slug: workflows.slug,
  name: workflows.name,
  ownerEmail: users.email,
  ownerName: users.name,
  riskClass: workflows.riskClass,
  riskReason: workflows.riskReason,
  createdAt: workflows.createdAt,
  agents: sql<number>`(SELECT COUNT(*) FROM ${agents} WHERE ${agents.workflowId} = ${workflows.id})`,
};

function toView(row: { ownerEmail: string; ownerName: string } & Omit<WorkflowView, "owner">): WorkflowView {
  const { ownerEmail, ownerName, ...rest } = row;
  return { ...rest, owner: { email: ownerEmail, name: ownerName } };
}

async function workflowView(db: Reader, id: string): Promise<WorkflowView> {
  return toView(
    (await first(db.select(VIEW).from(workflows).innerJoin(users, eq(users.id, workflows.ownerId)).where(eq(workflows.id, id))))!,
  );
}

export const workflowFiltersSchema = z.object({ ...paging });
export type WorkflowFilters = z.infer<typeof workflowFiltersSchema>;

export function parseWorkflowFilters(params: SearchParamsInput): WorkflowFilters {
  return parseQuery(workflowFiltersSchema, params);
}

/** Workflows by name, with how many agents act in each. */
export async function listWorkflows(
  caller: Caller,
  filters: Partial<WorkflowFilters> = {},
): Promise<{ items: WorkflowView[]; total: number }> {
  assertCanRead(caller);
  const db = getDb();
  const total = (await first(db.select({ n: sql<number>`COUNT(*)` }).from(workflows)))!.n;
  const pageSize = filters.pageSize ?? 50;
  const items = (
    await db
      .select(VIEW)
      .from(workflows)
      .innerJoin(users, eq(users.id, workflows.ownerId))
      .orderBy(asc(sql`${workflows.name} COLLATE NOCASE`), asc(workflows.slug))
      .limit(pageSize)
      .offset(((filters.page ?? 1) - 1) * pageSize)
  ).map(toView);
  return { items, total };
}

export async function getWorkflow(caller: Caller, slug: string): Promise<WorkflowView> {
  assertCanRead(caller);
  const db = getDb();
  const row = await first(db.select({ id: workflows.id }).from(workflows).where(eq(workflows.slug, slug)));
  if (!row) throw new AppError("not_found", `No workflow with slug "${slug}"`);
  return await workflowView(db, row.id);
}

/** Who may own a workflow: active people holding the workflow owner role, by name. */
export async function workflowOwnerCandidates(caller: Caller): Promise<{ email: string; name: string }[]> {
  assertCanRead(caller);
  return await getDb()
    .select({ email: users.email, name: users.name })
    .from(users)
    .innerJoin(userRoles, and(eq(userRoles.userId, users.id), eq(userRoles.role, "workflow_owner")))
    .where(eq(users.disabled, false))
    .orderBy(users.name);
}

/** Creates a workflow; its slug comes from its name, with -2, -3… when taken. */
export async function createWorkflow(caller: Caller, input: unknown, now = Date.now()): Promise<WorkflowView> {
  assertAdmin(caller);
  const data = parseInput(createWorkflowSchema, input, "The workflow has problems");
  const db = getDb();
  const id = await withTransaction(async (tx) => {
    const owner = await ownerByEmail(tx, data.owner);
    const base = slugFromName(data.name);
    const taken = new Set(
      (
        await tx
          .select({ slug: workflows.slug })
          .from(workflows)
          .where(sql`${workflows.slug} = ${base || "workflow"} OR ${workflows.slug} LIKE ${`${base || "workflow"}-%`}`)
      ).map((w) => w.slug),
    );
    const slug = uniqueSlug(base, taken);
    const id = randomUUID();
    const { name, riskClass, riskReason } = data;
    await tx.insert(workflows).values({ id, slug, name, ownerId: owner.id, riskClass, riskReason, createdAt: now });
    await appendAuditEvents(tx, [
      {
        at: now,
        actor: actorOf(caller),
        action: "workflow.created",
        entityType: "workflow",
        entityId: id,
        payload: { slug, name, owner: owner.email, riskClass, riskReason },
      },
    ]);
    return id;
  });
  return await workflowView(db, id);
}

/**
 * Renames a workflow, changes its owner, or its risk class (always with the reason). The slug stays, so
 * links and API calls keep working. A new class applies to changes assessed from now on: a change in
 * review keeps the tier it was assessed with, and its page says the class changed since.
 */
export async function updateWorkflow(caller: Caller, slug: string, input: unknown, now = Date.now()): Promise<WorkflowView> {
  assertAdmin(caller);
  const data = parseInput(updateWorkflowSchema, input, "The workflow has problems");
  const db = getDb();
  const actor = actorOf(caller);
  const id = await withTransaction(async (tx) => {
    const row = await first(tx.select().from(workflows).where(eq(workflows.slug, slug)));
    if (!row) throw new AppError("not_found", `No workflow with slug "${slug}"`);
    const event = (action: string, payload: Record<string, unknown>): AuditInput => ({
      at: now,
      actor,
      action,
      entityType: "workflow",
      entityId: row.id,
      payload: { slug, ...payload },
    });
    const events: AuditInput[] = [];
    const set: Partial<typeof workflows.$inferInsert> = {};
    if (data.name !== undefined && data.name !== row.name) {
      set.name = data.name;
      events.push(event("workflow.renamed", { from: row.name, to: data.name }));
    }
    if (data.owner !== undefined) {
      const owner = await ownerByEmail(tx, data.owner);
      if (owner.id !== row.ownerId) {
        const before = (await first(tx.select({ email: users.email }).from(users).where(eq(users.id, row.ownerId))))!;
        set.ownerId = owner.id;
        events.push(event("workflow.owner_changed", { from: before.email, to: owner.email }));
      }
    }
    const classChanges = data.riskClass !== undefined && data.riskClass !== row.riskClass;
    if (classChanges && data.riskReason === undefined)
      throw invalid("riskReason", `Say why ${row.name} is now ${data.riskClass}: the reason is required when the risk class changes`);
    if (classChanges) {
      set.riskClass = data.riskClass;
      set.riskReason = data.riskReason;
      events.push(event("workflow.risk_class_changed", { from: row.riskClass, to: data.riskClass, reason: data.riskReason }));
    } else if (data.riskReason !== undefined && data.riskReason !== row.riskReason) {
      set.riskReason = data.riskReason;
      events.push(event("workflow.risk_reason_changed", { riskClass: row.riskClass, from: row.riskReason, to: data.riskReason }));
    }
    if (events.length === 0) return row.id;
    await tx.update(workflows).set(set).where(eq(workflows.id, row.id));
    await appendAuditEvents(tx, events);
    return row.id;
  });
  return await workflowView(db, id);
}
