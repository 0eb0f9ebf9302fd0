import { asc, getTableColumns, sql, type SQL } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, execute, rows, withTransaction, type DB } from "@/db";
import * as schema from "@/db/schema";
import * as sqliteTables from "@/db/tables";
import { verifyChain, type ChainedAuditEvent } from "@/lib/domain/audit-chain";
import { assessChange } from "@/lib/domain/change-assessment";
import { changeContentHash } from "@/lib/domain/change-content";
import { specHash, validateSpec } from "@/lib/domain/spec";
import { CHANGE_STATES, ENVIRONMENTS, PLATFORMS, RISK_LEVELS } from "@/lib/domain/terms";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { generateEstateFile } from "@/lib/testing/generated-estate";
import { generateEstate } from "./generate";

let db: DB;

/** Why the database refused a statement: the messages of the error and of the driver's error it wraps. */
async function refusal(query: SQL): Promise<string> {
  try {
    await withTransaction((tx) => execute(query, tx));
  } catch (error) {
    const messages: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
    return messages.join("\n");
  }
  return "not refused";
}

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("the demo estate's shape", () => {
  it("has at least 24 agents on at least 6 platforms across 8 workflows covering every risk class", async () => {
    const agents = await db.select().from(schema.agents);
    const workflows = await db.select().from(schema.workflows);
    expect(agents.length).toBeGreaterThanOrEqual(24);
    expect(new Set(agents.map((a) => a.platform)).size).toBeGreaterThanOrEqual(6);
    expect(agents.every((a) => (PLATFORMS as readonly string[]).includes(a.platform))).toBe(true);
    expect(workflows.length).toBeGreaterThanOrEqual(8);
    expect(new Set(workflows.map((w) => w.riskClass))).toEqual(new Set(RISK_LEVELS));
  });

  it("includes refund-assistant: Refunds (high), bounded, refunds.create write with approval and a USD limit", async () => {
    const agent = (await db.query.agents.findFirst({ where: (a, { eq }) => eq(a.slug, "refund-assistant") }))!;
    const workflow = (await db.query.workflows.findFirst({ where: (w, { eq }) => eq(w.id, agent.workflowId) }))!;
    expect(workflow).toMatchObject({ name: "Refunds", riskClass: "high" });
    const firstVersion = (await db.query.agentVersions.findFirst({
      where: (v, { and, eq }) => and(eq(v.agentId, agent.id), eq(v.number, 1)),
    }))!;
    expect(firstVersion.spec.autonomy).toBe("bounded");
    const create = firstVersion.spec.tools.flatMap((t) => t.actions).find((a) => a.name === "refunds.create");
    expect(create).toEqual({ name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } });
  });

  it("includes account-notes-summarizer: read-only, in a low-risk workflow, with read actions only", async () => {
    const agent = (await db.query.agents.findFirst({ where: (a, { eq }) => eq(a.slug, "account-notes-summarizer") }))!;
    const workflow = (await db.query.workflows.findFirst({ where: (w, { eq }) => eq(w.id, agent.workflowId) }))!;
    expect(workflow.riskClass).toBe("low");
    const versions = await db.query.agentVersions.findMany({ where: (v, { eq }) => eq(v.agentId, agent.id) });
    for (const v of versions) {
      expect(v.spec.autonomy).toBe("read_only");
      expect(v.spec.tools.flatMap((t) => t.actions).every((a) => a.access === "read")).toBe(true);
    }
  });

  it("holds a year of history: 300+ change records in every state, deployments in all environments, 15+ incidents with rollbacks", async () => {
    const changes = await db.select().from(schema.changeRecords);
    expect(changes.length).toBeGreaterThanOrEqual(300);
    expect(new Set(changes.map((c) => c.state))).toEqual(new Set(CHANGE_STATES));
    const deployments = await db.select().from(schema.deployments);
    expect(new Set(deployments.map((d) => d.environment))).toEqual(new Set(ENVIRONMENTS));
    const incidents = await db.select().from(schema.incidents);
    expect(incidents.length).toBeGreaterThanOrEqual(15);
    expect(deployments.filter((d) => d.kind === "rollback").length).toBeGreaterThanOrEqual(15);
    const span = Math.max(...changes.map((c) => c.createdAt)) - Math.min(...changes.map((c) => c.createdAt));
    expect(span).toBeGreaterThan(330 * 86_400_000);
    expect(Math.max(...changes.map((c) => c.createdAt))).toBeLessThan(TEST_UNTIL);
  });

  it("tells a believable story: the change fail rate falls in the second half of the year", async () => {
    const releases = await db
      .select()
      .from(schema.deployments)
      .where(sql`${schema.deployments.environment} = 'production' AND ${schema.deployments.kind} != 'rollback'`);
    const failed = new Set((await db.select().from(schema.incidents)).map((i) => i.deploymentId));
    const half = TEST_UNTIL - 182 * 86_400_000;
    const rate = (list: typeof releases) => list.filter((d) => failed.has(d.id)).length / list.length;
    const early = rate(releases.filter((d) => d.deployedAt < half));
    const late = rate(releases.filter((d) => d.deployedAt >= half));
    expect(early).toBeGreaterThan(late * 1.5);
  });
});

