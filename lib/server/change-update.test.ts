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
const limitOf = (spec: Awaited<ReturnType<typeof productionSpec>>) =>
  spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit;

async function unmetGates(fn: () => unknown): Promise<Gate[]> {
  const error = await errorOf(fn);
  expect(error).toBeInstanceOf(AppError);
  expect(error.code).toBe("gate_failed");
  return (error.details.gates as Gate[]).filter((g) => !g.met);
}

let db: Awaited<ReturnType<typeof seedDemoEstate>>;
beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("a change proposed before production moved (finding 1)", () => {
  it("is out of date, shows the escalation it would cause, cannot be promoted, and is safe once updated", async () => {
    const before = (await getAgentRecord(await reader(), "refund-assistant")).environments.production!.version;
    const original = limitOf(await productionSpec("refund-assistant"))!.amount;
    const traces = await retentionChange("refund-assistant", 30, clock.next());
    expect(traces.baseVersion!.number).toBe(before);
    // Operations signs the incident path; the diff is only the retention.
    await approveAll(traces.id, clock);
    expect((await getChange(await reader(), traces.id)).state).toBe("approved");

    // Meanwhile CR-381 lowers the limit and is released first.
    const lower = await limitRaise(10, clock.next());
    await approveAll(lower.id, clock);
    await releaseApproved(lower.id, clock);
    const now = (await getAgentRecord(await reader(), "refund-assistant")).environments.production!.version;
    expect(now).toBeGreaterThan(before);

    // Its author is told at once.
    expect(
      (await myNotifications(await engineer())).items.some(
        (n) => n.message.startsWith(`${traces.label} `) && /is out of date/.test(n.message),
      ),
    ).toBe(true);

    // The change page tells the truth: out of date, compared with what production runs now.
    const stale = await getChange(await reader(), traces.id);
    expect(stale.outOfDate).toBe(true);
    expect(stale.production).toMatchObject({ number: now, changeLabel: lower.label });
    expect(stale.comparedWith).toMatchObject({ number: now, isProduction: true });
    const escalation = stale.permissionDiff.find((i) => i.direction === "escalation" && i.domain === "authority");
    expect(escalation?.summary).toMatch(new RegExp(`limit raised 10 → ${original}`));

    // Neither staging nor production takes it; development does (that is where authors try things).
    await promote(await engineer2(), traces.id, { environment: "development" }, clock.next());
    const staging = await unmetGates(async () => await promote(await engineer2(), traces.id, { environment: "staging" }, clock.next()));
    expect(staging.map((g) => [g.gate, g.reason])).toEqual([
      ["up_to_date", `based on v${before}; production runs v${now} since ${lower.label}`],
    ]);
    const production = await unmetGates(
      async () => await promote(await as("ops@countersign.test"), traces.id, { environment: "production" }, clock.next()),
    );
    expect(production.map((g) => g.gate)).toContain("up_to_date");

    // Only its author updates it; the others get 403 before their request is read.
    expect(
      (
        await errorOf(
          async () => await updateFromProduction(await as("ops@countersign.test"), traces.id, { resolutions: 42 }, clock.next()),
        )
      ).code,
    ).toBe("forbidden");
    expect((await errorOf(async () => await updateFromProduction(await reader(), traces.id, "nonsense", clock.next()))).code).toBe(
      "forbidden",
    );

    const updated = await updateFromProduction(await engineer(), traces.id, {}, clock.next());
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
    expect((await errorOf(async () => await updateFromProduction(await engineer(), traces.id, {}, clock.next()))).message).toMatch(
      /already up to date/,
    );

    await releaseApproved(traces.id, clock);
    const released = await getAgentRecord(await reader(), "refund-assistant");
    expect(released.environments.production!.version).toBe(updated.headVersion);
    expect(limitOf(await productionSpec("refund-assistant"))).toEqual({ amount: 10, unit: "USD" });
  });

  it("a field both changed is a conflict the author resolves; the new escalation is re-signed by security, who sees what moved", async () => {
    const raise = await limitRaise(60, clock.next());
    await approveAll(raise.id, clock);
    expect((await getChange(await reader(), raise.id)).state).toBe("approved");
    const lower = await limitRaise(5, clock.next());
    await approveAll(lower.id, clock);
    await releaseApproved(lower.id, clock);

    const conflict = await errorOf(async () => await updateFromProduction(await engineer(), raise.id, {}, clock.next()));
    expect(conflict.code).toBe("conflict");
    const conflicts = conflict.details.conflicts as { path: string; ours: { limit: unknown }; theirs: { limit: unknown } }[];
    expect(conflicts.map((c) => [c.path, c.ours.limit, c.theirs.limit])).toEqual([
      ["tools.stripe:refunds.create", { amount: 60, unit: "USD" }, { amount: 5, unit: "USD" }],
    ]);
    // Nothing was written by the refused update.
    expect(await getChange(await reader(), raise.id)).toMatchObject({ state: "approved", outOfDate: true });

    const updated = await updateFromProduction(
      await engineer(),
      raise.id,
      { resolutions: { "tools.stripe:refunds.create": "ours" } },
      clock.next(),
    );
    expect(updated.state).toBe("in_review");
    expect(updated.permissionDiff.find((i) => i.domain === "authority" && i.direction === "escalation")?.summary).toMatch(/5 → 60 USD/);
    // Every approval was of "43 → 60"; the diff is now "5 → 60": all asked again.
    const live = updated.signoffs.filter((s) => s.status !== "dismissed");
    expect(live.every((s) => s.status === "pending")).toBe(true);
    expect(live.map((s) => s.role)).toContain("security");

    const since = (await changesSinceReview(await as("security@countersign.test"), updated))!;
    expect(since).toMatchObject({ role: "security", reviewedVersion: raise.headVersion });
    expect(since.reviewedAgainst).not.toBe(updated.comparedWith!.number);

    await approveAll(raise.id, clock);
    await releaseApproved(raise.id, clock);
    expect(limitOf(await productionSpec("refund-assistant"))).toEqual({ amount: 60, unit: "USD" });
  });

  it("a change in draft records no sign-offs to reconcile; the editor's comparison names production truthfully", async () => {
    const spec = await productionSpec("refund-assistant");
    spec.instructions += "\nAlways quote the order number.";
    const draft = await proposeChange(await engineer(), { agent: "refund-assistant", title: "Draft", spec, ...attested }, clock.next());
    const bump = await retentionChange("refund-assistant", 3, clock.next());
    await approveAll(bump.id, clock);
    await releaseApproved(bump.id, clock);
    const stale = await getChange(await reader(), draft.id);
    expect(stale.outOfDate).toBe(true);
    const updated = await updateFromProduction(await engineer(), draft.id, {}, clock.next());
    expect(updated).toMatchObject({ state: "draft", outOfDate: false, signoffs: [] });
    // Its own edit (the instructions) on top of production's (the retention).
    expect(updated.spec).toEqual({ ...(await productionSpec("refund-assistant")), instructions: spec.instructions });
  });
});

