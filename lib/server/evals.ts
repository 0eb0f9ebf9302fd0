import "server-only";
import { randomUUID } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { withTransaction, first } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { agents, agentVersions, evalRuns } from "@/db/schema";
import { LIMITS, tooLong } from "@/lib/domain/input-limits";
import { ENVIRONMENTS, type Environment } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { actorOf, type Caller } from "./caller";
import { findChangeRow } from "./change-records";
import { hasRole } from "./users";

/** Eval runs: the testing evidence for one exact spec, recorded by engineering or a CI pipeline's token. */

const count = (name: string) =>
  z
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} cannot be negative`)
    .max(10_000_000);

export const evalRunSchema = z
  .strictObject({
    agent: z
      .string({ error: "agent is the agent's slug" })
      .trim()
      .min(1, "Choose the agent")
      .max(LIMITS.name, tooLong("agent", LIMITS.name)),
    specHash: z
      .string({ error: "specHash is the SHA-256 of the spec that was tested" })
      .trim()
      .regex(/^[0-9a-f]{64}$/, "specHash must be a SHA-256 hex digest (64 characters)"),
    environment: z.enum(ENVIRONMENTS, { error: `environment must be one of: ${ENVIRONMENTS.join(", ")}` }),
    suite: z
      .string({ error: "Name the eval suite" })
      .trim()
      .min(1, "Name the eval suite")
      .max(LIMITS.name, tooLong("the suite's name", LIMITS.name)),
    passed: count("passed"),
    failed: count("failed"),
    regressions: count("regressions").optional(),
    reportUrl: z
      .url({ protocol: /^https?$/, error: "reportUrl must be an http(s) link" })
      .max(LIMITS.url, tooLong("reportUrl", LIMITS.url))
      .nullish(),
    change: z.string({ error: "change must be text" }).trim().min(1).max(LIMITS.name, tooLong("change", LIMITS.name)).nullish(),
  })
  .refine((v) => v.passed + v.failed > 0, { message: "An eval run has at least one case (passed + failed > 0)", path: ["passed"] })
  .refine((v) => (v.regressions ?? 0) <= v.failed, {
    message: "Regressions are failures: there cannot be more regressions than failed cases",
    path: ["regressions"],
  });

export type EvalRunInput = z.input<typeof evalRunSchema>;

export type RecordedEvalRun = {
  id: string;
  agent: string;
  specHash: string;
  version: number;
  environment: Environment;
  suite: string;
  passed: number;
  failed: number;
  regressions: number;
  reportUrl: string | null;
  changeNumber: number | null;
  recordedAt: number;
  recordedBy: string;
};

/** A change named in the body: unknown or of another agent is a field error, not a 404. */
async function changeOf(tx: Parameters<typeof findChangeRow>[0], ref: string, agentId: string) {
  let change;
  try {
    change = await findChangeRow(tx, ref);
  } catch {
    throw new AppError("validation_failed", `No change record ${ref}`, { fieldErrors: { change: [`No change record ${ref}`] } });
  }
  if (change.agentId !== agentId)
    throw new AppError("validation_failed", `CR-${change.number} changes another agent`, {
      fieldErrors: { change: [`CR-${change.number} changes another agent`] },
    });
  return change;
}

export function canRecordEvals(caller: Caller): boolean {
  return caller.kind === "token" ? caller.scopes.includes("evals:write") : hasRole(caller.user, "engineering", "operations");
}

/** Records an eval run against a version of the agent; an unknown spec hash is refused, not stored. */
export async function recordEvalRun(caller: Caller, input: unknown, now = Date.now()): Promise<RecordedEvalRun> {
  if (!canRecordEvals(caller)) {
    throw new AppError(
      "forbidden",
      caller.kind === "token"
        ? `Token "${caller.name}" lacks the evals:write scope`
        : "Eval runs are recorded by engineering or operations",
    );
  }
  const data = parseInput(evalRunSchema, input, "The eval run has problems");
  return await withTransaction(async (tx) => {
    const agent = await first(tx.select().from(agents).where(eq(agents.slug, data.agent)));
    if (!agent)
      throw new AppError("validation_failed", `No agent with slug "${data.agent}"`, {
        fieldErrors: { agent: [`No agent with slug "${data.agent}"`] },
      });
    const change = data.change ? await changeOf(tx, data.change, agent.id) : null;
    // The same spec can come back in a later version (a revert): the change's own head decides, else the newest.
    const version = change
      ? await first(
          tx
            .select()
            .from(agentVersions)
            .where(and(eq(agentVersions.id, change.headVersionId ?? ""), eq(agentVersions.specHash, data.specHash))),
        )
      : await first(
          tx
            .select()
            .from(agentVersions)
            .where(and(eq(agentVersions.agentId, agent.id), eq(agentVersions.specHash, data.specHash)))
            .orderBy(desc(agentVersions.number)),
        );
    if (!version) {
      const message = change
        ? `CR-${change.number} does not propose spec ${data.specHash.slice(0, 12)}…`
        : `${agent.slug} has no version with spec hash ${data.specHash.slice(0, 12)}…; record evals for a spec that a change record proposed`;
      throw new AppError("validation_failed", message, { fieldErrors: { specHash: [message] } });
    }
    const id = randomUUID();
    const row = {
      id,
      agentId: agent.id,
      changeRecordId: change?.id ?? version.changeRecordId,
      specHash: data.specHash,
      environment: data.environment,
      suite: data.suite,
      passed: data.passed,
      failed: data.failed,
      regressions: data.regressions ?? 0,
      reportUrl: data.reportUrl ?? null,
      recordedAt: now,
      recordedById: caller.kind === "user" ? caller.user.id : null,
      recordedByTokenId: caller.kind === "token" ? caller.id : null,
    };
    await tx.insert(evalRuns).values(row);
    const actor = actorOf(caller);
    await appendAuditEvent(tx, {
      at: now,
      actor,
      action: "eval.recorded",
      entityType: "eval_run",
      entityId: id,
      payload: {
        agent: agent.slug,
        specHash: data.specHash,
        environment: data.environment,
        suite: data.suite,
        passed: data.passed,
        failed: data.failed,
        regressions: row.regressions,
      },
    });
    const changeNumber = row.changeRecordId ? (change?.number ?? (await findChangeRow(tx, row.changeRecordId)).number) : null;
    return {
      id,
      agent: agent.slug,
      specHash: data.specHash,
      version: version.number,
      environment: data.environment,
      suite: data.suite,
      passed: data.passed,
      failed: data.failed,
      regressions: row.regressions,
      reportUrl: row.reportUrl,
      changeNumber,
      recordedAt: now,
      recordedBy: actor.label,
    };
  });
}