describe("the demo estate obeys the product's rules", () => {
  it("stores only valid specs, each under the hash of its canonical JSON", async () => {
    for (const v of await db.select().from(schema.agentVersions)) {
      expect(validateSpec(v.spec).ok).toBe(true);
      expect(v.specHash).toBe(specHash(v.spec));
      expect(v.autonomy).toBe(v.spec.autonomy);
    }
  });

  it("routes every change as the product would: its tier, standard change and signers follow from the diff and the policy", async () => {
    const versions = new Map((await db.select().from(schema.agentVersions)).map((v) => [v.id, v]));
    const agents = new Map((await db.select().from(schema.agents)).map((a) => [a.id, a]));
    const workflows = new Map((await db.select().from(schema.workflows)).map((w) => [w.id, w]));
    const signoffs = await db.select().from(schema.signoffs);
    for (const c of await db.select().from(schema.changeRecords)) {
      const workflow = workflows.get(agents.get(c.agentId)!.workflowId)!;
      const base = c.baseVersionId ? versions.get(c.baseVersionId)!.spec : null;
      const assessment = assessChange({ base, next: versions.get(c.headVersionId!)!.spec, workflow, emergency: c.emergency });
      expect(c.riskTier).toBe(assessment.tier);
      expect(c.riskReasons).toEqual(assessment.reasons);
      expect(c.standardChange).toBe(assessment.standardChange?.name ?? null);
      if (c.state === "draft" && !c.submittedAt) continue;
      const asked = new Set(signoffs.filter((s) => s.changeRecordId === c.id).map((s) => s.role));
      expect(asked).toEqual(new Set(assessment.required.map((r) => r.role)));
    }
  });

  it("never lets authors sign their own change, and one person signs at most one role per change", async () => {
    const changes = new Map((await db.select().from(schema.changeRecords)).map((c) => [c.id, c]));
    const signed = new Map<string, Set<string>>();
    for (const s of await db.select().from(schema.signoffs)) {
      if (!s.signerId) continue;
      expect(s.signerId).not.toBe(changes.get(s.changeRecordId)!.authorId);
      const roles = (signed.get(`${s.changeRecordId}:${s.signerId}`) ?? new Set<string>()).add(s.role);
      signed.set(`${s.changeRecordId}:${s.signerId}`, roles);
    }
    for (const roles of signed.values()) expect(roles.size).toBe(1);
  });

  it("signers hold the role they signed for", async () => {
    const roles = new Set((await db.select().from(schema.userRoles)).map((r) => `${r.userId}:${r.role}`));
    for (const s of await db.select().from(schema.signoffs)) if (s.signerId) expect(roles.has(`${s.signerId}:${s.role}`)).toBe(true);
  });

  it("approves changes only with every required role approved on the current content hash (or as a standard change)", async () => {
    const signoffs = await db.select().from(schema.signoffs);
    const versions = new Map((await db.select().from(schema.agentVersions)).map((v) => [v.id, v]));
    for (const c of await db.select().from(schema.changeRecords)) {
      const head = versions.get(c.headVersionId!)!;
      expect(c.contentHash).toBe(
        changeContentHash(head.specHash, {
          title: c.title,
          rationale: c.rationale,
          roleImpacts: c.roleImpacts,
          harmMetrics: c.harmMetrics,
          evidence: c.evidence,
          rollbackPlan: c.rollbackPlan,
          rollbackOwnerId: c.rollbackOwnerId,
          monitoring: c.monitoring,
          emergency: c.emergency,
          emergencyJustification: c.emergencyJustification,
        }),
      );
      if (!["approved", "released", "rolled_back"].includes(c.state) || c.emergency) continue;
      // Earlier rounds are history: dismissed approvals, and the request that sent the change back.
      const live = signoffs.filter((s) => s.changeRecordId === c.id && s.status !== "dismissed" && s.status !== "changes_requested");
      if (c.standardChange) {
        expect(live).toHaveLength(0);
        continue;
      }
      expect(live.length).toBeGreaterThan(0);
      for (const s of live) {
        expect(s.status).toBe("approved");
        expect(s.contentHash).toBe(c.contentHash);
        expect(s.decidedAt!).toBeLessThanOrEqual(c.approvedAt!);
      }
    }
  });

  it("releases to production only with approval, a clean staging eval of the exact spec, and a rollback plan and owner", async () => {
    const changes = new Map((await db.select().from(schema.changeRecords)).map((c) => [c.id, c]));
    const versions = new Map((await db.select().from(schema.agentVersions)).map((v) => [v.id, v]));
    const evals = await db.select().from(schema.evalRuns);
    const releases = await db
      .select()
      .from(schema.deployments)
      .where(sql`${schema.deployments.environment} = 'production' AND ${schema.deployments.kind} != 'rollback'`);
    expect(releases.length).toBeGreaterThan(250);
    for (const d of releases) {
      const change = changes.get(d.changeRecordId!)!;
      const hash = versions.get(d.versionId)!.specHash;
      expect(change.rollbackPlan).not.toBe("");
      expect(change.rollbackOwnerId).not.toBeNull();
      expect(evals.some((e) => e.environment === "staging" && e.specHash === hash && e.failed === 0 && e.recordedAt <= d.deployedAt)).toBe(
        true,
      );
      if (d.kind === "emergency") {
        expect(change.emergency).toBe(true);
        expect(change.retroSignoffDueAt).toBe(d.deployedAt + 48 * 3_600_000);
      } else {
        expect(change.approvedAt!).toBeLessThanOrEqual(d.deployedAt);
      }
    }
  });

  it("climbs the ladder: every ordinary release ran in development, then staging, before production", async () => {
    const all = await db.select().from(schema.deployments);
    const hashOf = new Map(
      (await db.select({ id: schema.agentVersions.id, specHash: schema.agentVersions.specHash }).from(schema.agentVersions)).map((v) => [
        v.id,
        v.specHash,
      ]),
    );
    const ranBefore = (agentId: string, environment: string, hash: string, at: number) =>
      all.some((d) => d.agentId === agentId && d.environment === environment && hashOf.get(d.versionId) === hash && d.deployedAt <= at);
    const releases = all.filter((d) => d.environment === "production" && d.kind === "promote");
    for (const d of releases) {
      const hash = hashOf.get(d.versionId)!;
      expect(ranBefore(d.agentId, "development", hash, d.deployedAt), `release ${d.id} ran in development`).toBe(true);
      expect(ranBefore(d.agentId, "staging", hash, d.deployedAt), `release ${d.id} ran in staging`).toBe(true);
    }
  });

  it("leaves every high or critical change to be released by someone other than its author (the default policy)", async () => {
    const changes = new Map((await db.select().from(schema.changeRecords)).map((c) => [c.id, c]));
    const releases = await db
      .select()
      .from(schema.deployments)
      .where(sql`${schema.deployments.environment} = 'production' AND ${schema.deployments.kind} != 'rollback'`);
    const byAuthor = releases.filter((d) => {
      const change = changes.get(d.changeRecordId!)!;
      return (change.riskTier === "high" || change.riskTier === "critical") && d.deployedById === change.authorId;
    });
    expect(byAuthor).toEqual([]);
  });

  it("ends every review round it restarts: no decision of an earlier round stays live beside a fresh one", async () => {
    const live = await db
      .select({ change: schema.signoffs.changeRecordId, role: schema.signoffs.role })
      .from(schema.signoffs)
      .where(sql`${schema.signoffs.status} != 'dismissed'`);
    const seen = new Set<string>();
    const twice = live.filter((s) => {
      const key = `${s.change}:${s.role}`;
      const again = seen.has(key);
      seen.add(key);
      return again;
    });
    expect(twice).toEqual([]);
  });

  it("rolls back to the version production ran before, and closes each rolled-back change with its incident", async () => {
    const deployments = await db.select().from(schema.deployments).orderBy(asc(schema.deployments.deployedAt));
    const incidents = await db.select().from(schema.incidents);
    for (const rollback of deployments.filter((d) => d.kind === "rollback")) {
      const bad = deployments
        .filter((d) => d.agentId === rollback.agentId && d.environment === "production" && d.deployedAt < rollback.deployedAt)
        .at(-1)!;
      expect(rollback.replacedVersionId).toBe(bad.versionId);
      expect(rollback.versionId).toBe(bad.replacedVersionId);
      const change = (await db.query.changeRecords.findFirst({ where: (c, { eq }) => eq(c.id, bad.changeRecordId!) }))!;
      expect(change.state).toBe("rolled_back");
      expect(incidents.some((i) => i.deploymentId === bad.id && i.resolution === "rollback" && i.detectedAt <= rollback.deployedAt)).toBe(
        true,
      );
    }
  });

  it("records every mutation in an audit chain that verifies", async () => {
    const events = (await db.select().from(schema.auditEvents).orderBy(asc(schema.auditEvents.seq))) as ChainedAuditEvent[];
    expect(verifyChain(events)).toMatchObject({ ok: true, checked: events.length });
    const count = (action: string) => events.filter((e) => e.action === action).length;
    expect(count("change.created")).toBe((await db.select().from(schema.changeRecords)).length);
    const deployments = (await db.select().from(schema.deployments)).length;
    expect(count("deployment.promoted") + count("deployment.rolled_back") + count("deployment.emergency")).toBe(deployments);
    expect(count("eval.recorded")).toBe((await db.select().from(schema.evalRuns)).length);
    expect(count("incident.opened")).toBe((await db.select().from(schema.incidents)).length);
    // Events are in the order things happened.
    for (let i = 1; i < events.length; i++) expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
  });

  it("refuses to update or delete audit events and agent versions, at the database level", async () => {
    expect(await refusal(sql`UPDATE audit_events SET action = 'x' WHERE seq = 1`)).toMatch(/append-only: UPDATE is refused/);
    expect(await refusal(sql`DELETE FROM audit_events WHERE seq = 1`)).toMatch(/append-only: DELETE is refused/);
    expect(await refusal(sql`UPDATE agent_versions SET spec_hash = 'x'`)).toMatch(/immutable/);
  });

  it("labels itself as demo data", async () => {
    // Besides the marker that says which rules built the derived tables (db/derived.ts).
    expect((await db.select().from(schema.settings)).filter((s) => s.key !== "derived_tables_version")).toEqual([
      expect.objectContaining({ key: "banner", value: expect.stringMatching(/^Demo estate/) }),
    ]);
  });
});

