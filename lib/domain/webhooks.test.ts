import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deliveryBody, slackEscape, slackMessage, teamsMessage } from "./webhook-messages";
import { signDelivery, verifyDelivery } from "./webhook-signature";
import { eventsForAudit, nextAttemptAfterFailure, retryDelay, RETRY_WINDOW_MS, type EventEnvelope } from "./webhooks";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe("which events an audit entry stands for", () => {
  it.each([
    ["change.submitted", { required: ["security"] }, ["signoff.requested"]],
    ["change.submitted", { required: [] }, []],
    ["change.reassessed", { asked: 2 }, ["signoff.requested"]],
    ["change.reassessed", { asked: 0, dismissed: 1 }, []],
    ["signoff.approved", {}, ["signoff.decided"]],
    ["signoff.rejected", {}, ["signoff.decided"]],
    ["signoff.changes_requested", {}, ["signoff.decided"]],
    ["signoff.dismissed", {}, ["signoff.dismissed"]],
    ["signoff.carried_over", {}, []],
    ["change.approved", {}, ["change.approved"]],
    ["change.rejected", {}, ["change.rejected"]],
    ["change.released", { emergency: false, retroSignoffDueAt: null }, ["change.released"]],
    ["change.released", { emergency: true, retroSignoffDueAt: 1_000 }, ["change.released", "retro_signoff.due"]],
    ["change.rolled_back", {}, ["change.rolled_back"]],
    ["change.retro_signoff_overdue", {}, ["retro_signoff.overdue"]],
    ["drift.opened", {}, ["drift.opened"]],
    ["drift.reopened", {}, ["drift.opened"]],
    ["drift.resolved", {}, []],
    ["breach.recorded", { kind: "forbidden_action" }, ["breach.authority"]],
    ["breach.recorded", { kind: "harm_threshold" }, ["breach.harm"]],
    ["breach.reopened", { kind: "harm_threshold" }, ["breach.harm"]],
    ["incident.opened", {}, ["incident.opened"]],
    ["incident.resolved", {}, ["incident.resolved"]],
    ["incident.updated", {}, []],
    ["token.issued", {}, []],
  ])("%s %j → %j", (action, payload, expected) => {
    expect(eventsForAudit({ action, payload })).toEqual(expected);
  });

  it("reads a missing payload as empty", () => {
    expect(eventsForAudit({ action: "change.submitted", payload: null })).toEqual([]);
  });
});

