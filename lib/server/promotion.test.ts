import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { agents, auditEvents, deployments } from "@/db/schema";
import type { Gate } from "@/lib/domain/promotion-gates";
import type { Environment } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, HOUR, limitRaise, stagingEval, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { editChange, getChange } from "./changes";
import { promote, releaseSteps } from "./promotion";
import { getAgentRecord } from "./registry";
import { openRetroSignoffs } from "./retro-signoffs";
import { signOff } from "./signoffs";

let db: DB;
const clock = testClock();
const engineer2 = () => as("engineer2@countersign.test");
const ops = () => as("ops@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

const refundAgentId = async () => (await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, "refund-assistant"))))!.id;

async function deploymentCount(environment: Environment): Promise<number> {
  return (
    await db
      .select()
      .from(deployments)
      .where(and(eq(deployments.agentId, await refundAgentId()), eq(deployments.environment, environment)))
  ).length;
}

/** The gates a refused promotion names as unmet, by name. */
async function unmetGates(fn: () => unknown): Promise<Gate[]> {
  const error = await errorOf(fn);
  expect(error.code).toBe("gate_failed");
  return (error.details.gates as Gate[]).filter((g) => !g.met);
}

/** A limit raise taken to staging by engineering, with its sign-offs as given. */
async function staged(amount: number, approve: boolean) {
  const change = await limitRaise(amount, clock.next());
  if (approve) await approveAll(change.id, clock);
  await promote(await engineer2(), change.id, { environment: "development" }, clock.next());
  await promote(await engineer2(), change.id, { environment: "staging" }, clock.next());
  return await getChange(await engineer2(), change.id);
}

describe("production refuses a change without its evidence", () => {
  it("without approval: the unmet gates name the roles still to sign", async () => {
    const change = await staged(610, false);
    await stagingEval("refund-assistant", change.specHash!, clock.next());
    const before = await deploymentCount("production");
    const unmet = await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()));
    expect(unmet.map((g) => g.gate)).toEqual(["change_state", "approved_on_current_hash"]);
    expect(unmet[0]!.reason).toBe(`${change.label} is in review; production takes approved changes`);
    expect(unmet[1]!.reason).toMatch(/^not yet approved on content \w{12} by: workflow owner, security, engineering, operations$/);
    expect(await deploymentCount("production")).toBe(before);
  });

  it("without a staging eval of this exact spec: an eval of another spec, or one in development only, does not count", async () => {
    const change = await staged(620, true);
    expect(change.state).toBe("approved");
    await stagingEval("refund-assistant", change.baseVersion!.specHash, clock.next());
    await stagingEval("refund-assistant", change.specHash!, clock.next(), { environment: "development" });
    const unmet = await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()));
    expect(unmet.map((g) => g.gate)).toEqual(["staging_eval"]);
    expect(unmet[0]!.reason).toBe(`no eval run recorded in staging for spec ${change.specHash!.slice(0, 12)}`);
  });

  it("after the author edits an approved change: the approvals are dismissed, it is back in review, and refused", async () => {
    const change = await staged(630, true);
    await stagingEval("refund-assistant", change.specHash!, clock.next());
    const edited = await editChange(
      await as("engineer@countersign.test"),
      change.id,
      { rationale: "Finance asked for the higher limit." },
      clock.next(),
    );
    expect(edited.state).toBe("in_review");
    expect(edited.contentHash).not.toBe(change.contentHash);
    expect(edited.signoffs.filter((s) => s.signer).every((s) => s.status === "dismissed")).toBe(true);
    expect(edited.signoffs.filter((s) => s.status === "pending")).toHaveLength(4);
    const edit = (await first(
      db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "change.edited"))),
    ))!;
    expect(edit.payload).toMatchObject({
      previousState: "approved",
      state: "in_review",
      previousContentHash: change.contentHash,
      contentHash: edited.contentHash,
    });
    const unmet = await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()));
    // The spec is the same, so its staging eval still counts; the approvals were given on other content.
    expect(unmet.map((g) => g.gate)).toEqual(["change_state", "approved_on_current_hash"]);
    expect(unmet[1]!.reason).toContain(`content ${edited.contentHash!.slice(0, 12)}`);
  });

  it("with a failure in the latest staging eval (policy floor: no failures); a later clean run lets it through", async () => {
    const change = await staged(640, true);
    await stagingEval("refund-assistant", change.specHash!, clock.next(), { passed: 39, failed: 1 });
    const unmet = await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()));
    expect(unmet.map((g) => g.gate)).toEqual(["staging_eval"]);
    expect(unmet[0]!.reason).toBe(
      `the latest staging eval of spec ${change.specHash!.slice(0, 12)} has 39/40 passed; production needs no failures`,
    );
    await stagingEval("refund-assistant", change.specHash!, clock.next());
    expect(await promote(await ops(), change.id, { environment: "production" }, clock.next())).toMatchObject({
      environment: "production",
      kind: "promote",
    });
  });
});

