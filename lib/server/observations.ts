import "server-only";
import { randomUUID } from "node:crypto";
import { and, desc, eq, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent, SYSTEM_ACTOR } from "@/db/audit";
import { agents, agentVersions, deployments, driftRecords, observations, workflows } from "@/db/schema";
import { assessDrift, driftNumberLabel, observationOutcome } from "@/lib/domain/drift";
import { CLOCK_SKEW_MS, LIMITS, tooLong } from "@/lib/domain/input-limits";
import { specHash, type AgentSpec } from "@/lib/domain/spec";
import { ENVIRONMENTS, type Environment, type Role } from "@/lib/domain/terms";
import { importFiles } from "@/lib/importers";
import { IMPORT_PLATFORMS, ImportError } from "@/lib/importers/types";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { refuseNul } from "@/lib/validations/nul";
import { actorOf, type Caller } from "./caller";
import { readSpecInput } from "./change-records";
import type { Tx } from "./changes";
import { driftView, type DriftView } from "./drift";
import { MAX_IMPORT_FILES } from "./import";
import { notifyDriftOpened } from "./notifications";

/** People who report what runs: engineering and operations (tokens need the `observe` scope). */
const OBSERVER_ROLES: Role[] = ["engineering", "operations"];

function assertCanObserve(caller: Caller) {
  if (caller.kind === "token") {
    if (!caller.scopes.includes("observe")) throw new AppError("forbidden", `Token "${caller.name}" lacks the observe scope`);
    return;
  }
  if (!caller.user.roles.some((r) => OBSERVER_ROLES.includes(r)))
    throw new AppError("forbidden", "Only engineering and operations report what an environment runs");
}

export const observationSchema = z
  .strictObject({
    environment: z.enum(ENVIRONMENTS, { error: `environment is one of: ${ENVIRONMENTS.join(", ")}` }),
    /** What runs, as a canonical spec (an object or YAML/JSON text)… */
    spec: z
      .union([z.string().max(LIMITS.specText, tooLong("the spec", LIMITS.specText)), z.record(z.string(), z.unknown())], {
        error: "spec must be an object or YAML/JSON text",
      })
      .optional(),
    /** …or the platform's own files, read by the importers. */
    files: z
      .array(z.strictObject({ path: z.string().min(1).max(500), content: z.string() }), { error: "files must be [{path, content}]" })
      .min(1, "Send at least one file")
      .max(MAX_IMPORT_FILES, `Send at most ${MAX_IMPORT_FILES} files`)
      .optional(),
    platform: z.enum(IMPORT_PLATFORMS, { error: `platform is one of: ${IMPORT_PLATFORMS.join(", ")}` }).optional(),
    /** …or that the agent was not found there at all (a retired agent's export, say). */
    absent: z.literal(true, { error: "absent is true, or left out" }).optional(),
    source: z
      .string({ error: 'Name the source, e.g. "nightly Salesforce retrieve"' })
      .trim()
      .min(1, 'Name the source, e.g. "nightly Salesforce retrieve"')
      .max(200, tooLong("the source", 200)),
    observedAt: z.iso.datetime({ offset: true, error: "observedAt is an ISO-8601 time, like 2026-12-01T03:00:00Z" }).optional(),
  })
  .refine((o) => [o.spec, o.files, o.absent].filter((x) => x !== undefined).length === 1, {
    message: "Send one of spec (a Countersign spec), files (the platform's own) or absent: true (not found there)",
    path: ["spec"],
  });

/** The spec observed: as sent, or read from the platform's files; a clear 422 when it is neither. */
function observedSpecOf(input: z.output<typeof observationSchema>): AgentSpec {
  if (input.spec !== undefined) {
    const read = readSpecInput(input.spec as string | Record<string, unknown>);
    if (read.spec) return read.spec;
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of read.issues) (fieldErrors[issue.path === "spec" ? "spec" : `spec.${issue.path}`] ??= []).push(issue.message);
    throw new AppError("validation_failed", "The observed spec is not valid", { fieldErrors });
  }
  let result;
  try {
    result = importFiles(input.files!, input.platform);
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    const message = error.file && !error.message.includes(error.file) ? `${error.file}: ${error.message}` : error.message;
    throw new AppError("validation_failed", message, { fieldErrors: { files: [message] } });
  }
  if (result.agents.length !== 1) {
    const message =
      result.agents.length === 0
        ? `No agent among the files (read as ${result.platform})`
        : `${result.agents.length} agents among the files (${result.agents.map((a) => a.name).join(", ")}): send one agent's files`;
    throw new AppError("validation_failed", message, { fieldErrors: { files: [message] } });
  }
  return result.agents[0]!.spec;
}

