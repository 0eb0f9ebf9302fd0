import { beforeAll, describe, expect, it } from "vitest";
import { changeRecords } from "@/db/schema";
import type { Gate } from "@/lib/domain/promotion-gates";
import { AppError } from "@/lib/errors";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import {
  approveAll,
  as,
  attested,
  limitRaise,
  productionSpec,
  releaseApproved,
  retentionChange,
  stagingEval,
  testClock,
} from "@/lib/testing/release-fixtures";
import { verifyAuditTrail } from "./audit";
import { changesSinceReview } from "./change-context";
import { updateFromProduction } from "./change-update";
import { getChange, proposeChange, submitChange } from "./changes";
import { myNotifications } from "./notifications";
import { promote } from "./promotion";
import { getAgentRecord } from "./registry";
import { signOff } from "./signoffs";

/**
 * Finding 1 of issue 12: production ran v17 (refund limit 43 USD); CR-380 "keep traces longer" was
 * proposed from it; CR-381 lowered the limit to 10 USD and was released first. CR-380 released as it
 * stood would have put the 43 USD limit back in production, unseen by security.
 */

const clock = testClock();
const engineer = () => as("engineer@countersign.test");
const engineer2 = () => as("engineer2@countersign.test");
const reader = () => as("auditor@countersign.test");
const limitOf = (spec: ReturnType<typeof productionSpec>) =>
  spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit;

function unmetGates(fn: () => unknown): Gate[] {
  const error = errorOf(fn);
  expect(error).toBeInstanceOf(AppError);
  expect(error.code).toBe("gate_failed");
  return (error.details.gates as Gate[]).filter((g) => !g.met);
}

let db: Awaited<ReturnType<typeof seedDemoEstate>>;
beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("a change proposed before production moved (finding 1)", () => {
  it("is out of date, shows the escalation it would cause, cannot be promoted, and is safe once updated", () => {
    const before = getAgentRecord(reader(), "refund-assistant").environments.production!.version;
    const original = limitOf(productionSpec("refund-assistant"))!.amount;
    const traces = retentionChange("refund-assistant", 30, clock.next());
    expect(traces.baseVersion!.number).toBe(before);
    // Operations signs the incident path; the diff is only the retention.
    approveAll(traces.id, clock);
    expect(getChange(reader(), traces.id).state).toBe("approved");

    // Meanwhile CR-381 lowers the limit and is released first.
    const lower = limitRaise(10, clock.next());
    approveAll(lower.id, clock);
    releaseApproved(lower.id, clock);
    const now = getAgentRecord(reader(), "refund-assistant").environments.production!.version;
    expect(now).toBeGreaterThan(before);

    // Its author is told at once.
    expect(
      myNotifications(engineer()).items.some((n) => n.message.startsWith(`${traces.label} `) && /is out of date/.test(n.message)),
    ).toBe(true);

    // The change page tells the truth: out of date, compared with what production runs now.
    const stale = getChange(reader(), traces.id);
    expect(stale.outOfDate).toBe(true);
    expect(stale.production).toMatchObject({ number: now, changeLabel: lower.label });
    expect(stale.comparedWith).toMatchObject({ number: now, isProduction: true });
    const escalation = stale.permissionDiff.find((i) => i.direction === "escalation" && i.domain === "authority");
    expect(escalation?.summary).toMatch(new RegExp(`limit raised 10 → ${original}`));

    // Neither staging nor production takes it; development does (that is where authors try things).
    promote(engineer2(), traces.id, { environment: "development" }, clock.next());
    const staging = unmetGates(() => promote(engineer2(), traces.id, { environment: "staging" }, clock.next()));
    expect(staging.map((g) => [g.gate, g.reason])).toEqual([
      ["up_to_date", `based on v${before}; production runs v${now} since ${lower.label}`],
    ]);
    const production = unmetGates(() => promote(as("ops@countersign.test"), traces.id, { environment: "production" }, clock.next()));
    expect(production.map((g) => g.gate)).toContain("up_to_date");

    // Only its author updates it; the others get 403 before their request is read.
    expect(errorOf(() => updateFromProduction(as("ops@countersign.test"), traces.id, { resolutions: 42 }, clock.next())).code).toBe(
      "forbidden",
    );
    expect(errorOf(() => updateFromProduction(reader(), traces.id, "nonsense", clock.next())).code).toBe("forbidden");

    const updated = updateFromProduction(engineer(), traces.id, {}, clock.next());
    expect(updated.outOfDate).toBe(false);
    expect(updated.baseVersion!.number).toBe(now);
    expect(limitOf(updated.spec!)).toEqual({ amount: 10, unit: "USD" });
    expect(updated.permissionDiff.every((i) => i.direction !== "escalation")).toBe(true);
    // Operations reviewed "traces kept 30 days longer"; the update makes exactly that diff, so the approval carries over.
    expect(updated.state).toBe("approved");
    expect(updated.signoffs.filter((s) => s.status === "approved").map((s) => [s.role, s.contentHash])).toEqual([
      ["operations", updated.contentHash],
    ]);

    // Retried, it is a conflict: there is nothing left to update.
    expect(errorOf(() => updateFromProduction(engineer(), traces.id, {}, clock.next())).message).toMatch(/already up to date/);

    releaseApproved(traces.id, clock);
    const released = getAgentRecord(reader(), "refund-assistant");
    expect(released.environments.production!.version).toBe(updated.headVersion);
    expect(limitOf(productionSpec("refund-assistant"))).toEqual({ amount: 10, unit: "USD" });
  });

  it("a field both changed is a conflict the author resolves; the new escalation is re-signed by security, who sees what moved", () => {
    const raise = limitRaise(60, clock.next());
    approveAll(raise.id, clock);
    expect(getChange(reader(), raise.id).state).toBe("approved");
    const lower = limitRaise(5, clock.next());
    approveAll(lower.id, clock);
    releaseApproved(lower.id, clock);

    const conflict = errorOf(() => updateFromProduction(engineer(), raise.id, {}, clock.next()));
    expect(conflict.code).toBe("conflict");
    const conflicts = conflict.details.conflicts as { path: string; ours: { limit: unknown }; theirs: { limit: unknown } }[];
    expect(conflicts.map((c) => [c.path, c.ours.limit, c.theirs.limit])).toEqual([
      ["tools.stripe:refunds.create", { amount: 60, unit: "USD" }, { amount: 5, unit: "USD" }],
    ]);
    // Nothing was written by the refused update.
    expect(getChange(reader(), raise.id)).toMatchObject({ state: "approved", outOfDate: true });

    const updated = updateFromProduction(engineer(), raise.id, { resolutions: { "tools.stripe:refunds.create": "ours" } }, clock.next());
    expect(updated.state).toBe("in_review");
    expect(updated.permissionDiff.find((i) => i.domain === "authority" && i.direction === "escalation")?.summary).toMatch(/5 → 60 USD/);
    // Every approval was of "43 → 60"; the diff is now "5 → 60": all asked again.
    const live = updated.signoffs.filter((s) => s.status !== "dismissed");
    expect(live.every((s) => s.status === "pending")).toBe(true);
    expect(live.map((s) => s.role)).toContain("security");

    const since = changesSinceReview(as("security@countersign.test"), updated)!;
    expect(since).toMatchObject({ role: "security", reviewedVersion: raise.headVersion });
    expect(since.reviewedAgainst).not.toBe(updated.comparedWith!.number);

    approveAll(raise.id, clock);
    releaseApproved(raise.id, clock);
    expect(limitOf(productionSpec("refund-assistant"))).toEqual({ amount: 60, unit: "USD" });
  });

  it("a change in draft records no sign-offs to reconcile; the editor's comparison names production truthfully", () => {
    const spec = productionSpec("refund-assistant");
    spec.instructions += "\nAlways quote the order number.";
    const draft = proposeChange(engineer(), { agent: "refund-assistant", title: "Draft", spec, ...attested }, clock.next());
    const bump = retentionChange("refund-assistant", 3, clock.next());
    approveAll(bump.id, clock);
    releaseApproved(bump.id, clock);
    const stale = getChange(reader(), draft.id);
    expect(stale.outOfDate).toBe(true);
    const updated = updateFromProduction(engineer(), draft.id, {}, clock.next());
    expect(updated).toMatchObject({ state: "draft", outOfDate: false, signoffs: [] });
    // Its own edit (the instructions) on top of production's (the retention).
    expect(updated.spec).toEqual({ ...productionSpec("refund-assistant"), instructions: spec.instructions });
  });
});

