import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withTransaction, type DB } from "@/db";
import { agents, agentVersions, apiTokens, auditEvents, changeRecords, signoffs, userRoles } from "@/db/schema";
import { DEFAULT_POLICY } from "@/lib/domain/signoff-policy";
import { specHash } from "@/lib/domain/spec";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { listChanges, parseChangeFilters } from "./change-queries";
import { editChange, getChange, proposeChange, submitChange, withdrawChange } from "./changes";
import { publishPolicy } from "./policy";
import { getAgentRecord, getAgentVersion } from "./registry";
import { findActiveUser } from "./users";

let db: DB;
const as = async (email: string): Promise<Caller> => userCaller((await findActiveUser({ email }))!);
let engineer: Caller;

beforeAll(async () => {
  db = await seedDemoEstate();
  engineer = await as("engineer@countersign.test");
});

async function productionSpec(slug: string) {
  const record = await getAgentRecord(engineer, slug);
  return structuredClone((await getAgentVersion(engineer, slug, record.environments.production!.version)).spec);
}

const attested = {
  rollbackPlan: "Redeploy the previous approved version from the agent page.",
  rollbackOwner: "ops@countersign.test",
  harmMetrics: [{ name: "refund reversal rate", comparator: ">" as const, threshold: 2, window: "7d" }],
};

describe("proposing a change", () => {
  it("raising refunds.create's limit is an escalation, tier high, and asks all four owners", async () => {
    const spec = await productionSpec("refund-assistant");
    const action = spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!;
    const before = action.limit!.amount;
    action.limit = { amount: 500, unit: "USD" };
    const change = await proposeChange(engineer, {
      agent: "refund-assistant",
      title: "Raise the refund limit to 500 USD",
      spec,
      ...attested,
      submit: true,
    });
    expect(change.state).toBe("in_review");
    expect(change.riskTier).toBe("high");
    expect(change.riskReasons).toContain(`high: refunds.create limit raised ${before} → 500 USD in high-risk workflow Refunds`);
    expect(change.permissionDiff[0]).toMatchObject({ kind: "limit_raised", direction: "escalation" });
    expect(change.requiredSignoffs.map((r) => r.role)).toEqual(["workflow_owner", "security", "engineering", "operations"]);
    expect(change.signoffs.map((s) => s.status)).toEqual(["pending", "pending", "pending", "pending"]);
    expect(change.policyVersion).toBe(1);
    expect(change.headVersion).toBeGreaterThan(change.baseVersion!.number);
  });

  it("a wording change on a read-only agent is a standard change, approved on submit with no signer", async () => {
    const spec = await productionSpec("account-notes-summarizer");
    spec.instructions += "\nKeep each bullet under twenty words.";
    const change = await proposeChange(engineer, {
      agent: "account-notes-summarizer",
      title: "Shorter bullets",
      spec,
      ...attested,
      harmMetrics: [],
      submit: true,
    });
    expect(change).toMatchObject({
      state: "approved",
      riskTier: "low",
      standardChange: "Instructions wording on a read-only agent",
      requiredSignoffs: [],
      signoffs: [],
    });
  });

  it("saves a draft even when the spec does not parse, and keeps the text exactly as typed", async () => {
    const text = "model:\n  provider: openai\n  name: [unclosed\n";
    const change = await proposeChange(engineer, { agent: "refund-assistant", title: "Work in progress", spec: text });
    expect(change.state).toBe("draft");
    expect(change.specText).toBe(text);
    expect(change.specIssues[0]!.message).toMatch(/^Line \d+:/);
    expect(change.submissionProblems.spec?.[0]).toMatch(/^Line \d+:/);
    expect((await getChange(engineer, change.label)).specText).toBe(text);
  });

  it("refuses to submit what is incomplete, naming each field", async () => {
    const spec = await productionSpec("refund-assistant");
    spec.tools[0]!.actions.push({ name: "payouts.create", access: "write", approval: "required" });
    const draft = await proposeChange(engineer, { agent: "refund-assistant", spec });
    const error = await errorOf(async () => await submitChange(engineer, draft.id));
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors!).sort()).toEqual(["harmMetrics", "rollbackOwner", "rollbackPlan", "title"]);
    expect(error.details.fieldErrors!.harmMetrics![0]).toContain("escalates authority");
    expect((await getChange(engineer, draft.id)).state).toBe("draft");
  });

  it("refuses a change that changes nothing, and malformed input with field errors", async () => {
    const same = await proposeChange(engineer, { agent: "refund-assistant", title: "No-op", ...attested });
    expect((await errorOf(async () => await submitChange(engineer, same.id))).details.fieldErrors!.spec).toEqual([
      "The proposed spec is the same as the base version: there is nothing to review",
    ]);
    const bad = await errorOf(
      async () =>
        await proposeChange(engineer, {
          agent: "refund-assistant",
          harmMetrics: [{ name: "x", comparator: "~", threshold: "high", window: "week" }],
        }),
    );
    expect(bad.code).toBe("validation_failed");
    expect(Object.keys(bad.details.fieldErrors!).sort()).toEqual([
      "harmMetrics.0.comparator",
      "harmMetrics.0.threshold",
      "harmMetrics.0.window",
    ]);
    const spec = await productionSpec("refund-assistant");
    (spec.tools[0]!.actions[0] as { access: string }).access = "owner";
    const invalid = await errorOf(
      async () => await proposeChange(engineer, { agent: "refund-assistant", title: "x", spec, ...attested, submit: true }),
    );
    expect(invalid.details.fieldErrors!["spec.tools.0.actions.0.access"]).toEqual(['Access must be "read", "write" or "admin"']);
    expect((await errorOf(async () => await proposeChange(engineer, { agent: "nope" }))).details.fieldErrors!.agent).toEqual([
      'No agent with slug "nope"',
    ]);
  });

  it("lets leaders and auditors read but not propose; a token needs changes:write", async () => {
    expect((await errorOf(async () => await proposeChange(await as("auditor@countersign.test"), { agent: "refund-assistant" }))).code).toBe(
      "forbidden",
    );
    await withTransaction(async (tx) => {
      await tx.insert(apiTokens).values({
        id: "tok_ci",
        name: "ci",
        tokenHash: hashToken("cs_ci"),
        scopes: ["read", "changes:write"],
        createdById: "usr_admin",
        createdAt: Date.now(),
      });
      await tx.insert(apiTokens).values({
        id: "tok_ro",
        name: "ro",
        tokenHash: hashToken("cs_ro"),
        scopes: ["read"],
        createdById: "usr_admin",
        createdAt: Date.now(),
      });
    });
    const spec = await productionSpec("meeting-brief-writer");
    spec.traceRetentionDays += 30;
    const byToken = await proposeChange((await tokenCaller("cs_ci"))!, {
      agent: "meeting-brief-writer",
      title: "Keep traces longer",
      spec,
      ...attested,
      submit: true,
    });
    expect(byToken.author).toEqual({ kind: "token", id: "tok_ci", name: "ci" });
    expect(
      (await errorOf(async () => await proposeChange((await tokenCaller("cs_ro"))!, { agent: "meeting-brief-writer" }))).message,
    ).toContain("changes:write");
  });
});

