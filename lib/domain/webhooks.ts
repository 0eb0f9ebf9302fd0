/**
 * Outgoing webhooks: which events Countersign sends, the envelope each carries, how a delivery is signed,
 * and when a failed one is tried again. Pure rules; the outbox and the sender live in db/ and lib/server.
 */

export const WEBHOOK_EVENTS = [
  "signoff.requested",
  "signoff.decided",
  "signoff.dismissed",
  "change.approved",
  "change.rejected",
  "change.released",
  "change.rolled_back",
  "retro_signoff.due",
  "retro_signoff.overdue",
  "drift.opened",
  "breach.authority",
  "breach.harm",
  "incident.opened",
  "incident.resolved",
  "audit.verification_failed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** Sent on demand from the settings page to check an endpoint; never subscribed to. */
export const TEST_EVENT = "webhook.test";
export type EnvelopeType = WebhookEventType | typeof TEST_EVENT;

export const WEBHOOK_EVENT_GROUPS: { label: string; events: { type: WebhookEventType; label: string }[] }[] = [
  {
    label: "Sign-off",
    events: [
      { type: "signoff.requested", label: "Sign-off requested" },
      { type: "signoff.decided", label: "Sign-off decided" },
      { type: "signoff.dismissed", label: "Sign-off dismissed" },
      { type: "retro_signoff.due", label: "Retro sign-off due" },
      { type: "retro_signoff.overdue", label: "Retro sign-off overdue" },
    ],
  },
  {
    label: "Change",
    events: [
      { type: "change.approved", label: "Change approved" },
      { type: "change.rejected", label: "Change rejected" },
      { type: "change.released", label: "Change released" },
      { type: "change.rolled_back", label: "Change rolled back" },
    ],
  },
  {
    label: "Runtime",
    events: [
      { type: "drift.opened", label: "Drift opened" },
      { type: "breach.authority", label: "Authority breach" },
      { type: "breach.harm", label: "Harm threshold breached" },
      { type: "incident.opened", label: "Incident opened" },
      { type: "incident.resolved", label: "Incident resolved" },
    ],
  },
  { label: "Audit", events: [{ type: "audit.verification_failed", label: "Audit verification failed" }] },
];

export const WEBHOOK_EVENT_LABELS = Object.fromEntries(
  WEBHOOK_EVENT_GROUPS.flatMap((g) => g.events.map((e) => [e.type, e.label])),
) as Record<WebhookEventType, string>;

export const WEBHOOK_FORMATS = ["slack", "teams", "json"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const WEBHOOK_FORMAT_LABELS: Record<WebhookFormat, string> = {
  slack: "Slack (Block Kit)",
  teams: "Microsoft Teams (Adaptive Card)",
  json: "Generic JSON",
};

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The stable, documented body of a generic JSON delivery; Slack and Teams messages are drawn from it. */
export type EventEnvelope = {
  id: string;
  type: EnvelopeType;
  occurredAt: string;
  agent: { id: string; slug: string; name: string; url: string } | null;
  change: { id: string; number: number; label: string; title: string; riskTier: string | null; state: string; url: string } | null;
  actor: { type: string; id: string | null; label: string };
  data: EnvelopeData;
};

export type Escalation = { domain: string; summary: string };

export type EnvelopeData = {
  /** A one-line account of what happened, for people. */
  summary: string;
  /** Where a person acts on it: the review screen for a change, the agent's drift or runtime section, the incident list. */
  url: string;
  roles?: string[];
  role?: string;
  decision?: string;
  comment?: string | null;
  reason?: string | null;
  retro?: boolean;
  environment?: string;
  dueAt?: string | null;
  emergency?: boolean;
  escalations?: Escalation[];
  drift?: { id: string; label: string; severity: string; reopened: boolean };
  breach?: { id: string; label: string; kind: string; subject: string; detail: string };
  incident?: { id: string; title: string; severity: string; resolution?: string | null };
  verification?: { firstBadSeq: number | null; problem: string };
};

/** What an audit entry says happened, as far as the outgoing events are concerned. */
export type AuditFact = { action: string; payload: unknown };

const payloadOf = (fact: AuditFact): Record<string, unknown> =>
  fact.payload && typeof fact.payload === "object" ? (fact.payload as Record<string, unknown>) : {};

/**
 * The events an audit entry stands for. Every state change is audited in its own transaction, so deriving the
 * events from the trail means none is forgotten and none is sent for a change that was rolled back.
 */
export function eventsForAudit(fact: AuditFact): WebhookEventType[] {
  const p = payloadOf(fact);
  switch (fact.action) {
    case "change.submitted":
      return Array.isArray(p.required) && p.required.length > 0 ? ["signoff.requested"] : [];
    case "change.reassessed":
      // Re-assessing asks some roles again (or anew) when the diff they approved is no longer the diff.
      return typeof p.asked === "number" && p.asked > 0 ? ["signoff.requested"] : [];
    case "signoff.approved":
    case "signoff.rejected":
    case "signoff.changes_requested":
      return ["signoff.decided"];
    case "signoff.dismissed":
      return ["signoff.dismissed"];
    case "change.approved":
      return ["change.approved"];
    case "change.rejected":
      return ["change.rejected"];
    case "change.released":
      return p.emergency === true && p.retroSignoffDueAt ? ["change.released", "retro_signoff.due"] : ["change.released"];
    case "change.rolled_back":
      return ["change.rolled_back"];
    case "change.retro_signoff_overdue":
      return ["retro_signoff.overdue"];
    case "drift.opened":
    case "drift.reopened":
      return ["drift.opened"];
    case "breach.recorded":
    case "breach.reopened":
      return [p.kind === "harm_threshold" ? "breach.harm" : "breach.authority"];
    case "incident.opened":
      return ["incident.opened"];
    case "incident.resolved":
      return ["incident.resolved"];
    default:
      return [];
  }
}

const SECOND = 1000;
const HOUR = 3_600_000;
/** A failing endpoint is tried again for this long after the event; then the delivery is marked failed. */
export const RETRY_WINDOW_MS = 24 * HOUR;
const FIRST_RETRY_MS = 30 * SECOND;
const LONGEST_WAIT_MS = HOUR;

/** How long to wait after the `attempts`-th failed attempt: 30 s, doubling each time, never more than an hour. */
export function retryDelay(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_WAIT_MS);
}

/**
 * After a failed attempt: when to try next, or null when the next try would fall outside the retry window
 * (the delivery is then failed; an admin can still redeliver it).
 */
export function nextAttemptAfterFailure(createdAt: number, attempts: number, now: number): number | null {
  const next = now + retryDelay(attempts);
  return next - createdAt > RETRY_WINDOW_MS ? null : next;
}
