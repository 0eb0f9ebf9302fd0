import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { apiTokens, auditEvents, signoffs } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { editChange, getChange, listChanges, parseChangeFilters, proposeChange, submitChange, withdrawChange } from "./changes";
import { getAgentRecord, getAgentVersion } from "./registry";
import { findActiveUser } from "./users";

let db: DB;
const as = (email: string): Caller => userCaller(findActiveUser({ email })!);
let engineer: Caller;

beforeAll(async () => {
  db = await seedDemoEstate();
  engineer = as("engineer@countersign.test");
});

function productionSpec(slug: string) {
  const record = getAgentRecord(engineer, slug);
  return structuredClone(getAgentVersion(engineer, slug, record.environments.production!.version).spec);
}

const attested = {
  rollbackPlan: "Redeploy the previous approved version from the agent page.",
  rollbackOwner: "ops@countersign.test",
  harmMetrics: [{ name: "refund reversal rate", comparator: ">" as const, threshold: 2, window: "7d" }],
};

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("proposing a change", () => {
  it("raising refunds.create's limit is an escalation, tier high, and asks all four owners", () => {
    const spec = productionSpec("refund-assistant");
    const action = spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!;
    const before = action.limit!.amount;
    action.limit = { amount: 500, unit: "USD" };
    const change = proposeChange(engineer, { agent: "refund-assistant", title: "Raise the refund limit to 500 USD", spec, ...attested, submit: true });
    expect(change.state).toBe("in_review");
    expect(change.riskTier).toBe("high");
    expect(change.riskReasons).toContain(`high: refunds.create limit raised ${before} → 500 USD in high-risk workflow Refunds`);
    expect(change.permissionDiff[0]).toMatchObject({ kind: "limit_raised", direction: "escalation" });
    expect(change.requiredSignoffs.map((r) => r.role)).toEqual(["workflow_owner", "security", "engineering", "operations"]);
    expect(change.signoffs.map((s) => s.status)).toEqual(["pending", "pending", "pending", "pending"]);
    expect(change.policyVersion).toBe(1);
    expect(change.headVersion).toBeGreaterThan(change.baseVersion!.number);
  });

  it("a wording change on a read-only agent is a standard change, approved on submit with no signer", () => {
    const spec = productionSpec("account-notes-summarizer");
    spec.instructions += "\nKeep each bullet under twenty words.";
    const change = proposeChange(engineer, { agent: "account-notes-summarizer", title: "Shorter bullets", spec, ...attested, harmMetrics: [], submit: true });
    expect(change).toMatchObject({ state: "approved", riskTier: "low", standardChange: "Instructions wording on a read-only agent", requiredSignoffs: [], signoffs: [] });
  });

  it("saves a draft even when the spec does not parse, and keeps the text exactly as typed", () => {
    const text = "model:\n  provider: openai\n  name: [unclosed\n";
    const change = proposeChange(engineer, { agent: "refund-assistant", title: "Work in progress", spec: text });
    expect(change.state).toBe("draft");
    expect(change.specText).toBe(text);
    expect(change.specIssues[0]!.message).toMatch(/^Line \d+:/);
    expect(change.submissionProblems.spec?.[0]).toMatch(/^Line \d+:/);
    expect(getChange(engineer, change.label).specText).toBe(text);
  });

  it("refuses to submit what is incomplete, naming each field", () => {
    const spec = productionSpec("refund-assistant");
    spec.tools[0]!.actions.push({ name: "payouts.create", access: "write", approval: "required" });
    const draft = proposeChange(engineer, { agent: "refund-assistant", spec });
    const error = errorOf(() => submitChange(engineer, draft.id));
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors!).sort()).toEqual(["harmMetrics", "rollbackOwner", "rollbackPlan", "title"]);
    expect(error.details.fieldErrors!.harmMetrics![0]).toContain("escalates authority");
    expect(getChange(engineer, draft.id).state).toBe("draft");
  });

  it("refuses a change that changes nothing, and malformed input with field errors", () => {
    const same = proposeChange(engineer, { agent: "refund-assistant", title: "No-op", ...attested });
    expect(errorOf(() => submitChange(engineer, same.id)).details.fieldErrors!.spec).toEqual(["The proposed spec is the same as the base version: there is nothing to review"]);
    const bad = errorOf(() => proposeChange(engineer, { agent: "refund-assistant", harmMetrics: [{ name: "x", comparator: "~", threshold: "high", window: "week" }] }));
    expect(bad.code).toBe("validation_failed");
    expect(Object.keys(bad.details.fieldErrors!).sort()).toEqual(["harmMetrics.0.comparator", "harmMetrics.0.threshold", "harmMetrics.0.window"]);
    const spec = productionSpec("refund-assistant");
    (spec.tools[0]!.actions[0] as { access: string }).access = "owner";
    const invalid = errorOf(() => proposeChange(engineer, { agent: "refund-assistant", title: "x", spec, ...attested, submit: true }));
    expect(invalid.details.fieldErrors!["spec.tools.0.actions.0.access"]).toEqual(['Access must be "read", "write" or "admin"']);
    expect(errorOf(() => proposeChange(engineer, { agent: "nope" })).details.fieldErrors!.agent).toEqual(['No agent with slug "nope"']);
  });

  it("lets leaders and auditors read but not propose; a token needs changes:write", () => {
    expect(errorOf(() => proposeChange(as("auditor@countersign.test"), { agent: "refund-assistant" })).code).toBe("forbidden");
    db.insert(apiTokens).values({ id: "tok_ci", name: "ci", tokenHash: hashToken("cs_ci"), scopes: ["read", "changes:write"], createdById: "usr_admin", createdAt: Date.now() }).run();
    db.insert(apiTokens).values({ id: "tok_ro", name: "ro", tokenHash: hashToken("cs_ro"), scopes: ["read"], createdById: "usr_admin", createdAt: Date.now() }).run();
    const spec = productionSpec("meeting-brief-writer");
    spec.traceRetentionDays += 30;
    const byToken = proposeChange(tokenCaller("cs_ci")!, { agent: "meeting-brief-writer", title: "Keep traces longer", spec, ...attested, submit: true });
    expect(byToken.author).toEqual({ kind: "token", id: "tok_ci", name: "ci" });
    expect(errorOf(() => proposeChange(tokenCaller("cs_ro")!, { agent: "meeting-brief-writer" })).message).toContain("changes:write");
  });
});