describe("the ladder (finding 3)", () => {
  it("a deploy token cannot send a change to production that never ran in development and staging", async () => {
    const change = await retentionChange("refund-assistant", 11, clock.next());
    await approveAll(change.id, clock);
    const current = await getChange(await reader(), change.id);
    // An eval record of the spec in staging is not a staging deployment.
    await stagingEval("refund-assistant", current.specHash!, clock.next());
    const unmet = await unmetGates(async () => await promote(await engineer2(), change.id, { environment: "production" }, clock.next()));
    expect(unmet.map((g) => g.gate)).toEqual(["ladder"]);
    expect(
      (await unmetGates(async () => await promote(await engineer2(), change.id, { environment: "staging" }, clock.next()))).map(
        (g) => g.gate,
      ),
    ).toEqual(["ladder"]);
    await releaseApproved(change.id, clock);
    expect((await getChange(await reader(), change.id)).state).toBe("released");
  });
});

describe("submitting a new change (finding 6)", () => {
  it("a refused first submission creates nothing and names every problem at once", async () => {
    const count = async () => (await db.select().from(changeRecords)).length;
    const before = await count();
    const missing = await errorOf(
      async () => await proposeChange(await engineer(), { agent: "refund-assistant", spec: { model: {} }, submit: true }, clock.next()),
    );
    expect(missing.code).toBe("validation_failed");
    expect(Object.keys(missing.details.fieldErrors!)).toEqual(expect.arrayContaining(["title", "rollbackPlan", "rollbackOwner"]));
    const spec = await productionSpec("refund-assistant");
    spec.traceRetentionDays += 2;
    const untitled = await errorOf(
      async () => await proposeChange(await engineer(), { agent: "refund-assistant", spec, submit: true }, clock.next()),
    );
    expect(Object.keys(untitled.details.fieldErrors!).sort()).toEqual(["rollbackOwner", "rollbackPlan", "title"]);
    expect(await count()).toBe(before);
  });
});

it("a new review round: approvals by every role finish a change that had changes requested (finding 2, via the API shape)", async () => {
  const change = await limitRaise(71, clock.next());
  await signOff(
    await as("security@countersign.test"),
    change.id,
    { role: "security", decision: "request_changes", comment: "Say why 71" },
    clock.next(),
  );
  await submitChange(await engineer(), change.id, clock.next());
  expect((await approveAll(change.id, clock)).state).toBe("approved");
});

it("after updates from production, releases, rollbacks and re-assessments the trail still replays against the tables", async () => {
  const result = await verifyAuditTrail();
  expect(result.reason).toBeNull();
  expect(result.ok).toBe(true);
});