describe("the release path", () => {
  it("approved → development → staging → clean eval → production: released, reviewed, audited in the same call", async () => {
    const change = await limitRaise(650, clock.next());
    await approveAll(change.id, clock);
    const previous = (await getAgentRecord(await ops(), "refund-assistant")).environments.production!;
    await promote(await engineer2(), change.id, { environment: "development" }, clock.next());
    await promote(await engineer2(), change.id, { environment: "staging" }, clock.next());
    await stagingEval("refund-assistant", change.specHash!, clock.next());
    const at = clock.next();
    const deployment = await promote(await ops(), change.label, { environment: "production" }, at);

    expect(deployment).toMatchObject({
      agent: "refund-assistant",
      environment: "production",
      kind: "promote",
      version: change.headVersion,
      specHash: change.specHash,
      deployedAt: at,
      deployedBy: "ops@countersign.test",
      changeNumber: change.number,
      replacedVersion: previous.version,
    });
    expect(await getChange(await ops(), change.id)).toMatchObject({ state: "released", releasedAt: at });
    const record = await getAgentRecord(await ops(), "refund-assistant");
    expect(record.lastReviewedAt).toBe(at);
    expect(record.environments.production).toMatchObject({ version: change.headVersion, kind: "promote" });

    const events = await db.select().from(auditEvents).where(eq(auditEvents.at, at)).orderBy(asc(auditEvents.seq));
    expect(events.map((e) => [e.action, e.entityId])).toEqual([
      ["deployment.promoted", deployment.id],
      ["change.released", change.id],
    ]);
    expect(events[1]!.payload).toMatchObject({ specHash: change.specHash, contentHash: change.contentHash, emergency: false });
    expect((events[1]!.payload as { approvals: unknown[] }).approvals).toHaveLength(4);
  });

  it("staging takes a change in review; development refuses a rejected one", async () => {
    const inReview = await staged(660, false);
    expect((await getAgentRecord(await ops(), "refund-assistant")).environments.staging!.version).toBe(inReview.headVersion);
    const rejected = await limitRaise(661, clock.next());
    await signOff(
      await as("security@countersign.test"),
      rejected.id,
      { role: "security", decision: "reject", comment: "Too much" },
      clock.next(),
    );
    expect(
      (await unmetGates(async () => await promote(await engineer2(), rejected.id, { environment: "development" }, clock.next()))).map(
        (g) => g.gate,
      ),
    ).toEqual(["change_state"]);
  });
});

describe("who may promote", () => {
  it("leaders, auditors and workflow owners may not; engineering and operations may", async () => {
    const change = await limitRaise(670, clock.next());
    for (const email of ["leader@countersign.test", "auditor@countersign.test", "owner@countersign.test", "security@countersign.test"]) {
      expect(
        await errorOf(async () => await promote(await as(email), change.id, { environment: "development" }, clock.next())),
      ).toMatchObject({
        code: "forbidden",
        message: "Engineering or operations promote changes",
      });
    }
    expect((await promote(await engineer2(), change.id, { environment: "development" }, clock.next())).deployedBy).toBe(
      "engineer2@countersign.test",
    );
    expect((await promote(await ops(), change.id, { environment: "staging" }, clock.next())).deployedBy).toBe("ops@countersign.test");
  });

  it("a token needs the deploy scope; with it, a pipeline takes an approved change to production", async () => {
    const noDeploy = await tokenWith(db, "ci-evals", ["read", "changes:write", "evals:write"]);
    const deployer = await tokenWith(db, "ci-deploy", ["read", "deploy"]);
    const change = await limitRaise(680, clock.next());
    await approveAll(change.id, clock);
    expect(await errorOf(async () => await promote(noDeploy, change.id, { environment: "development" }, clock.next()))).toMatchObject({
      code: "forbidden",
      message: 'Token "ci-evals" lacks the deploy scope',
    });
    await promote(deployer, change.id, { environment: "development" }, clock.next());
    await promote(deployer, change.id, { environment: "staging" }, clock.next());
    await stagingEval("refund-assistant", change.specHash!, clock.next(), {}, noDeploy);
    const released = await promote(deployer, change.id, { environment: "production" }, clock.next());
    expect(released).toMatchObject({ kind: "promote", deployedBy: "token:ci-deploy" });
    expect(await first(db.select().from(auditEvents).where(eq(auditEvents.entityId, released.id)))).toMatchObject({
      actorType: "token",
      actorId: "tok_ci-deploy",
      actorLabel: "token:ci-deploy",
    });
  });

  it("an unknown environment is a validation error naming the field", async () => {
    const change = await limitRaise(690, clock.next());
    expect(await errorOf(async () => await promote(await engineer2(), change.id, { environment: "prod" }))).toMatchObject({
      code: "validation_failed",
      details: { fieldErrors: { environment: ["environment must be one of: development, staging, production"] } },
    });
  });
});

