import { first } from "./index";
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { driftNumberLabel } from "../lib/domain/drift";
import { permissionDiff } from "../lib/domain/permission-diff";
import { BREACH_LABELS, breachNumberLabel, type BreachKind } from "../lib/domain/runtime";
import { changeNumberLabel, ROLE_LABELS, type Role } from "../lib/domain/terms";
import { eventsForAudit, type EnvelopeData, type EventEnvelope, type WebhookEventType } from "../lib/domain/webhooks";
import { publicUrl } from "../lib/env";
import type { Actor } from "./audit";
import type { DB } from "./index";
import {
  agents,
  agentVersions,
  breaches,
  changeRecords,
  driftRecords,
  incidents,
  outgoingEvents,
  signoffs,
  webhookDeliveries,
  webhooks,
} from "./schema";

/**
 * The webhook outbox. Events are derived from the audit entries a use case writes and recorded in the same
 * transaction, with a delivery row for each endpoint that wants them; a sender delivers them afterwards.
 * Nothing is recorded while no enabled endpoint wants the event, so an installation without webhooks keeps no outbox.
 */

type Writer = Pick<DB, "select" | "insert">;
export type AuditFactRow = { at: number; actor: Actor; action: string; entityType: string; entityId: string; payload: unknown };

const MAX_ESCALATIONS = 20;

export async function recordOutgoingEvents(tx: Writer, facts: AuditFactRow[]): Promise<void> {
  const wanted = facts.flatMap((fact) => eventsForAudit(fact).map((type) => ({ fact, type })));
  if (wanted.length === 0) return;
  const endpoints = await tx.select({ id: webhooks.id, events: webhooks.events }).from(webhooks).where(eq(webhooks.enabled, true));
  for (const { fact, type } of wanted) {
    const targets = endpoints.filter((w) => w.events.includes(type));
    if (targets.length === 0) continue;
    const envelope = await buildEnvelope(tx, fact, type);
    if (envelope) await enqueue(tx, envelope, targets, fact.at);
  }
}

/** Writes one event and a pending delivery of it for each endpoint. Also used for events that have no audit entry. */
export async function enqueue(
  tx: Writer,
  envelope: EventEnvelope,
  targets: { id: string }[],
  now: number,
  orderKey?: string,
): Promise<number> {
  const { seq } = (await first(
    tx
      .insert(outgoingEvents)
      .values({ id: envelope.id, type: envelope.type, occurredAt: now, changeRecordId: envelope.change?.id ?? null, envelope })
      .returning({ seq: outgoingEvents.seq }),
  ))!;
  const key = orderKey ?? envelope.change?.id ?? `${envelope.type}:${envelope.id}`;
  await tx.insert(webhookDeliveries).values(
    targets.map((t) => ({
      id: randomUUID(),
      webhookId: t.id,
      eventSeq: seq,
      orderKey: key,
      status: "pending" as const,
      nextAttemptAt: now,
      createdAt: now,
    })),
  );
  return seq;
}

const roleLabel = (role: unknown) => ROLE_LABELS[role as Role] ?? String(role);
const roleList = (roles: string[]) => roles.map(roleLabel).join(", ");

type AgentRef = NonNullable<EventEnvelope["agent"]>;
type ChangeRef = NonNullable<EventEnvelope["change"]>;

async function agentRef(tx: Writer, agentId: string): Promise<AgentRef | null> {
  const row = await first(tx.select({ id: agents.id, slug: agents.slug, name: agents.name }).from(agents).where(eq(agents.id, agentId)));
  return row ? { ...row, url: `${publicUrl()}/agents/${encodeURIComponent(row.slug)}` } : null;
}

async function changeRef(tx: Writer, changeId: string) {
  const row = await first(tx.select().from(changeRecords).where(eq(changeRecords.id, changeId)));
  if (!row) return null;
  const label = changeNumberLabel(row.number);
  const ref: ChangeRef = {
    id: row.id,
    number: row.number,
    label,
    title: row.title,
    riskTier: row.riskTier,
    state: row.state,
    url: `${publicUrl()}/changes/${label}`,
  };
  return { ref, row };
}

/** What the change widens: the permission diff's escalations, as a reviewer reads them. */
async function escalations(tx: Writer, row: { baseVersionId: string | null; headVersionId: string | null }) {
  if (!row.headVersionId) return [];
  const spec = async (id: string | null) =>
    id ? ((await first(tx.select({ spec: agentVersions.spec }).from(agentVersions).where(eq(agentVersions.id, id))))?.spec ?? null) : null;
  const head = await spec(row.headVersionId);
  if (!head) return [];
  return permissionDiff(await spec(row.baseVersionId), head)
    .filter((item) => item.direction === "escalation")
    .slice(0, MAX_ESCALATIONS)
    .map((item) => ({ domain: item.domain, summary: item.summary }));
}

