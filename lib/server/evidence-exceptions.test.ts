import { randomUUID } from "node:crypto";
import { and, desc, eq, lt, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { agents, agentVersions, changeRecords, deployments } from "@/db/schema";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
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
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { findChangeRow } from "./change-records";
import { proposeChange, withdrawChange } from "./changes";
import { expectSameTotals } from "@/lib/testing/evidence-totals";
import { evidencePack, evidencePage, type EvidenceRelease } from "./evidence";
import { promote } from "./promotion";
import { signOff } from "./signoffs";
import { findActiveUser } from "./users";

/** The ladder's exceptions: a release that skipped a rung, one production had moved past, one its author deployed. */

let db: DB;
const clock = testClock();
const auditor = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

async function releaseAt(deployedAt: number): Promise<EvidenceRelease> {
  const pack = await evidencePack(await auditor(), { from: deployedAt, to: deployedAt + 1 }, clock.peek());
  expect(pack.releases).toHaveLength(1);
  expectSameTotals(
    pack.releases[0]!,
    (await evidencePage(await auditor(), { from: deployedAt, to: deployedAt + 1 }, {}, clock.peek())).totals,
  );
  return pack.releases[0]!;
}

/**
 * Writes a change's production release as a row, the way promote() would (the version production
 * ran before it as the replaced one). Production's gates refuse a release that did not run in staging,
 * or that production has moved past since it was proposed; the pack must still flag such a release
 * when history holds one (imported from before the gates, or written around them), so those
 * histories are built here below the use cases.
 */
async function releaseAsRow(ref: string, at: number, deployer = "engineer2@countersign.test") {
  const deployedById = (await findActiveUser({ email: deployer }))!.id;
  await withTransaction(async (tx) => {
    const change = await findChangeRow(tx, ref);
    const running = await first(
      tx
        .select({ versionId: deployments.versionId })
        .from(deployments)
        .where(and(eq(deployments.agentId, change.agentId), eq(deployments.environment, "production")))
        .orderBy(desc(deployments.deployedAt), desc(sql`${deployments}.rowid`))
        .limit(1),
    );
    await tx.insert(deployments).values({
      id: randomUUID(),
      agentId: change.agentId,
      environment: "production",
      versionId: change.headVersionId!,
      kind: "promote",
      deployedAt: at,
      deployedById,
      changeRecordId: change.id,
      replacedVersionId: running?.versionId ?? null,
    });
    await tx.update(changeRecords).set({ state: "released", releasedAt: at, updatedAt: at }).where(eq(changeRecords.id, change.id));
  });
  return at;
}

describe("evidence pack: the ladder's exceptions", () => {
  it("a clean release (development → staging → production, on what production ran, deployed by someone else) has none of them", async () => {
    const change = await limitRaise(910, clock.next());
    await approveAll(change.id, clock);
    const deployment = await releaseApproved(change.id, clock);
    const release = await releaseAt(deployment.deployedAt);
    expect(release.change.baseVersion!.number).toBe(deployment.replacedVersion);
    expect(release.deployment.deployedBy).toBe("engineer2@countersign.test");
    expect(release.exceptions).toEqual([]);
  });

  it("a release that never ran in staging is “skipped environment”, naming the rung", async () => {
    const change = await limitRaise(920, clock.next());
    await approveAll(change.id, clock);
    await promote(await as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
    await stagingEval("refund-assistant", change.specHash!, clock.next()); // an eval run, but the version never ran in staging
    const release = await releaseAt(await releaseAsRow(change.id, clock.next()));
    expect(release.exceptions).toEqual([
      {
        kind: "skipped_environment",
        label: "skipped environment",
        detail: `Skipped staging, where v${change.headVersion} (spec ${change.specHash!.slice(0, 12)}) never ran before the release`,
      },
    ]);
  });

  it("a release straight to production skipped both rungs; a run in staging only after the release does not count", async () => {
    const change = await limitRaise(930, clock.next());
    await approveAll(change.id, clock);
    await stagingEval("refund-assistant", change.specHash!, clock.next());
    const deployedAt = await releaseAsRow(change.id, clock.next());
    const detail = `Skipped development and staging, where v${change.headVersion} (spec ${change.specHash!.slice(0, 12)}) never ran before the release`;
    expect((await releaseAt(deployedAt)).exceptions).toEqual([{ kind: "skipped_environment", label: "skipped environment", detail }]);
    // Staging the released change afterwards does not go back in time.
    const row = await findChangeRow(db, change.id);
    const deployedById = (await findActiveUser({ email: "engineer2@countersign.test" }))!.id;
    await withTransaction(async (tx) => {
      await tx.insert(deployments).values({
        id: randomUUID(),
        agentId: row.agentId,
        environment: "staging",
        versionId: row.headVersionId!,
        kind: "promote",
        deployedAt: clock.next(),
        deployedById,
        changeRecordId: change.id,
      });
    });
    expect((await releaseAt(deployedAt)).exceptions.map((e) => e.detail)).toEqual([detail]);
  });

  it("an emergency release that skipped staging is still flagged, and says it was an emergency", async () => {
    const change = await limitRaise(940, clock.next(), {
      emergency: { justification: "Refunds fail for every customer since the outage." },
    });
    await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
    await promote(await as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
    await stagingEval("refund-assistant", change.specHash!, clock.next());
    const deployment = await promote(await as("ops@countersign.test"), change.id, { environment: "production" }, clock.next());
    const release = await releaseAt(deployment.deployedAt);
    expect(release.deployment.kind).toBe("emergency");
    // The rest of the sign-offs are still within their 48 hours: skipping staging is the only exception.
    expect(release.exceptions).toEqual([
      {
        kind: "skipped_environment",
        label: "skipped environment",
        detail: `Emergency release: skipped staging, where v${change.headVersion} (spec ${change.specHash!.slice(0, 12)}) never ran before the release`,
      },
    ]);
    await approveAll(change.id, clock); // closes the retro sign-off, so later releases of this agent are not held up by it
  });

  it("the same spec run in staging under another version counts: the rung was climbed by that configuration", async () => {
    const spec = await productionSpec("refund-assistant");
    spec.instructions += "\nAlways quote the refund policy section you relied on.";
    const propose = async (title: string) =>
      await proposeChange(
        await as("engineer@countersign.test"),
        { agent: "refund-assistant", title, spec, ...attested, submit: true },
        clock.next(),
      );
    const first = await propose("Quote the policy");
    await promote(await as("engineer2@countersign.test"), first.id, { environment: "development" }, clock.next());
    await promote(await as("engineer2@countersign.test"), first.id, { environment: "staging" }, clock.next());
    await stagingEval("refund-assistant", first.specHash!, clock.next());
    await withdrawChange(await as("engineer@countersign.test"), first.id, { reason: "Re-proposed with a clearer title" }, clock.next());

    const second = await propose("Quote the refund policy section relied on");
    expect(second.headVersion).not.toBe(first.headVersion);
    expect(second.specHash).toBe(first.specHash);
    await approveAll(second.id, clock);
    // Development and staging already run this spec, so the second change goes to production directly.
    const deployment = await promote(await as("engineer2@countersign.test"), second.id, { environment: "production" }, clock.next());
    expect((await releaseAt(deployment.deployedAt)).exceptions).toEqual([]);
  });

  it("a release production had moved past since it was proposed is “out-of-date release”; the one that moved it is not", async () => {
    const first = await limitRaise(960, clock.next());
    const second = await limitRaise(970, clock.next());
    const production = first.baseVersion!.number;
    expect(second.baseVersion!.number).toBe(production);
    for (const change of [first, second]) await approveAll(change.id, clock);
    // Both climb the ladder while production still runs their base.
    for (const change of [first, second]) {
      await promote(await as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
      await promote(await as("engineer2@countersign.test"), change.id, { environment: "staging" }, clock.next());
      await stagingEval("refund-assistant", change.specHash!, clock.next());
    }
    const firstDeployment = await promote(await as("engineer2@countersign.test"), first.id, { environment: "production" }, clock.next());
    expect((await releaseAt(firstDeployment.deployedAt)).exceptions).toEqual([]);

    const release = await releaseAt(await releaseAsRow(second.id, clock.next()));
    expect(release.deployment.replacedVersion).toBe(first.headVersion);
    expect(release.exceptions).toEqual([
      {
        kind: "out_of_date_release",
        label: "out-of-date release",
        detail: `Based on v${production}; production ran v${first.headVersion} when it was released, a version its reviewers never compared against`,
      },
    ]);
  });

  it("a new agent's first release onto an empty production is not out of date; a second one proposed with no base is", async () => {
    // No use case registers an agent (the seed writes them), so the new agent is a row.
    const template = (await first(db.select().from(agents).where(eq(agents.slug, "account-notes-summarizer"))))!;
    const agentId = randomUUID();
    const createdAt = clock.next();
    await withTransaction(async (tx) => {
      await tx
        .insert(agents)
        .values({ ...template, id: agentId, slug: "ledger-notes", name: "Ledger Notes", lastReviewedAt: null, createdAt });
    });
    const spec = await productionSpec("account-notes-summarizer");
    const propose = async (title: string, days: number) =>
      await proposeChange(
        await as("engineer@countersign.test"),
        { agent: "ledger-notes", title, spec: { ...spec, traceRetentionDays: spec.traceRetentionDays + days }, ...attested, submit: true },
        clock.next(),
      );
    const firstChange = await propose("Register Ledger Notes", 0);
    const secondChange = await propose("Register Ledger Notes, keeping traces longer", 5);
    expect([firstChange.baseVersion, secondChange.baseVersion]).toEqual([null, null]);
    for (const change of [firstChange, secondChange]) {
      await approveAll(change.id, clock);
      await promote(await as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
      await promote(await as("engineer2@countersign.test"), change.id, { environment: "staging" }, clock.next());
      await stagingEval("ledger-notes", change.specHash!, clock.next());
    }
    const firstDeployment = await promote(
      await as("engineer2@countersign.test"),
      firstChange.id,
      { environment: "production" },
      clock.next(),
    );
    expect(firstDeployment.replacedVersion).toBeNull();
    expect((await releaseAt(firstDeployment.deployedAt)).exceptions).toEqual([]);

    const release = await releaseAt(await releaseAsRow(secondChange.id, clock.next()));
    expect(release.exceptions).toEqual([
      {
        kind: "out_of_date_release",
        label: "out-of-date release",
        detail: `Proposed with no base version, as a new agent; production ran v${firstChange.headVersion} when it was released, a version its reviewers never compared against`,
      },
    ]);
  });

  it("an author who deploys their own change to production is “author released own change”, with its risk tier", async () => {
    const change = await retentionChange("refund-assistant", 3, clock.next());
    await approveAll(change.id, clock);
    const deployment = await releaseApproved(change.id, clock, await as("engineer@countersign.test"));
    const release = await releaseAt(deployment.deployedAt);
    expect(release.exceptions).toEqual([
      {
        kind: "author_released",
        label: "author released own change",
        detail: `engineer@countersign.test, the author, deployed it to production (${change.riskTier} risk)`,
      },
    ]);
    // Deploying to development and staging is the author's to do: only production counts.
    expect(release.change.author).toMatchObject({ email: "engineer@countersign.test" });
  });

  it("a CI token that proposes a change and deploys it to production released its own change", async () => {
    const ci = await tokenWith(db, "ci-pipeline", ["read", "changes:write", "deploy"]);
    const spec = await productionSpec("refund-assistant");
    spec.traceRetentionDays += 2;
    const change = await proposeChange(ci, { agent: "refund-assistant", title: "From CI", spec, ...attested, submit: true }, clock.next());
    await approveAll(change.id, clock);
    const deployment = await releaseApproved(change.id, clock, ci);
    expect(deployment.deployedBy).toBe("token:ci-pipeline");
    const release = await releaseAt(deployment.deployedAt);
    expect(release.exceptions).toEqual([
      {
        kind: "author_released",
        label: "author released own change",
        detail: `token:ci-pipeline, the author, deployed it to production (${change.riskTier} risk)`,
      },
    ]);
  });

  it("over the seeded year: each release's ladder exceptions match its own rows, read one release at a time", async () => {
    const pack = await evidencePack(await auditor(), { from: 0, to: TEST_UNTIL }, TEST_UNTIL);
    const hashOf = async (versionId: string | null) =>
      versionId
        ? (await first(db.select({ h: agentVersions.specHash }).from(agentVersions).where(eq(agentVersions.id, versionId))))!.h
        : null;
    for (const r of pack.releases) {
      const row = (await first(db.select().from(deployments).where(eq(deployments.id, r.deployment.id))))!;
      const change = (await first(db.select().from(changeRecords).where(eq(changeRecords.id, row.changeRecordId!))))!;
      const ranIn = async (environment: "development" | "staging") =>
        (await first(
          db
            .select({ id: deployments.id })
            .from(deployments)
            .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
            .where(
              and(
                eq(deployments.agentId, row.agentId),
                eq(deployments.environment, environment),
                eq(agentVersions.specHash, r.deployment.specHash),
                lt(deployments.deployedAt, row.deployedAt),
              ),
            ),
        )) !== undefined;
      const skipped: string[] = [];
      for (const env of ["development", "staging"] as const) if (!(await ranIn(env))) skipped.push(env);
      const kinds = r.exceptions.map((e) => e.kind);
      const detail = (kind: string) => r.exceptions.find((e) => e.kind === kind)?.detail;
      expect(kinds.includes("skipped_environment")).toBe(skipped.length > 0);
      if (skipped.length)
        expect(detail("skipped_environment")).toMatch(new RegExp(`^(Emergency release: s|S)kipped ${skipped.join(" and ")}, `));
      const outOfDate = row.replacedVersionId !== null && (await hashOf(change.baseVersionId)) !== (await hashOf(row.replacedVersionId));
      expect(kinds.includes("out_of_date_release")).toBe(outOfDate);
      const byAuthor = change.authorId !== null ? row.deployedById === change.authorId : row.deployedByTokenId === change.authorTokenId;
      expect(kinds.includes("author_released")).toBe(byAuthor);
    }
    // The demo estate holds each kind it can: its emergency fixes went straight to production, and
    // engineers often release their own changes; every change there was proposed from what production ran.
    const count = (kind: string) => pack.exceptions.filter((e) => e.kind === kind).length;
    expect(count("skipped_environment")).toBeGreaterThan(0);
    expect(count("author_released")).toBeGreaterThan(0);
    // Each agent's registration, with no base, onto an empty production, is never out of date.
    const registrations = pack.releases.filter((r) => r.deployment.replacedVersion === null);
    expect(registrations.length).toBeGreaterThanOrEqual(24);
    expect(registrations.every((r) => r.change.baseVersion === null && !r.exceptions.some((e) => e.kind === "out_of_date_release"))).toBe(
      true,
    );
  });
});