describe("concurrent promotions", () => {
  /** Fires 20 promotions of one change at once; each settles to its deployment or its error. */
  function twenty(ref: string, environment: Environment, at: number) {
    return Promise.all(
      Array.from({ length: 20 }, () =>
        Promise.resolve().then(async () => {
          try {
            return await promote(await ops(), ref, { environment }, at);
          } catch (error) {
            return error;
          }
        }),
      ),
    );
  }

  it("of 20 parallel requests for staging and then for production, exactly one deploys each time", async () => {
    const change = await limitRaise(700, clock.next());
    await approveAll(change.id, clock);
    await promote(await engineer2(), change.id, { environment: "development" }, clock.next());

    for (const environment of ["staging", "production"] as const) {
      if (environment === "production") await stagingEval("refund-assistant", change.specHash!, clock.next());
      const before = await deploymentCount(environment);
      const results = await twenty(change.id, environment, clock.next());
      const deployed = results.filter((r) => !(r instanceof Error));
      const refused = results.filter((r): r is AppError => r instanceof AppError);
      expect(deployed).toHaveLength(1);
      expect(refused).toHaveLength(19);
      expect(refused.every((e) => e.code === "gate_failed")).toBe(true);
      const reasons = refused[0]!.message;
      expect(reasons).toContain(`${environment} already runs spec ${change.specHash!.slice(0, 12)}`);
      if (environment === "production") expect(reasons).toContain(`${change.label} is released`);
      expect(await deploymentCount(environment)).toBe(before + 1);
    }
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "change.released"))),
    ).toHaveLength(1);
  });
});

