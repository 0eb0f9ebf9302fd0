import { ROLE_LABELS, type Role } from "./terms";
import { TEST_EVENT, WEBHOOK_EVENT_LABELS, type EventEnvelope, type WebhookFormat } from "./webhooks";

/**
 * The body each format sends for an event: the envelope itself for generic JSON, a Block Kit message for Slack,
 * an Adaptive Card for Microsoft Teams. Chat messages carry the change, its risk tier, the permission diff's
 * escalations and a button that opens the screen where the reader acts.
 */

const SHOWN_ESCALATIONS = 8;

export function eventLabel(envelope: EventEnvelope): string {
  return envelope.type === TEST_EVENT ? "Test event" : WEBHOOK_EVENT_LABELS[envelope.type];
}

/** The button's words: what the link opens. */
export function actionLabel(envelope: EventEnvelope): string {
  if (envelope.type === "signoff.requested" || envelope.type === "retro_signoff.due" || envelope.type === "retro_signoff.overdue")
    return "Open the review";
  if (envelope.change && envelope.data.url === envelope.change.url) return "Open the change";
  if (envelope.type === TEST_EVENT) return "Open webhook settings";
  if (envelope.type.startsWith("incident.")) return "Open incidents";
  return envelope.agent ? "Open the agent" : "Open Countersign";
}

const tier = (value: string | null) => (value ? value[0]!.toUpperCase() + value.slice(1) : "Not assessed");

/** Label and value pairs both chat formats show under the summary. */
export function facts(envelope: EventEnvelope): { title: string; value: string }[] {
  const out: { title: string; value: string }[] = [];
  if (envelope.change) out.push({ title: "Change", value: `${envelope.change.label} ${envelope.change.title}` });
  if (envelope.agent) out.push({ title: "Agent", value: envelope.agent.name });
  if (envelope.change) out.push({ title: "Risk tier", value: tier(envelope.change.riskTier) });
  if (envelope.data.roles?.length)
    out.push({ title: "Sign-off from", value: envelope.data.roles.map((r) => ROLE_LABELS[r as Role] ?? r).join(", ") });
  if (envelope.data.environment) out.push({ title: "Environment", value: envelope.data.environment });
  if (envelope.data.incident) out.push({ title: "Severity", value: envelope.data.incident.severity.toUpperCase() });
  if (envelope.data.drift) out.push({ title: "Severity", value: tier(envelope.data.drift.severity) });
  out.push({ title: "By", value: envelope.actor.label });
  return out;
}

function escalationLines(envelope: EventEnvelope): { heading: string; lines: string[] } | null {
  const all = envelope.data.escalations ?? [];
  if (all.length === 0) return null;
  const more = all.length - SHOWN_ESCALATIONS;
  return {
    heading: `Permission diff: ${all.length} escalation${all.length === 1 ? "" : "s"}`,
    lines: [...all.slice(0, SHOWN_ESCALATIONS).map((e) => e.summary), ...(more > 0 ? [`and ${more} more`] : [])],
  };
}

/** Slack's mrkdwn treats &, < and > as markup (links, mentions): text from people is escaped so it stays text. */
export const slackEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const plain = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function slackMessage(envelope: EventEnvelope) {
  const escalations = escalationLines(envelope);
  const blocks: unknown[] = [
    { type: "header", text: { type: "plain_text", text: plain(eventLabel(envelope), 150), emoji: false } },
    {
      type: "section",
      text: { type: "mrkdwn", text: plain(slackEscape(envelope.data.summary), 3000) },
      fields: facts(envelope)
        .slice(0, 10)
        .map((f) => ({ type: "mrkdwn", text: plain(`*${f.title}*\n${slackEscape(f.value)}`, 2000) })),
    },
  ];
  if (escalations)
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: plain(`*${escalations.heading}*\n${escalations.lines.map((l) => `• ${slackEscape(l)}`).join("\n")}`, 3000),
      },
    });
  blocks.push(
    {
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: actionLabel(envelope) }, url: envelope.data.url, style: "primary" }],
    },
    { type: "context", elements: [{ type: "mrkdwn", text: `Countersign · ${envelope.type} · ${envelope.occurredAt}` }] },
  );
  return { text: plain(slackEscape(envelope.data.summary), 3000), blocks };
}

/**
 * Teams renders a subset of Markdown in card text: a title like `[Approve](https://elsewhere)` would become a link.
 * A zero-width space between `]` and `(` keeps it text; emphasis marks are left, since they cannot mislead.
 */
export const teamsPlain = (text: string) => text.replace(/\]\(/g, "]\u200b(");

export function teamsMessage(envelope: EventEnvelope) {
  const escalations = escalationLines(envelope);
  const body: unknown[] = [
    { type: "TextBlock", size: "Medium", weight: "Bolder", text: eventLabel(envelope), wrap: true },
    { type: "TextBlock", text: teamsPlain(envelope.data.summary), wrap: true },
    { type: "FactSet", facts: facts(envelope).map((f) => ({ title: f.title, value: teamsPlain(f.value) })) },
  ];
  if (escalations)
    body.push(
      { type: "TextBlock", weight: "Bolder", text: escalations.heading, wrap: true, spacing: "Medium" },
      ...escalations.lines.map((line) => ({ type: "TextBlock", text: `• ${teamsPlain(line)}`, wrap: true, spacing: "None" })),
    );
  body.push({
    type: "TextBlock",
    text: `Countersign · ${envelope.type} · ${envelope.occurredAt}`,
    isSubtle: true,
    size: "Small",
    wrap: true,
  });
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body,
          actions: [{ type: "Action.OpenUrl", title: actionLabel(envelope), url: envelope.data.url }],
        },
      },
    ],
  };
}

/** The request body for an endpoint of this format. */
export function deliveryBody(format: WebhookFormat, envelope: EventEnvelope): string {
  if (format === "slack") return JSON.stringify(slackMessage(envelope));
  if (format === "teams") return JSON.stringify(teamsMessage(envelope));
  return JSON.stringify(envelope);
}