describe("editing and withdrawing", () => {
  it("an edit in review dismisses every sign-off on the old hash, visibly, and asks again", () => {
    const spec = productionSpec("crm-record-updater");
    spec.forbidden.push("salesforce:records.purge");
    const change = proposeChange(engineer, { agent: "crm-record-updater", title: "Forbid purges", spec, ...attested, submit: true });
    const first = change.signoffs[0]!;
    db.update(signoffs).set({ status: "approved", signerId: "usr_security", decidedAt: Date.now(), contentHash: change.contentHash }).where(eq(signoffs.id, first.id)).run();
    const edited = editChange(engineer, change.label, { rationale: "Asked for in the access review." }, Date.now() + 1000);
    expect(edited.contentHash).not.toBe(change.contentHash);
    const old = edited.signoffs.filter((s) => s.createdAt === first.createdAt);
    expect(old.every((s) => s.status === "dismissed")).toBe(true);
    expect(old[0]!.dismissedReason).toMatch(/^dismissed: change edited by engineer@countersign.test at \d{4}-/);
    expect(edited.signoffs.filter((s) => s.status === "pending")).toHaveLength(change.signoffs.length);
    const events = db.select().from(auditEvents).where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "signoff.dismissed"))).all();
    expect(events).toHaveLength(change.signoffs.length);
  });

  it("only the author edits, submits or withdraws; a withdrawn change is closed", () => {
    const spec = productionSpec("call-notes-digest");
    spec.instructions += "\nName the owner of every next step.";
    const change = proposeChange(engineer, { agent: "call-notes-digest", title: "Owners", spec, ...attested });
    expect(errorOf(() => editChange(as("engineer2@countersign.test"), change.id, { title: "Mine now" })).code).toBe("forbidden");
    expect(errorOf(() => withdrawChange(as("ops@countersign.test"), change.id, undefined)).code).toBe("forbidden");
    const withdrawn = withdrawChange(engineer, change.id, "Superseded");
    expect(withdrawn.state).toBe("withdrawn");
    expect(errorOf(() => editChange(engineer, change.id, { title: "again" })).code).toBe("conflict");
    expect(errorOf(() => submitChange(engineer, change.id)).code).toBe("conflict");
  });
});

describe("listing", () => {
  it("filters by state, agent, risk, mine and needs-my-sign-off", () => {
    const all = listChanges(engineer, parseChangeFilters({}));
    expect(all.total).toBeGreaterThan(300);
    const mine = listChanges(engineer, parseChangeFilters({ mine: "1", pageSize: "500" }));
    expect(mine.items.every((c) => c.author === "engineer@countersign.test")).toBe(true);
    const queue = listChanges(as("security@countersign.test"), parseChangeFilters({ needsMySignoff: "1" }));
    expect(queue.items.length).toBeGreaterThan(0);
    expect(queue.items.every((c) => c.state === "in_review" && c.waitingOn.includes("security"))).toBe(true);
    const refunds = listChanges(engineer, parseChangeFilters({ agent: "refund-assistant", risk: "high", state: "in_review" }));
    expect(refunds.items.every((c) => c.agent.slug === "refund-assistant" && c.riskTier === "high")).toBe(true);
    expect(() => parseChangeFilters({ state: "merged" })).toThrow(/state must be one of/);
  });
});
