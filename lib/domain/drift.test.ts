import { describe, expect, it } from "vitest";
import {
  acceptanceLapsed,
  assessDrift,
  driftDuration,
  isReviewDue,
  isUnobserved,
  observationOutcome,
  resolutionInForce,
  resolutionProblems,
  type DriftStanding,
} from "./drift";
import type { AgentSpec } from "./spec";

const refunds = { name: "Refunds", riskClass: "high" as const };
const notes = { name: "Account notes", riskClass: "low" as const };

const approved = (): AgentSpec => ({
  model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
  instructions: "You help support staff issue refunds.\n",
  autonomy: "bounded",
  tools: [
    {
      system: "stripe",
      actions: [
        { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
        { name: "charges.read", access: "read", approval: "none" },
      ],
    },
  ],
  forbidden: ["stripe:customers.delete"],
  traceRetentionDays: 90,
});

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 2, 12);

describe("assessDrift: the severity of what runs unapproved, by the rules a change is tiered by", () => {
  it("the platform swapped the model's version: medium, the model changed", () => {
    const observed = approved();
    observed.model.version = "2025-08-07";
    const drift = assessDrift(approved(), observed, notes);
    expect(drift.severity).toBe("medium");
    expect(drift.reasons).toEqual(["medium: model changed"]);
    expect(drift.diff.map((i) => i.kind)).toEqual(["model_version_changed"]);
  });

  it("the model unpinned: an escalation, and the floating version is named", () => {
    const observed = approved();
    observed.model.version = "";
    const drift = assessDrift(approved(), observed, notes);
    expect(drift.severity).toBe("medium");
    expect(drift.diff[0]).toMatchObject({ kind: "model_unpinned", direction: "escalation" });
    expect(drift.reasons).toContain("medium: model version is floating (not pinned)");
  });

  it("a write action added on the platform: high, whatever the workflow", () => {
    const observed = approved();
    observed.tools[0]!.actions.push({ name: "customers.update", access: "write", approval: "none" });
    expect(assessDrift(approved(), observed, notes).severity).toBe("high");
  });

  it("a read action added in a low-risk workflow: medium", () => {
    const observed = approved();
    observed.tools[0]!.actions.push({ name: "disputes.read", access: "read", approval: "none" });
    expect(assessDrift(approved(), observed, notes).severity).toBe("medium");
  });

  it("the approval removed from a write: high; in a critical workflow, critical", () => {
    const observed = approved();
    observed.tools[0]!.actions[0]!.approval = "none";
    expect(assessDrift(approved(), observed, refunds).severity).toBe("high");
    expect(assessDrift(approved(), observed, { name: "Onboarding", riskClass: "critical" }).severity).toBe("critical");
  });

  it("a limit raised in a high-risk workflow: high, escalations first", () => {
    const observed = approved();
    observed.tools[0]!.actions[0]!.limit = { amount: 500, unit: "USD" };
    observed.instructions += "Be brief.\n";
    const drift = assessDrift(approved(), observed, refunds);
    expect(drift.severity).toBe("high");
    expect(drift.diff[0]).toMatchObject({ direction: "escalation", kind: "limit_raised" });
  });

  it("something observed where nothing was approved: weighed as a new agent in its workflow", () => {
    const drift = assessDrift(null, approved(), refunds);
    expect(drift.severity).toBe("high");
    expect(drift.reasons[0]).toBe("high: new agent in high-risk workflow Refunds");
  });

  it("only a reduction (a shorter trace retention): low", () => {
    const observed = approved();
    observed.traceRetentionDays = 30;
    expect(assessDrift(approved(), observed, refunds).severity).toBe("low");
  });
});

const open = (resolution: DriftStanding["resolution"] = null, acceptedUntil: number | null = null): DriftStanding => ({
  state: "open",
  resolution,
  acceptedUntil,
});