async function buildEnvelope(tx: Writer, fact: AuditFactRow, type: WebhookEventType): Promise<EventEnvelope | null> {
  const p = (fact.payload && typeof fact.payload === "object" ? fact.payload : {}) as Record<string, unknown>;
  const base = {
    id: randomUUID(),
    type,
    occurredAt: new Date(fact.at).toISOString(),
    actor: { type: fact.actor.type, id: fact.actor.id, label: fact.actor.label },
  };
  const who = fact.actor.label;
  if (fact.entityType === "change_record") {
    const found = await changeRef(tx, fact.entityId);
    if (!found) return null;
    const { ref: change, row } = found;
    const named = `${change.label} “${change.title}”`;
    const common = { url: change.url, escalations: await escalations(tx, row) };
    const data = await (async (): Promise<EnvelopeData> => {
      switch (type) {
        case "signoff.requested": {
          const roles = (
            await tx
              .select({ role: signoffs.role })
              .from(signoffs)
              .where(and(eq(signoffs.changeRecordId, row.id), eq(signoffs.status, "pending")))
          ).map((s) => s.role);
          return { ...common, roles, summary: `${named} needs sign-off from ${roleList(roles) || "its reviewers"}` };
        }
        case "signoff.decided": {
          const decision = fact.action.slice("signoff.".length);
          const verb = { approved: "approved", rejected: "rejected", changes_requested: "requested changes to" }[decision] ?? decision;
          return {
            ...common,
            role: String(p.role),
            decision,
            comment: typeof p.comment === "string" ? p.comment : null,
            retro: p.retro === true,
            summary: `${who} ${verb} ${named} as ${roleLabel(p.role)}${p.retro === true ? " (retro sign-off)" : ""}`,
          };
        }
        case "signoff.dismissed":
          return {
            ...common,
            role: String(p.role),
            reason: typeof p.reason === "string" ? p.reason : null,
            summary: `The ${roleLabel(p.role)} sign-off on ${named} was dismissed${typeof p.reason === "string" ? `: ${p.reason}` : ""}`,
          };
        case "change.approved":
          return { ...common, summary: `${named} was approved${p.preApproved === true ? " as a pre-approved standard change" : ""}` };
        case "change.rejected":
          return { ...common, summary: `${named} was rejected by ${who}` };
        case "change.released":
          return {
            ...common,
            environment: "production",
            emergency: p.emergency === true,
            summary: `${named} was released to production${p.emergency === true ? " on the emergency path" : ""} by ${who}`,
          };
        case "change.rolled_back":
          return {
            ...common,
            reason: typeof p.reason === "string" ? p.reason : null,
            summary: `${named} was rolled back by ${who}${typeof p.reason === "string" ? `: ${p.reason}` : ""}`,
          };
        case "retro_signoff.due":
        case "retro_signoff.overdue": {
          const dueAt = row.retroSignoffDueAt === null ? null : new Date(row.retroSignoffDueAt).toISOString();
          const when = dueAt ? dueAt.slice(0, 16).replace("T", " ") + " UTC" : "its deadline";
          return {
            ...common,
            dueAt,
            summary:
              type === "retro_signoff.due"
                ? `${named} was released in an emergency: its retro sign-off is due by ${when}`
                : `The retro sign-off on ${named} is overdue: it was due by ${when}`,
          };
        }
        default:
          return { ...common, summary: `${named}: ${fact.action}` };
      }
    })();
    return { ...base, agent: await agentRef(tx, row.agentId), change, data };
  }
  if (fact.entityType === "drift_record") {
    const drift = await first(tx.select().from(driftRecords).where(eq(driftRecords.id, fact.entityId)));
    if (!drift) return null;
    const agent = await agentRef(tx, drift.agentId);
    const label = driftNumberLabel(drift.number);
    const reopened = fact.action === "drift.reopened";
    return {
      ...base,
      agent,
      change: null,
      data: {
        url: `${agent?.url ?? publicUrl()}#drift`,
        environment: drift.environment,
        drift: { id: drift.id, label, severity: drift.severity, reopened },
        summary: `${label}: ${agent?.name ?? "an agent"} in ${drift.environment} runs something other than what was approved (${drift.severity})${reopened ? ", again" : ""}`,
      },
    };
  }
  if (fact.entityType === "breach") {
    const breach = await first(tx.select().from(breaches).where(eq(breaches.id, fact.entityId)));
    if (!breach) return null;
    const agent = await agentRef(tx, breach.agentId);
    const label = breachNumberLabel(breach.number);
    return {
      ...base,
      agent,
      change: breach.changeRecordId ? ((await changeRef(tx, breach.changeRecordId))?.ref ?? null) : null,
      data: {
        url: `${agent?.url ?? publicUrl()}#runtime`,
        environment: breach.environment,
        breach: { id: breach.id, label, kind: breach.kind, subject: breach.subject, detail: breach.detail },
        summary: `${label}: ${BREACH_LABELS[breach.kind as BreachKind]} by ${agent?.name ?? "an agent"} in ${breach.environment} — ${breach.detail}`,
      },
    };
  }
  if (fact.entityType === "incident") {
    const incident = await first(tx.select().from(incidents).where(eq(incidents.id, fact.entityId)));
    if (!incident) return null;
    const agent = await agentRef(tx, incident.agentId);
    const resolved = type === "incident.resolved";
    return {
      ...base,
      agent,
      change: incident.fixChangeRecordId ? ((await changeRef(tx, incident.fixChangeRecordId))?.ref ?? null) : null,
      data: {
        url: `${publicUrl()}/incidents?agent=${encodeURIComponent(agent?.slug ?? "")}`,
        incident: { id: incident.id, title: incident.title, severity: incident.severity, resolution: incident.resolution },
        summary: resolved
          ? `Incident resolved on ${agent?.name ?? "an agent"} (${incident.resolution ?? "resolved"}): ${incident.title}`
          : `${incident.severity.toUpperCase()} incident opened on ${agent?.name ?? "an agent"}: ${incident.title}`,
      },
    };
  }
  return null;
}