describe("emergency releases", () => {
  const justification = "Refunds over 50 USD are failing for every customer since the card-network outage.";

  it("operations releases on one approval from someone other than the author; the rest is signed within 48 hours", async () => {
    const change = await limitRaise(750, clock.next(), { emergency: { justification } });
    expect(change.emergency).toEqual({ justification });
    await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
    expect((await getChange(await ops(), change.id)).state).toBe("in_review");

    // engineer@ wrote it: neither may they take the emergency path, nor (by default) release their own high-risk change.
    const steps = await releaseSteps(await as("engineer@countersign.test"), change.id);
    expect(steps.find((s) => s.environment === "production")).toMatchObject({ path: "emergency", ready: false, canDeploy: false });
    expect((await releaseSteps(await ops(), change.id)).find((s) => s.environment === "production")).toMatchObject({
      path: "emergency",
      ready: true,
    });
    expect(
      await errorOf(
        async () => await promote(await as("engineer@countersign.test"), change.id, { environment: "production" }, clock.next()),
      ),
    ).toMatchObject({
      code: "forbidden",
      message: "Operations releases emergency changes",
    });
    expect((await releaseSteps(await ops(), change.id)).find((s) => s.environment === "production")!.canDeploy).toBe(true);

    const at = clock.next();
    const deployment = await promote(await ops(), change.id, { environment: "production" }, at);
    expect(deployment).toMatchObject({ kind: "emergency", environment: "production", version: change.headVersion, reason: justification });
    const released = await getChange(await ops(), change.id);
    expect(released).toMatchObject({ state: "released", releasedAt: at, retroSignoffDueAt: at + 48 * HOUR, approvedAt: null });
    expect((await db.select().from(auditEvents).where(eq(auditEvents.at, at)).orderBy(asc(auditEvents.seq))).map((e) => e.action)).toEqual([
      "deployment.emergency",
      "change.released",
    ]);
    expect((await openRetroSignoffs(await ops(), { agent: "refund-assistant" }, at)).find((r) => r.changeId === change.id)).toMatchObject({
      status: "pending",
      waitingOn: expect.arrayContaining(["workflow_owner", "engineering", "operations"]),
    });

    // The retro review: approve or reject, never send a released change back to draft.
    const sentBack = await errorOf(
      async () =>
        await signOff(
          await as("owner@countersign.test"),
          change.id,
          { role: "workflow_owner", decision: "request_changes", comment: "Add a reversal metric" },
          clock.next(),
        ),
    );
    expect(sentBack.code).toBe("validation_failed");
    await signOff(await as("owner@countersign.test"), change.id, { role: "workflow_owner", decision: "approve" }, clock.next());
    await signOff(await engineer2(), change.id, { role: "engineering", decision: "approve" }, clock.next());
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "change.retro_signoff_completed"))),
    ).toHaveLength(0);
    const last = clock.next();
    const complete = await signOff(await ops(), change.id, { role: "operations", decision: "approve" }, last);
    expect(complete).toMatchObject({ state: "released", approvedAt: last });
    expect(complete.signoffs.every((s) => s.status === "approved")).toBe(true);
    const completed = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "change.retro_signoff_completed")));
    expect(completed).toHaveLength(1);
    expect(completed[0]!.payload).toMatchObject({ dueAt: at + 48 * HOUR, late: false });
    expect((await openRetroSignoffs(await ops(), { agent: "refund-assistant" }, last)).some((r) => r.changeId === change.id)).toBe(false);
  });

  it("with no approval at all an emergency change is refused; engineering may still stage it", async () => {
    const change = await limitRaise(760, clock.next(), { emergency: { justification } });
    await promote(await engineer2(), change.id, { environment: "development" }, clock.next());
    expect((await promote(await engineer2(), change.id, { environment: "staging" }, clock.next())).kind).toBe("promote");
    const unmet = await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()));
    expect(unmet.map((g) => g.gate)).toEqual(["emergency_approval"]);
    expect((await getChange(await ops(), change.id)).state).toBe("in_review");
  });

  it("a deploy token cannot take the emergency path: that is a decision for operations", async () => {
    const change = await limitRaise(765, clock.next(), { emergency: { justification } });
    await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
    const pipeline = await tokenWith(db, "ci-emergency", ["read", "deploy"]);
    await promote(pipeline, change.id, { environment: "development" }, clock.next());
    expect((await promote(pipeline, change.id, { environment: "staging" }, clock.next())).kind).toBe("promote");
    expect((await releaseSteps(pipeline, change.id)).find((s) => s.environment === "production")).toMatchObject({
      path: "emergency",
      ready: true,
      canDeploy: false,
    });
    expect(await errorOf(async () => await promote(pipeline, change.id, { environment: "production" }, clock.next()))).toMatchObject({
      code: "forbidden",
      message: "Operations releases emergency changes: API tokens cannot",
    });
    expect((await getChange(await ops(), change.id)).state).toBe("in_review");
  });

  it("a retro rejection stands: the last approval after it does not mark the emergency change approved", async () => {
    const change = await limitRaise(768, clock.next(), { emergency: { justification } });
    await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
    await promote(await ops(), change.id, { environment: "production" }, clock.next());
    await signOff(
      await as("owner@countersign.test"),
      change.id,
      { role: "workflow_owner", decision: "reject", comment: "Roll this back: the limit is too high" },
      clock.next(),
    );
    await signOff(await engineer2(), change.id, { role: "engineering", decision: "approve" }, clock.next());
    const last = await signOff(await ops(), change.id, { role: "operations", decision: "approve" }, clock.next());
    expect(last).toMatchObject({ state: "released", approvedAt: null });
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "change.retro_signoff_completed"))),
    ).toHaveLength(0);
  });

  it("an emergency change that is fully approved is released without a retro deadline", async () => {
    const change = await limitRaise(770, clock.next(), { emergency: { justification } });
    await approveAll(change.id, clock);
    const at = clock.next();
    expect((await promote(await ops(), change.id, { environment: "production" }, at)).kind).toBe("emergency");
    expect(await getChange(await ops(), change.id)).toMatchObject({ state: "released", retroSignoffDueAt: null });
  });
});
