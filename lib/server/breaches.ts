import { first } from "@/db";
import "server-only";
import { randomUUID } from "node:crypto";
import { and, desc, eq, isNull, lte, sql } from "drizzle-orm";
import type { DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { refreshDoraFacts } from "@/db/dora-facts";
import { agents, agentVersions, breaches, deployments, incidents } from "@/db/schema";
import { BREACH_LABELS, type BreachKind } from "@/lib/domain/runtime";
import type { Environment, Severity } from "@/lib/domain/terms";
import { actorOf, type Caller } from "./caller";
import type { Tx } from "./changes";
import { openIncidentIn } from "./incidents";
import { notifyBreach } from "./notifications";

import { breachNumberLabel } from "@/lib/domain/runtime";

export { breachNumberLabel };

type Agent = typeof agents.$inferSelect;
type Version = typeof agentVersions.$inferSelect;

/** The deployment in force in an environment at an instant (the latest at or before it), or null: what an incident is opened on. */
export async function runningDeployment(db: Pick<DB, "select">, agentId: string, environment: Environment, at: number) {
  return (
    (await first(
      db
        .select({ id: deployments.id, kind: deployments.kind, versionId: deployments.versionId, deployedAt: deployments.deployedAt })
        .from(deployments)
        .where(and(eq(deployments.agentId, agentId), eq(deployments.environment, environment), lte(deployments.deployedAt, at)))
        .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
        .limit(1),
    )) ?? null
  );
}

export type NewBreach = {
  kind: BreachKind;
  subject: string;
  detail: string;
  firstAt: number;
  lastAt: number;
  occurrences: number;
  traceId: string | null;
  spanId: string | null;
  value?: number | null;
  threshold?: string | null;
};

/**
 * Writes a breach for an agent's running version: a new record is audited, its owners and security are told,
 * and, in production and when the policy says so, an incident opens on the running deployment (or the
 * breach joins the incident already open on it, so one bad release is one incident).
 */
export async function openBreach(
  tx: Tx,
  caller: Caller,
  agent: Agent,
  environment: Environment,
  version: Version,
  breach: NewBreach,
  incidentSeverity: Severity | null,
  now: number,
): Promise<string> {
  const number = (await first(tx.select({ n: sql<number>`COALESCE(MAX(${breaches.number}), 0)` }).from(breaches)))!.n + 1;
  const id = randomUUID();
  const day = breach.kind === "harm_threshold" ? null : new Date(breach.firstAt).toISOString().slice(0, 10);
  let incidentId: string | null = null;
  let opened = false;
  // An incident is about what runs now: a breach of a version production no longer runs (an older version's
  // pods still reporting, spans sent late) is recorded and told, and opens none on a deployment long replaced.
  const running = environment === "production" && incidentSeverity ? await runningDeployment(tx, agent.id, environment, now) : null;
  if (incidentSeverity && running && running.kind !== "retire" && running.versionId === version.id) {
    const open = await first(
      tx
        .select({ id: incidents.id })
        .from(incidents)
        .where(and(eq(incidents.deploymentId, running.id), isNull(incidents.resolvedAt)))
        .limit(1),
    );
    opened = !open;
    incidentId =
      open?.id ??
      (await openIncidentIn(
        tx,
        caller,
        {
          agentId: agent.id,
          agentSlug: agent.slug,
          deploymentId: running.id,
          severity: incidentSeverity,
          title: `${breachNumberLabel(number)}: ${BREACH_LABELS[breach.kind]} on v${version.number} — ${breach.detail}`.slice(0, 200),
          detectedAt: Math.min(breach.firstAt, now),
        },
        now,
      ));
  }
  await tx.insert(breaches).values({
    id,
    number,
    agentId: agent.id,
    environment,
    versionId: version.id,
    changeRecordId: version.changeRecordId,
    kind: breach.kind,
    subject: breach.subject,
    detail: breach.detail,
    value: breach.value ?? null,
    threshold: breach.threshold ?? null,
    occurrences: breach.occurrences,
    firstAt: breach.firstAt,
    lastAt: breach.lastAt,
    day,
    traceId: breach.traceId,
    spanId: breach.spanId,
    incidentId,
  });
  await appendAuditEvent(tx, {
    at: now,
    actor: actorOf(caller),
    action: "breach.recorded",
    entityType: "breach",
    entityId: id,
    payload: {
      number,
      agent: agent.slug,
      environment,
      version: version.number,
      kind: breach.kind,
      subject: breach.subject,
      detail: breach.detail,
      traceId: breach.traceId,
      incidentId,
    },
  });
  await notifyBreach(
    tx,
    { id, label: breachNumberLabel(number), message: `${agent.name} in ${environment}, v${version.number}: ${breach.detail}` },
    agent,
    now,
  );
  // A new incident changes the deployment's DORA facts; joining one already open changes nothing there.
  if (opened) await refreshDoraFacts(tx, agent.id);
  return id;
}
