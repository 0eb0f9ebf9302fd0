import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { agents, auditEvents, deployments, doraFacts } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, retentionChange, retirement, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { editChange, getChange, submitChange } from "./changes";
import { promote, releaseSteps } from "./promotion";
import { getAgentRecord } from "./registry";
import { releaseRetirement, retirementStep } from "./retirement";
import { rollback } from "./rollback";
import { signOff } from "./signoffs";

let db: DB;
const clock = testClock();
const engineer = () => as("engineer@countersign.test");
const releaser = () => as("engineer2@countersign.test");
const reader = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

const retire = (slug: string, extra: Record<string, unknown> = {}) =>
  retirement(slug, clock.next(), { rationale: "The on-call team writes postmortems themselves again.", ...extra });

describe("retiring an agent is a change record", () => {
  it("is assessed medium and asks its workflow owner and operations, no more, in a medium workflow", async () => {
    const change = await retire("postmortem-drafter");
    expect(change.retire).toBe(true);
    expect(change.state).toBe("in_review");
    expect(change.riskTier).toBe("medium");
    expect(change.riskReasons[0]).toMatch(/^medium: retiring the agent/);
    expect(change.requiredSignoffs.map((s) => s.role)).toEqual(["workflow_owner", "operations"]);
    // It retires the version production runs: no new version is written.
    const record = await getAgentRecord(await reader(), "postmortem-drafter");
    expect(change.headVersion).toBe(record.environments.production!.version);
    expect(change.baseVersion?.number).toBe(change.headVersion);
  });

  it("on a critical path compliance joins, and every tier role with it", async () => {
    const change = await retire("kyc-document-checker");
    expect(change.riskTier).toBe("critical");
    expect(change.requiredSignoffs.map((s) => s.role)).toEqual(["workflow_owner", "security", "engineering", "operations", "compliance"]);
  });

  it("proposes no spec: one sent is refused, on proposal and on edit", async () => {
    const refused = await errorOf(() => retire("alert-deduplicator", { spec: { model: {} } }));
    expect(refused.code).toBe("validation_failed");
    expect(refused.details.fieldErrors?.spec?.[0]).toMatch(/proposes no spec/);
    const change = await retire("alert-deduplicator", { submit: false });
    const onEdit = await errorOf(async () => await editChange(await engineer(), change.id, { spec: "model: {}" }, clock.next()));
    expect(onEdit.details.fieldErrors?.spec?.[0]).toMatch(/proposes no spec/);
  });

  it("needs a reason before review", async () => {
    const draft = await retire("alert-deduplicator", { rationale: "", submit: false });
    const refused = await errorOf(async () => await submitChange(await engineer(), draft.id, clock.next()));
    expect(refused.details.fieldErrors?.rationale?.[0]).toMatch(/Say why the agent is retired/);
  });

  it("goes round trip: changes requested → edited → resubmitted", async () => {
    const change = await retire("incident-triage-bot");
    await signOff(
      await as("ops@countersign.test"),
      change.id,
      { role: "operations", decision: "request_changes", comment: "Name who triages" },
      clock.next(),
    );
    expect((await getChange(await reader(), change.id)).state).toBe("draft");
    await editChange(await engineer(), change.id, { rationale: "The L2 on-call triages by hand; see the runbook." }, clock.next());
    const again = await submitChange(await engineer(), change.id, clock.next());
    expect(again.state).toBe("in_review");
    expect(again.signoffs.filter((s) => s.status === "pending").map((s) => s.role)).toEqual(["workflow_owner", "operations"]);
  });
});

describe("releasing a retire change", () => {
  it("refuses who may not deploy before reading anything, and promotion of a retire change", async () => {
    const change = await retire("chargeback-responder");
    expect((await errorOf(async () => await releaseRetirement(await reader(), change.id, { junk: true }))).code).toBe("forbidden");
    expect((await errorOf(async () => await releaseRetirement(await tokenWith(db, "retire-reader", ["read"]), change.id))).code).toBe(
      "forbidden",
    );
    expect((await errorOf(async () => await promote(await releaser(), change.id, { environment: "production" }, clock.next()))).code).toBe(
      "conflict",
    );
    expect(await releaseSteps(await reader(), change.id)).toEqual([]);
  });

  it("waits for every approval on the current content", async () => {
    const change = await retire("store-credit-issuer");
    const step = (await retirementStep(await releaser(), change.id))!;
    expect(step.ready).toBe(false);
    expect(step.gates.find((g) => g.gate === "approved_on_current_hash")?.met).toBe(false);
    expect((await errorOf(async () => await releaseRetirement(await releaser(), change.id, {}, clock.next()))).code).toBe("gate_failed");
  });

  it("retires the agent in every environment, withdraws its other open changes, and leaves its DORA history as it was", async () => {
    const slug = "duplicate-account-merger";
    const agentId = (await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, slug))))!.id;
    const other = await retentionChange(slug, 5, clock.next());
    const factsBefore = (await db.select().from(doraFacts).where(eq(doraFacts.agentId, agentId))).length;
    const change = await retire(slug);
    await approveAll(change.id, clock);
    expect((await retirementStep(await releaser(), change.id))!.ready).toBe(true);

    const written = await releaseRetirement(await releaser(), change.id, {}, clock.next());
    expect(written.map((d) => [d.environment, d.kind])).toEqual([
      ["development", "retire"],
      ["staging", "retire"],
      ["production", "retire"],
    ]);
    expect((await first(db.select({ status: agents.status }).from(agents).where(eq(agents.id, agentId))))!.status).toBe("retired");
    expect((await getChange(await reader(), change.id)).state).toBe("released");
    const withdrawn = await getChange(await reader(), other.id);
    expect(withdrawn.state).toBe("withdrawn");
    expect(withdrawn.signoffs.every((s) => s.status !== "pending")).toBe(true);
    // Retiring is not a release: DORA counts the same production deployments as before.
    expect((await db.select().from(doraFacts).where(eq(doraFacts.agentId, agentId))).length).toBe(factsBefore);
    const actions = (await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.entityId, agentId))).map(
      (e) => e.action,
    );
    expect(actions).toContain("agent.retired");
    expect(
      await db
        .select()
        .from(deployments)
        .where(and(eq(deployments.agentId, agentId), eq(deployments.kind, "retire"))),
    ).toHaveLength(3);

    // A retry finds it done, and nothing more runs or rolls back.
    expect((await errorOf(async () => await releaseRetirement(await releaser(), change.id, {}, clock.next()))).code).toBe("gate_failed");
    expect(
      (
        await errorOf(
          async () =>
            await rollback(await as("ops@countersign.test"), slug, { environment: "production", reason: "bring it back" }, clock.next()),
        )
      ).code,
    ).toBe("conflict");
    expect((await errorOf(() => retire(slug))).code).toBe("conflict");
  });
});