describe("the drift record's lifecycle", () => {
  it("an observation in sync with no record changes nothing", () => {
    expect(observationOutcome(null, true, NOW)).toEqual({ kind: "in_sync" });
  });

  it("a differing observation opens a record, and the next attaches to it", () => {
    expect(observationOutcome(null, false, NOW)).toEqual({ kind: "open" });
    expect(observationOutcome(open(), false, NOW)).toEqual({ kind: "attach", acceptanceLapsed: false });
  });

  it("back in sync closes it: returned to approved, or as adopted / restored when that was decided", () => {
    expect(observationOutcome(open(), true, NOW)).toEqual({ kind: "close", reason: "returned_to_approved" });
    expect(observationOutcome(open("adopt"), true, NOW, { deployedFromAdoptedChange: true })).toEqual({ kind: "close", reason: "adopted" });
    // Adopted, but the change never ran (withdrawn, rejected): it returned to approved some other way.
    expect(observationOutcome(open("adopt"), true, NOW)).toEqual({ kind: "close", reason: "returned_to_approved" });
    expect(observationOutcome(open("restore"), true, NOW)).toEqual({ kind: "close", reason: "restored" });
    expect(observationOutcome(open("accept", NOW + DAY), true, NOW)).toEqual({ kind: "close", reason: "returned_to_approved" });
  });

  it("an observation older than the latest one of its environment changes nothing, in sync or not", () => {
    expect(observationOutcome(open(), true, NOW, { stale: true })).toEqual({ kind: "stale" });
    expect(observationOutcome(null, false, NOW, { stale: true })).toEqual({ kind: "stale" });
  });

  it("an accepted risk holds until its expiry; after it, the record is open again and the next drift says so", () => {
    const accepted = open("accept", NOW + DAY);
    expect(acceptanceLapsed(accepted, NOW)).toBe(false);
    expect(resolutionInForce(accepted, NOW)).toBe("accept");
    expect(observationOutcome(accepted, false, NOW)).toEqual({ kind: "attach", acceptanceLapsed: false });
    expect(acceptanceLapsed(accepted, NOW + DAY)).toBe(true);
    expect(resolutionInForce(accepted, NOW + DAY)).toBeNull();
    expect(observationOutcome(accepted, false, NOW + DAY + 1)).toEqual({ kind: "attach", acceptanceLapsed: true });
  });

  it("a resolution needs a reason; accepting needs an expiry in the next 90 days; adopting twice is refused", () => {
    expect(resolutionProblems(open(), { action: "restore", reason: "Put v3 back in Agent Builder" }, NOW)).toEqual({});
    expect(resolutionProblems(open(), { action: "restore", reason: "  " }, NOW)).toEqual({ reason: ["Say why"] });
    expect(resolutionProblems(open(), { action: "accept", reason: "Vendor fix due" }, NOW)).toEqual({
      expiresAt: ["Accepting the risk needs an expiry"],
    });
    expect(resolutionProblems(open(), { action: "accept", reason: "r", expiresAt: NOW - 1 }, NOW).expiresAt).toEqual([
      "The expiry must be in the future",
    ]);
    expect(resolutionProblems(open(), { action: "accept", reason: "r", expiresAt: NOW + 90 * DAY }, NOW)).toEqual({});
    expect(resolutionProblems(open(), { action: "accept", reason: "r", expiresAt: NOW + 90 * DAY + 1 }, NOW).expiresAt).toEqual([
      "Accept the risk for at most 90 days",
    ]);
    expect(resolutionProblems(open(), { action: "restore", reason: "r", expiresAt: NOW + DAY }, NOW).expiresAt).toEqual([
      "Only accepting the risk takes an expiry",
    ]);
    expect(resolutionProblems(open("adopt"), { action: "adopt", reason: "again" }, NOW).action).toEqual([
      "This drift is already adopted as a change",
    ]);
    expect(resolutionProblems(open("adopt"), { action: "adopt", reason: "the first change was withdrawn" }, NOW, false)).toEqual({});
    expect(resolutionProblems({ ...open(), state: "closed" }, { action: "restore", reason: "r" }, NOW).action).toEqual([
      "This drift is closed: there is nothing to resolve",
    ]);
  });

  it("how long a version ran unapproved: to the close, or to now while open", () => {
    expect(driftDuration(NOW - 3 * DAY, NOW - DAY, NOW)).toBe(2 * DAY);
    expect(driftDuration(NOW - 3 * DAY, null, NOW)).toBe(3 * DAY);
  });
});

describe("posture: unobserved and review due", () => {
  it("unobserved when never observed or longer ago than the setting", () => {
    expect(isUnobserved(null, 7 * DAY, NOW)).toBe(true);
    expect(isUnobserved(NOW - 7 * DAY, 7 * DAY, NOW)).toBe(false);
    expect(isUnobserved(NOW - 7 * DAY - 1, 7 * DAY, NOW)).toBe(true);
  });

  it("review due when the last approved change is older than the interval", () => {
    expect(isReviewDue(NOW - 180 * DAY, 180 * DAY, NOW)).toBe(false);
    expect(isReviewDue(NOW - 181 * DAY, 180 * DAY, NOW)).toBe(true);
    expect(isReviewDue(null, 180 * DAY, NOW)).toBe(true);
  });
});