/** The version an environment ran at an instant: its latest deployment then, unless that retired it. */
export async function deployedAt(db: Pick<DB, "select">, agentId: string, environment: Environment, at: number) {
  const row = await first(
    db
      .select({ kind: deployments.kind, version: agentVersions })
      .from(deployments)
      .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
      .where(and(eq(deployments.agentId, agentId), eq(deployments.environment, environment), lte(deployments.deployedAt, at)))
      .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
      .limit(1),
  );
  return row && row.kind !== "retire" ? row.version : null;
}

export type ObservationResult = {
  observation: { id: string; environment: Environment; specHash: string | null; source: string; observedAt: number; inSync: boolean };
  /** The version it was compared with: what was deployed there at observedAt. */
  comparedWith: { version: number; specHash: string } | null;
  /** The drift record it opened, attached to or closed; null when in sync with nothing open. */
  drift: DriftView | null;
};

/**
 * Records what an environment was observed running and compares it with the version deployed there at
 * `observedAt`. In sync: only "last observed" moves (and an open drift record closes). Different: the
 * agent's open drift record for that environment takes the observation, or one opens, its owners and
 * security told. One open record per agent and environment, however many observations race.
 */
export async function recordObservation(caller: Caller, slug: string, input: unknown, now = Date.now()): Promise<ObservationResult> {
  assertCanObserve(caller);
  refuseNul(input, "The observation is not valid");
  const data = parseInput(observationSchema, input, "The observation is not valid");
  const observedAt = data.observedAt ? Date.parse(data.observedAt) : now;
  if (observedAt > now + CLOCK_SKEW_MS)
    throw new AppError("validation_failed", "observedAt is in the future", {
      fieldErrors: { observedAt: ["observedAt is in the future"] },
    });
  const observed = data.absent ? null : observedSpecOf(data);
  const db = getDb();
  const { id, driftId, comparedWith } = await withTransaction(async (tx) => {
    const agent = await first(tx.select().from(agents).where(eq(agents.slug, slug)));
    if (!agent) throw new AppError("not_found", `No agent with slug "${slug}"`);
    if (observedAt < agent.createdAt)
      throw new AppError("validation_failed", "observedAt is before the agent was registered", {
        fieldErrors: { observedAt: [`observedAt is before ${agent.slug} was registered (${new Date(agent.createdAt).toISOString()})`] },
      });
    return await observeIn(tx, caller, agent, { environment: data.environment, observed, source: data.source, observedAt }, now);
  });
  const row = (await first(db.select().from(observations).where(eq(observations.id, id))))!;
  return {
    observation: {
      id,
      environment: row.environment,
      specHash: row.specHash,
      source: row.source,
      observedAt: row.observedAt,
      inSync: row.inSync,
    },
    comparedWith,
    drift: driftId ? await driftView(db, driftId, now) : null,
  };
}

/**
 * Records one observation inside the caller's transaction and moves the agent's drift record for that
 * environment: runtime evidence uses it for the model a trace shows answering.
 */
