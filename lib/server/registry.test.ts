import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { agents, agentVersions, deployments, signoffs } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { userCaller, type Caller } from "./caller";
import { agentAsOf, compareAgentVersions, getAgentRecord, getAgentVersion, parseInstant, parseVersionNumber } from "./registry";
import { findActiveUser } from "./users";

let db: DB;
let auditor: Caller;
let agentId: string;
beforeAll(async () => {
  db = await seedDemoEstate();
  auditor = userCaller((await findActiveUser({ email: "auditor@countersign.test" }))!);
  agentId = (await first(db.select().from(agents).where(eq(agents.slug, "refund-assistant"))))!.id;
});

const productionHistory = () =>
  db
    .select({
      at: deployments.deployedAt,
      number: agentVersions.number,
      kind: deployments.kind,
      changeRecordId: agentVersions.changeRecordId,
    })
    .from(deployments)
    .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
    .where(and(eq(deployments.agentId, agentId), eq(deployments.environment, "production")))
    .orderBy(asc(deployments.deployedAt));

describe("what ran on date D", () => {
  it("is exact at deployment boundaries: one millisecond before shows the previous version, the instant itself the new one", async () => {
    const history = await productionHistory();
    expect(history.length).toBeGreaterThan(3);
    for (let i = 1; i < history.length; i++) {
      const d = history[i]!;
      expect((await agentAsOf(auditor, "refund-assistant", d.at - 1)).environments.production?.version).toBe(history[i - 1]!.number);
      expect((await agentAsOf(auditor, "refund-assistant", d.at)).environments.production?.version).toBe(d.number);
    }
  });

  it("shows nothing before the first deployment", async () => {
    const first = (await productionHistory())[0]!;
    expect((await agentAsOf(auditor, "refund-assistant", first.at - 1)).environments.production).toBeNull();
  });

  it("names the change record and every approval of the version that ran", async () => {
    const d = (await productionHistory()).find((h) => h.kind === "promote" && h.number > 1)!;
    const state = (await agentAsOf(auditor, "refund-assistant", d.at)).environments.production!;
    const approved = await db
      .select()
      .from(signoffs)
      .where(and(eq(signoffs.changeRecordId, d.changeRecordId!), eq(signoffs.status, "approved")));
    expect(state.changeNumber).not.toBeNull();
    expect(state.approvedBy.approvals.map((a) => a.role).sort()).toEqual(approved.map((s) => s.role).sort());
    expect(state.approvedBy.approvals.every((a) => a.at <= d.at && a.signer.endsWith("@countersign.test"))).toBe(true);
  });

  it("after a rollback, shows the restored version, deployed as a rollback", async () => {
    const rollback = (await first(
      db
        .select()
        .from(deployments)
        .where(and(eq(deployments.kind, "rollback"), eq(deployments.environment, "production"))),
    ))!;
    const slug = (await first(db.select().from(agents).where(eq(agents.id, rollback.agentId))))!.slug;
    const restored = (await first(db.select().from(agentVersions).where(eq(agentVersions.id, rollback.versionId))))!;
    const bad = (await first(db.select().from(agentVersions).where(eq(agentVersions.id, rollback.replacedVersionId!))))!;
    expect((await agentAsOf(auditor, slug, rollback.deployedAt - 1)).environments.production?.version).toBe(bad.number);
    expect((await agentAsOf(auditor, slug, rollback.deployedAt)).environments.production).toMatchObject({
      version: restored.number,
      kind: "rollback",
      changeNumber: null,
    });
  });
});

describe("the agent record", () => {
  it("lists versions newest first with where each runs now", async () => {
    const record = await getAgentRecord(auditor, "refund-assistant");
    expect(record.versions.map((v) => v.number)).toEqual([...record.versions.map((v) => v.number)].sort((a, b) => b - a));
    const running = record.versions.find((v) => v.runningIn.includes("production"))!;
    expect(running.number).toBe(record.environments.production!.version);
    expect(record.workflow).toMatchObject({ name: "Refunds", riskClass: "high", owner: { email: "owner@countersign.test" } });
  });

  it("compares any two versions: escalations first, and the instructions line diff", async () => {
    const latest = (await getAgentRecord(auditor, "refund-assistant")).versions[0]!.number;
    const comparison = await compareAgentVersions(auditor, "refund-assistant", 1, latest);
    const directions = comparison.items.map((i) => i.direction);
    expect(directions).toEqual(
      [...directions].sort((a, b) => ["escalation", "reduction", "neutral"].indexOf(a) - ["escalation", "reduction", "neutral"].indexOf(b)),
    );
    expect(comparison.items.length).toBeGreaterThan(0);
    expect((await compareAgentVersions(auditor, "refund-assistant", 2, 2)).items).toEqual([]);
  });

  it("answers unknown agents, unknown versions and malformed parameters with errors that name them", async () => {
    await expect(getAgentRecord(auditor, "nope")).rejects.toThrow('No agent with slug "nope"');
    await expect(getAgentVersion(auditor, "refund-assistant", 999)).rejects.toThrow('Agent "refund-assistant" has no version 999');
    expect(() => parseVersionNumber("from", "abc")).toThrow("from must be a version number (1, 2, …)");
    expect(() => parseVersionNumber("to", undefined)).toThrow("to is required");
    expect(() => parseInstant("at", "yesterday")).toThrow(/at must be an ISO-8601 time/);
    expect(parseInstant("at", "2026-03-01T12:00:00.001Z")).toBe(Date.UTC(2026, 2, 1, 12, 0, 0, 1));
  });
});