describe("seeding", () => {
  it("is deterministic: the same options give the same hashes", async () => {
    // Generated again in a process of its own, into a SQLite file; on PostgreSQL this also checks the copy
    // the test estate is made by (db/copy.ts) kept what the generator wrote.
    const other = await generateEstateFile({ agents: 24, months: 12, until: TEST_UNTIL, seed: 1 });
    const head = async (d: DB) => await rows(sql`SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1`, d);
    const hashes = async (d: DB) => await rows(sql`SELECT spec_hash AS h FROM agent_versions ORDER BY id`, d);
    // The runtime traffic too: the same sums, the same kept traces, the same breach.
    const breachColumns = Object.values(getTableColumns(sqliteTables.breaches)).map((c) => `"${c.name}"`);
    const runtime = async (d: DB) => ({
      hours: await rows(
        sql`SELECT agent_id AS agent, environment, SUM(decisions) AS decisions, SUM(tool_calls) AS "toolCalls",
              SUM(corrections) AS corrections, SUM(privilege_rejections) AS "privilegeRejections", SUM(input_tokens) AS "inputTokens"
            FROM runtime_hours GROUP BY agent_id, environment ORDER BY agent_id, environment`,
        d,
      ),
      traces: await rows(sql`SELECT trace_id AS id FROM runtime_traces ORDER BY trace_id`, d),
      breaches: await rows(sql.raw(`SELECT ${breachColumns.join(", ")} FROM breaches ORDER BY number`), d),
    });
    try {
      expect((await runtime(other.db)).hours.length).toBeGreaterThan(0);
      expect(await runtime(other.db)).toEqual(await runtime(db));
      expect(await head(other.db)).toEqual(await head(db));
      expect(await hashes(other.db)).toEqual(await hashes(db));
    } finally {
      await closeDatabase(other);
    }
  });

  it("refuses to seed a database that already holds data", async () => {
    await expect(generateEstate(db, { agents: 24, months: 12, until: TEST_UNTIL, seed: 1 })).rejects.toThrow(/already holds data/);
  });
});