export async function observeIn(
  tx: Tx,
  caller: Caller,
  agent: typeof agents.$inferSelect,
  input: { environment: Environment; observed: AgentSpec | null; source: string; observedAt: number },
  now: number,
): Promise<{ id: string; driftId: string | null; comparedWith: ObservationResult["comparedWith"] }> {
  const { environment, observed, source, observedAt } = input;
  const hash = observed ? specHash(observed) : null;
  const actor = actorOf(caller);
  const workflow = (await first(tx.select().from(workflows).where(eq(workflows.id, agent.workflowId))))!;
  const deployed = await deployedAt(tx, agent.id, environment, observedAt);
  // Absent where nothing is deployed is in sync; anything else must match what is deployed.
  const inSync = observed === null ? deployed === null : deployed?.specHash === hash;
  const latest = (
    await first(
      tx
        .select({ at: sql<number | null>`MAX(${observations.observedAt})` })
        .from(observations)
        .where(and(eq(observations.agentId, agent.id), eq(observations.environment, environment))),
    )
  )?.at;
  const open = await first(
    tx
      .select()
      .from(driftRecords)
      .where(and(eq(driftRecords.agentId, agent.id), eq(driftRecords.environment, environment), eq(driftRecords.state, "open"))),
  );
  const outcome = observationOutcome(open ?? null, inSync, now, {
    stale: latest != null && observedAt < latest,
    deployedFromAdoptedChange: Boolean(open?.changeRecordId) && deployed?.changeRecordId === open?.changeRecordId,
  });
  let driftId: string | null = open?.id ?? null;
  const assessed = () =>
    observed
      ? assessDrift(deployed?.spec ?? null, observed, { name: workflow.name, riskClass: workflow.riskClass })
      : // Gone where a version is deployed: it does less than approved, yet what runs is not what was approved.
        {
          diff: [],
          severity: "low" as const,
          reasons: [`low: not found in ${environment}, where v${deployed!.number} is deployed`],
        };
  if (outcome.kind === "open")
    driftId = await openDrift(tx, caller, agent, environment, observed, hash, deployed?.id ?? null, assessed(), observedAt, now);
  else if (outcome.kind === "attach" && open) {
    const { diff, severity, reasons } = assessed();
    await tx
      .update(driftRecords)
      .set({
        diff,
        severity,
        reasons,
        observedSpec: observed,
        observedSpecHash: hash,
        approvedVersionId: deployed?.id ?? null,
        lastObservedAt: Math.max(open.lastObservedAt, observedAt),
        ...(outcome.acceptanceLapsed && {
          resolution: null,
          resolutionReason: null,
          acceptedUntil: null,
          resolvedById: null,
          resolvedAt: null,
        }),
      })
      .where(eq(driftRecords.id, open.id));
    if (outcome.acceptanceLapsed) {
      await appendAuditEvent(tx, {
        at: now,
        actor: SYSTEM_ACTOR,
        action: "drift.reopened",
        entityType: "drift_record",
        entityId: open.id,
        payload: { number: open.number, agent: agent.slug, environment: environment, acceptedUntil: open.acceptedUntil },
      });
      const label = driftNumberLabel(open.number);
      await notifyDriftOpened(tx, { id: open.id, label, environment: environment, severity: open.severity, reopened: true }, agent, now);
    }
  } else if (outcome.kind === "close" && open) {
    await tx
      .update(driftRecords)
      .set({ state: "closed", closedAt: now, closedReason: outcome.reason, lastObservedAt: Math.max(open.lastObservedAt, observedAt) })
      .where(eq(driftRecords.id, open.id));
    await appendAuditEvent(tx, {
      at: now,
      actor,
      action: "drift.closed",
      entityType: "drift_record",
      entityId: open.id,
      payload: { number: open.number, agent: agent.slug, environment: environment, reason: outcome.reason, specHash: hash },
    });
  }
  const id = randomUUID();
  await tx.insert(observations).values({
    id,
    agentId: agent.id,
    environment: environment,
    spec: observed,
    specHash: hash,
    source: source,
    observedAt,
    receivedAt: now,
    reportedById: caller.kind === "user" ? caller.user.id : null,
    reportedByTokenId: caller.kind === "token" ? caller.id : null,
    deployedVersionId: deployed?.id ?? null,
    inSync,
    driftRecordId: driftId,
  });
  await appendAuditEvent(tx, {
    at: now,
    actor,
    action: "observation.recorded",
    entityType: "observation",
    entityId: id,
    payload: {
      agent: agent.slug,
      environment: environment,
      specHash: hash,
      source: source,
      observedAt: new Date(observedAt).toISOString(),
      inSync,
      deployedVersion: deployed?.number ?? null,
      drift: driftId
        ? driftNumberLabel((await first(tx.select({ n: driftRecords.number }).from(driftRecords).where(eq(driftRecords.id, driftId))))!.n)
        : null,
    },
  });
  return { id, driftId, comparedWith: deployed ? { version: deployed.number, specHash: deployed.specHash } : null };
}

async function openDrift(
  tx: Tx,
  caller: Caller,
  agent: typeof agents.$inferSelect,
  environment: Environment,
  observed: AgentSpec | null,
  hash: string | null,
  approvedVersionId: string | null,
  assessment: ReturnType<typeof assessDrift>,
  observedAt: number,
  now: number,
): Promise<string> {
  const number = (await first(tx.select({ n: sql<number>`COALESCE(MAX(${driftRecords.number}), 0)` }).from(driftRecords)))!.n + 1;
  const id = randomUUID();
  await tx.insert(driftRecords).values({
    id,
    number,
    agentId: agent.id,
    environment,
    state: "open",
    severity: assessment.severity,
    reasons: assessment.reasons,
    diff: assessment.diff,
    approvedVersionId,
    observedSpec: observed,
    observedSpecHash: hash,
    // From the first observation that differed: how long it ran unapproved, and against which release.
    openedAt: observedAt,
    lastObservedAt: observedAt,
  });
  const label = driftNumberLabel(number);
  await appendAuditEvent(tx, {
    at: now,
    actor: actorOf(caller),
    action: "drift.opened",
    entityType: "drift_record",
    entityId: id,
    payload: {
      number,
      agent: agent.slug,
      environment,
      severity: assessment.severity,
      specHash: hash,
      escalations: assessment.diff.filter((i) => i.direction === "escalation").length,
    },
  });
  await notifyDriftOpened(tx, { id, label, environment, severity: assessment.severity }, agent, now);
  return id;
}