describe("signing a delivery", () => {
  const secret = "whsec_test";
  const body = '{"id":"e1"}';

  it("is sha256= and the hex HMAC-SHA256 of `timestamp.body`", () => {
    const expected = createHmac("sha256", secret).update('1767225600.{"id":"e1"}').digest("hex");
    expect(signDelivery(secret, 1_767_225_600, body)).toBe(`sha256=${expected}`);
    expect(signDelivery(secret, 1_767_225_600, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("verifies with the same secret, body and timestamp, within five minutes of the receiver's clock", () => {
    const signature = signDelivery(secret, 1_000_000, body);
    expect(verifyDelivery(secret, { signature, timestamp: "1000000" }, body, 1_000_000)).toBe(true);
    expect(verifyDelivery(secret, { signature, timestamp: "1000000" }, body, 1_000_300)).toBe(true);
    expect(verifyDelivery(secret, { signature, timestamp: "1000000" }, body, 1_000_301)).toBe(false);
    expect(verifyDelivery(secret, { signature, timestamp: "1000000" }, body, 999_699)).toBe(false);
  });

  it("refuses another secret, a changed body, a changed timestamp and a malformed header", () => {
    const signature = signDelivery(secret, 1_000_000, body);
    expect(verifyDelivery("whsec_other", { signature, timestamp: "1000000" }, body, 1_000_000)).toBe(false);
    expect(verifyDelivery(secret, { signature, timestamp: "1000000" }, '{"id":"e2"}', 1_000_000)).toBe(false);
    expect(verifyDelivery(secret, { signature, timestamp: "1000001" }, body, 1_000_000)).toBe(false);
    expect(verifyDelivery(secret, { signature: "sha256=00", timestamp: "1000000" }, body, 1_000_000)).toBe(false);
    expect(verifyDelivery(secret, { signature, timestamp: "soon" }, body, 1_000_000)).toBe(false);
  });
});

describe("retrying a failed delivery", () => {
  it("waits 30 s, then doubles, never more than an hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map(retryDelay)).toEqual([
      30 * SECOND,
      MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      8 * MINUTE,
      16 * MINUTE,
      32 * MINUTE,
      HOUR,
      HOUR,
      HOUR,
    ]);
  });

  it("tries again within 24 hours of the event, then gives up", () => {
    const created = 0;
    expect(nextAttemptAfterFailure(created, 1, 0)).toBe(30 * SECOND);
    // 23 h in, after many attempts: the next hour-long wait still ends inside the window.
    expect(nextAttemptAfterFailure(created, 30, 23 * HOUR)).toBe(24 * HOUR);
    expect(nextAttemptAfterFailure(created, 30, 23 * HOUR + 1)).toBeNull();
    expect(RETRY_WINDOW_MS).toBe(24 * HOUR);
  });
});

const envelope: EventEnvelope = {
  id: "evt-1",
  type: "signoff.requested",
  occurredAt: "2026-12-01T09:00:00.000Z",
  agent: { id: "a1", slug: "refund-assistant", name: "Refund assistant", url: "https://cs.example/agents/refund-assistant" },
  change: {
    id: "c1",
    number: 42,
    label: "CR-42",
    title: "Raise the limit <now> & later",
    riskTier: "high",
    state: "in_review",
    url: "https://cs.example/changes/CR-42",
  },
  actor: { type: "user", id: "u1", label: "engineer@countersign.test" },
  data: {
    summary: "CR-42 “Raise the limit <now> & later” needs sign-off from Security, Workflow owner",
    url: "https://cs.example/changes/CR-42",
    roles: ["security", "workflow_owner"],
    escalations: Array.from({ length: 10 }, (_, i) => ({ domain: "authority", summary: `action a${i} added` })),
  },
};

describe("the message each format sends", () => {
  it("generic JSON is the envelope itself", () => {
    expect(JSON.parse(deliveryBody("json", envelope))).toEqual(envelope);
  });

  it("Slack gets Block Kit: the summary escaped, the change, its risk tier, the escalations and a button to the review", () => {
    const message = slackMessage(envelope);
    expect(message.text).toContain("needs sign-off");
    const blocks = message.blocks as {
      type: string;
      text?: { text: string };
      fields?: { text: string }[];
      elements?: { url?: string; text?: { text: string } }[];
    }[];
    expect(blocks.map((b) => b.type)).toEqual(["header", "section", "section", "actions", "context"]);
    expect(blocks[0]!.text!.text).toBe("Sign-off requested");
    expect(blocks[1]!.text!.text).toContain("Raise the limit &lt;now&gt; &amp; later");
    expect(blocks[1]!.fields!.map((f) => f.text)).toEqual(
      expect.arrayContaining(["*Risk tier*\nHigh", "*Agent*\nRefund assistant", "*Sign-off from*\nSecurity, Workflow owner"]),
    );
    expect(blocks[2]!.text!.text).toMatch(/^\*Permission diff: 10 escalations\*\n• action a0 added/);
    expect(blocks[2]!.text!.text).toContain("• and 2 more");
    expect(blocks[3]!.elements![0]).toMatchObject({ url: "https://cs.example/changes/CR-42", text: { text: "Open the review" } });
  });

  it("Teams gets an Adaptive Card with the same facts and an Open the review action", () => {
    const card = teamsMessage(envelope).attachments[0]!;
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.content.type).toBe("AdaptiveCard");
    expect(card.content.actions).toEqual([{ type: "Action.OpenUrl", title: "Open the review", url: "https://cs.example/changes/CR-42" }]);
    const texts = JSON.stringify(card.content.body);
    expect(texts).toContain("Permission diff: 10 escalations");
    expect(texts).toContain('"title":"Risk tier","value":"High"');
  });

  it("keeps a Markdown link in a title as text in Teams", () => {
    const hostile = { ...envelope, data: { ...envelope.data, summary: "CR-42 “[Approve here](https://evil.example)” needs sign-off" } };
    const text = JSON.stringify(teamsMessage(hostile));
    expect(text).not.toContain("](https://evil.example)");
    expect(text).toContain("[Approve here]\u200b(https://evil.example)");
  });

  it("escapes Slack's markup characters so a title cannot mention a channel", () => {
    expect(slackEscape("<!channel> & <@U1>")).toBe("&lt;!channel&gt; &amp; &lt;@U1&gt;");
  });
});

describe("what people type cannot become Slack markup", () => {
  it("escapes the notification text Slack shows outside the blocks, so a title cannot mention a channel there either", () => {
    const hostile: EventEnvelope = {
      ...envelope,
      change: { ...envelope.change!, title: "<!channel> <https://evil.example|Approve here>" },
      data: { ...envelope.data, summary: "CR-42 “<!channel> <https://evil.example|Approve here>” needs sign-off from Security" },
    };
    const message = slackMessage(hostile);
    expect(message.text).not.toContain("<!channel>");
    expect(message.text).not.toContain("<https://evil.example");
    expect(message.text).toContain("&lt;!channel&gt;");
  });
});