describe("the ladder (finding 3)", () => {
  it("a deploy token cannot send a change to production that never ran in development and staging", () => {
    const change = retentionChange("refund-assistant", 11, clock.next());
    approveAll(change.id, clock);
    const current = getChange(reader(), change.id);
    // An eval record of the spec in staging is not a staging deployment.
    stagingEval("refund-assistant", current.specHash!, clock.next());
    const unmet = unmetGates(() => promote(engineer2(), change.id, { environment: "production" }, clock.next()));
    expect(unmet.map((g) => g.gate)).toEqual(["ladder"]);
    expect(unmetGates(() => promote(engineer2(), change.id, { environment: "staging" }, clock.next())).map((g) => g.gate)).toEqual([
      "ladder",
    ]);
    releaseApproved(change.id, clock);
    expect(getChange(reader(), change.id).state).toBe("released");
  });
});

describe("submitting a new change (finding 6)", () => {
  it("a refused first submission creates nothing and names every problem at once", () => {
    const count = () => db.select().from(changeRecords).all().length;
    const before = count();
    const missing = errorOf(() =>
      proposeChange(engineer(), { agent: "refund-assistant", spec: { model: {} }, submit: true }, clock.next()),
    );
    expect(missing.code).toBe("validation_failed");
    expect(Object.keys(missing.details.fieldErrors!)).toEqual(expect.arrayContaining(["title", "rollbackPlan", "rollbackOwner"]));
    const spec = productionSpec("refund-assistant");
    spec.traceRetentionDays += 2;
    const untitled = errorOf(() => proposeChange(engineer(), { agent: "refund-assistant", spec, submit: true }, clock.next()));
    expect(Object.keys(untitled.details.fieldErrors!).sort()).toEqual(["rollbackOwner", "rollbackPlan", "title"]);
    expect(count()).toBe(before);
  });
});

it("a new review round: approvals by every role finish a change that had changes requested (finding 2, via the API shape)", () => {
  const change = limitRaise(71, clock.next());
  signOff(
    as("security@countersign.test"),
    change.id,
    { role: "security", decision: "request_changes", comment: "Say why 71" },
    clock.next(),
  );
  submitChange(engineer(), change.id, clock.next());
  expect(approveAll(change.id, clock).state).toBe("approved");
});

it("after updates from production, releases, rollbacks and re-assessments the trail still replays against the tables", () => {
  const result = verifyAuditTrail();
  expect(result.reason).toBeNull();
  expect(result.ok).toBe(true);
});
