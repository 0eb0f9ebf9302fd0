import "server-only";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { first, getDb } from "@/db";
import { agents, changeRecords, userRoles, users, workflows } from "@/db/schema";
import { specToYaml } from "@/lib/domain/spec";
import { changeNumberLabel } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import type { ChangePreview } from "@/lib/validations/change-record";
import { parseInput } from "@/lib/validations/field-errors";
import { registrationChangeOf } from "./agent-lifecycle";
import { assertCanRead, type Caller } from "./caller";
import { readSpecInput } from "./change-records";
import { previewFieldsSchema, withAssessment } from "./change-queries";
import { currentPolicy } from "./policy";

/** What the registration form reads: who can own an agent, and the live review of a first spec. Writes nothing. */

/** Active people holding engineering: the only ones who may be an agent's engineering owner. */
export async function engineeringPeople(): Promise<{ email: string; name: string }[]> {
  return await getDb()
    .select({ email: users.email, name: users.name })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .where(and(eq(userRoles.role, "engineering"), eq(users.disabled, false)))
    .orderBy(asc(users.name));
}

const previewSchema = previewFieldsSchema.extend({ workflow: z.string().trim() });

/** A new agent's first spec as the author types: everything it grants is added; its tier follows the workflow's class. */
export async function previewRegistration(caller: Caller, input: unknown): Promise<ChangePreview> {
  assertCanRead(caller);
  const data = parseInput(previewSchema, input, "The preview request is malformed");
  const workflow = data.workflow ? await first(getDb().select().from(workflows).where(eq(workflows.slug, data.workflow))) : undefined;
  if (!workflow) throw new AppError("not_found", "Choose the workflow to see the risk tier and who must sign");
  const read = readSpecInput(data.spec);
  const empty: ChangePreview = {
    spec: read.spec,
    yaml: read.spec ? specToYaml(read.spec) : null,
    specIssues: read.issues,
    baseVersion: null,
    comparedWithProduction: false,
    basedOn: null,
    outOfDate: false,
    diff: [],
    tier: null,
    reasons: [],
    required: [],
    standardChange: null,
  };
  return withAssessment(empty, { ...data, retire: false }, { workflow, base: null }, (await currentPolicy(getDb())).policy);
}

/**
 * For an agent's page, the change behind its status: the one that registers (or registered) an agent not yet
 * active, or the one that retired it; null for an agent that is simply active.
 */
export async function agentRegistration(caller: Caller, slug: string): Promise<{ label: string; state: string } | null> {
  assertCanRead(caller);
  const db = getDb();
  const agent = await first(db.select({ id: agents.id, status: agents.status }).from(agents).where(eq(agents.slug, slug)));
  if (!agent || agent.status === "active") return null;
  const change =
    agent.status === "retired"
      ? ((await first(
          db
            .select({ number: changeRecords.number, state: changeRecords.state })
            .from(changeRecords)
            .where(and(eq(changeRecords.agentId, agent.id), eq(changeRecords.retire, true), eq(changeRecords.state, "released"))),
        )) ?? null)
      : await registrationChangeOf(db, agent.id);
  return change ? { label: changeNumberLabel(change.number), state: change.state } : null;
}