describe("editing and withdrawing", () => {
  it("an edit in review dismisses every sign-off on the old hash, visibly, and asks again", async () => {
    const spec = await productionSpec("crm-record-updater");
    spec.forbidden.push("salesforce:records.purge");
    const change = await proposeChange(engineer, { agent: "crm-record-updater", title: "Forbid purges", spec, ...attested, submit: true });
    const first = change.signoffs[0]!;
    await withTransaction(async (tx) => {
      await tx
        .update(signoffs)
        .set({ status: "approved", signerId: "usr_security", decidedAt: Date.now(), contentHash: change.contentHash })
        .where(eq(signoffs.id, first.id));
    });
    const edited = await editChange(engineer, change.label, { rationale: "Asked for in the access review." }, Date.now() + 1000);
    expect(edited.contentHash).not.toBe(change.contentHash);
    const old = edited.signoffs.filter((s) => s.createdAt === first.createdAt);
    expect(old.every((s) => s.status === "dismissed")).toBe(true);
    expect(old[0]!.dismissedReason).toMatch(/^dismissed: change edited by engineer@countersign.test at \d{4}-/);
    expect(edited.signoffs.filter((s) => s.status === "pending")).toHaveLength(change.signoffs.length);
    const events = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "signoff.dismissed")));
    expect(events).toHaveLength(change.signoffs.length);
  });

  it("only the author edits, submits or withdraws; a withdrawn change is closed", async () => {
    const spec = await productionSpec("call-notes-digest");
    spec.instructions += "\nName the owner of every next step.";
    const change = await proposeChange(engineer, { agent: "call-notes-digest", title: "Owners", spec, ...attested });
    expect(
      (await errorOf(async () => await editChange(await as("engineer2@countersign.test"), change.id, { title: "Mine now" }))).code,
    ).toBe("forbidden");
    expect((await errorOf(async () => await withdrawChange(await as("ops@countersign.test"), change.id, {}))).code).toBe("forbidden");
    const withdrawn = await withdrawChange(engineer, change.id, { reason: "Superseded" });
    expect(withdrawn.state).toBe("withdrawn");
    expect((await errorOf(async () => await editChange(engineer, change.id, { title: "again" }))).code).toBe("conflict");
    expect((await errorOf(async () => await submitChange(engineer, change.id))).code).toBe("conflict");
  });
});

describe("listing", () => {
  it("filters by state, agent, risk, mine and needs-my-sign-off", async () => {
    const all = await listChanges(engineer, parseChangeFilters({}));
    expect(all.total).toBeGreaterThan(300);
    const mine = await listChanges(engineer, parseChangeFilters({ mine: "1", pageSize: "500" }));
    expect(mine.items.every((c) => c.author === "engineer@countersign.test")).toBe(true);
    const queue = await listChanges(await as("security@countersign.test"), parseChangeFilters({ needsMySignoff: "1" }));
    expect(queue.items.length).toBeGreaterThan(0);
    // In review, or released as an emergency with the security sign-off still due afterwards.
    expect(queue.items.every((c) => ["in_review", "released"].includes(c.state) && c.waitingOn.includes("security"))).toBe(true);
    expect(queue.items.some((c) => c.state === "released")).toBe(true);
    const refunds = await listChanges(engineer, parseChangeFilters({ agent: "refund-assistant", risk: "high", state: "in_review" }));
    expect(refunds.items.every((c) => c.agent.slug === "refund-assistant" && c.riskTier === "high")).toBe(true);
    expect(() => parseChangeFilters({ state: "merged" })).toThrow(/state must be one of/);
  });
});

describe("review stays honest (regressions found in review)", () => {
  it("never bases a change on someone's unreviewed draft", async () => {
    const now = Date.now();
    const base = await productionSpec("meeting-brief-writer");
    await withTransaction(async (tx) => {
      await tx.insert(agents).values({
        id: "agt_fresh",
        slug: "fresh-agent",
        name: "Fresh Agent",
        platform: "custom",
        workflowId: "wf_account-notes",
        engineeringOwnerId: "usr_engineer",
        rollbackOwnerId: "usr_ops",
        createdAt: now,
      });
      await tx.insert(changeRecords).values({
        id: "cr_fresh1",
        number: 90_001,
        agentId: "agt_fresh",
        title: "Register",
        state: "approved",
        authorId: "usr_engineer",
        createdAt: now,
        updatedAt: now,
      });
      await tx.insert(agentVersions).values({
        id: "ver_fresh1",
        agentId: "agt_fresh",
        number: 1,
        spec: base,
        specHash: specHash(base),
        autonomy: base.autonomy,
        changeRecordId: "cr_fresh1",
        createdAt: now,
      });
      await tx.update(changeRecords).set({ headVersionId: "ver_fresh1" }).where(eq(changeRecords.id, "cr_fresh1"));
    });
    // engineer2's draft grants a write action, unreviewed.
    const granted = structuredClone(base);
    granted.tools[0]!.actions.push({ name: "notes.write", access: "write", approval: "none" });
    await proposeChange(await as("engineer2@countersign.test"), { agent: "fresh-agent", title: "Draft", spec: granted });
    const tweak = await proposeChange(engineer, { agent: "fresh-agent", title: "Wording" });
    expect(tweak.baseVersion?.number).toBe(1);
  });

  it("refuses a policy that would pre-approve authority changes or anything above low risk", async () => {
    const admin = await as("admin@countersign.test");
    const policy = structuredClone(DEFAULT_POLICY);
    const loose = {
      ...policy,
      standardChanges: [
        {
          id: "anything",
          name: "Anything",
          description: "",
          domains: ["semantics", "authority"],
          autonomy: ["bounded"],
          maxTier: "critical",
        },
      ],
    };
    const error = await errorOf(async () => await publishPolicy(admin, loose));
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors!).sort()).toEqual(["standardChanges.0.domains.1", "standardChanges.0.maxTier"]);
    expect((await errorOf(async () => await publishPolicy(engineer, policy))).code).toBe("forbidden");
  });

  it("raising the tier of a change in review persists and asks compliance too", async () => {
    const spec = await productionSpec("vip-escalation-agent");
    spec.traceRetentionDays += 1;
    const change = await proposeChange(engineer, {
      agent: "vip-escalation-agent",
      title: "Longer traces",
      spec,
      ...attested,
      submit: true,
    });
    expect(change.requiredSignoffs.map((r) => r.role)).toEqual(["operations"]);
    const raised = await editChange(engineer, change.id, { raiseTier: { tier: "critical", reason: "board-level customer" } });
    expect(raised.raisedTier).toBe("critical");
    expect(raised.riskTier).toBe("critical");
    expect(raised.signoffs.filter((s) => s.status === "pending").map((s) => s.role)).toEqual([
      "workflow_owner",
      "security",
      "engineering",
      "operations",
      "compliance",
    ]);
  });

  it("an edit in review must keep the change fit for review", async () => {
    const spec = await productionSpec("ticket-escalation-router");
    spec.tools[0]!.actions.push({ name: "macros.read", access: "read", approval: "none" });
    const change = await proposeChange(engineer, {
      agent: "ticket-escalation-router",
      title: "Read macros",
      spec,
      ...attested,
      submit: true,
    });
    const error = await errorOf(async () => await editChange(engineer, change.id, { rollbackPlan: "", harmMetrics: [] }));
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors!).sort()).toEqual(["harmMetrics", "rollbackPlan"]);
    expect((await getChange(engineer, change.id)).rollbackPlan).toBe(attested.rollbackPlan);
  });

  it("a change in review edited down to a standard change is approved, not stranded", async () => {
    const base = await productionSpec("contract-clause-reviewer");
    const spec = structuredClone(base);
    spec.traceRetentionDays += 10;
    const change = await proposeChange(engineer, { agent: "contract-clause-reviewer", title: "Traces", spec, ...attested, submit: true });
    expect(change.state).toBe("in_review");
    const reworded = structuredClone(base);
    reworded.instructions += "\nQuote the clause number.";
    const edited = await editChange(engineer, change.id, { spec: reworded as unknown as Record<string, unknown> });
    expect(edited).toMatchObject({ state: "approved", standardChange: "Instructions wording on a read-only agent" });
    expect(edited.signoffs.every((s) => s.status === "dismissed")).toBe(true);
  });

  it("an author who lost their proposing roles can no longer submit", async () => {
    const spec = await productionSpec("renewal-negotiator");
    spec.forbidden.push("salesforce:discounts.override");
    const compliance = await as("compliance@countersign.test");
    const change = await proposeChange(compliance, { agent: "renewal-negotiator", title: "Forbid overrides", spec, ...attested });
    await withTransaction(async (tx) => {
      await tx.update(userRoles).set({ role: "auditor" }).where(eq(userRoles.userId, "usr_compliance"));
    });
    expect((await errorOf(async () => await submitChange(await as("compliance@countersign.test"), change.id))).code).toBe("forbidden");
    await withTransaction(async (tx) => {
      await tx.update(userRoles).set({ role: "compliance" }).where(eq(userRoles.userId, "usr_compliance"));
    });
  });

  it("broken text saved over a valid spec is shown with its problems, not hidden", async () => {
    const spec = await productionSpec("sla-breach-watcher");
    spec.traceRetentionDays += 5;
    const change = await proposeChange(engineer, { agent: "sla-breach-watcher", title: "Traces", spec, ...attested });
    const broken = "model: [\n";
    const edited = await editChange(engineer, change.id, { spec: broken });
    expect(edited.specText).toBe(broken);
    expect(edited.specIssues.length).toBeGreaterThan(0);
    expect(edited.submissionProblems.spec?.[0]).toMatch(/^Line \d+: /);
  });

  it("rejects unknown fields instead of ignoring them", async () => {
    const error = await errorOf(async () => await proposeChange(engineer, { agent: "refund-assistant", rollback_plan: "x" }));
    expect(error.details.fieldErrors).toEqual({ rollback_plan: ["Unknown field"] });
  });
});
