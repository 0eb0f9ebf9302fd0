import { describe, expect, it } from "vitest";
import {
  gatesMet,
  isOutOfDate,
  promotionGates,
  releasePath,
  retirementGates,
  type Gate,
  type GateFacts,
  type GateName,
} from "./promotion-gates";
import type { ChangeState, Environment } from "./terms";

/** The change's spec and content hashes; gate reasons show their first 12 characters. */
const SPEC = "5bec0123456789abcdef";
const SPEC_SHORT = "5bec01234567";
const CONTENT = "c0ffee0123456789abcd";
const CONTENT_SHORT = "c0ffee012345";
const OLD_CONTENT = "01dc0123456789abcdef";

type Signoff = GateFacts["signoffs"][number];
type EvalRun = GateFacts["evalRuns"][number];

const approvedBy = (role: Signoff["role"], signerId: string, contentHash: string = CONTENT): Signoff => ({
  role,
  status: "approved",
  contentHash,
  signerId,
});

const stagingRun = (passed: number, failed: number, recordedAt = 1_000, overrides: Partial<EvalRun> = {}): EvalRun => ({
  environment: "staging",
  specHash: SPEC,
  passed,
  failed,
  recordedAt,
  ...overrides,
});

/**
 * CR-12, an ordinary (non-emergency) change that meets every production gate: approved by security and
 * operations on its current content, a clean 20/20 staging eval of its spec, a rollback plan and owner,
 * and nothing running anywhere yet.
 */
function facts(overrides: Partial<GateFacts> = {}): GateFacts {
  return {
    label: "CR-12",
    state: "approved",
    emergency: false,
    specHash: SPEC,
    contentHash: CONTENT,
    authorId: "u-author",
    standardChange: null,
    signoffs: [approvedBy("security", "u-sec"), approvedBy("operations", "u-ops")],
    rollbackPlan: "Redeploy v3 and disable the refunds tool.",
    hasRollbackOwner: true,
    evalRuns: [stagingRun(20, 0)],
    passRateFloor: 1,
    running: {},
    base: { versionId: "ver-3", number: 3 },
    production: { versionId: "ver-3", number: 3, changeLabel: "CR-9" },
    ranIn: { development: true, staging: true },
    riskTier: "medium",
    authorTokenId: null,
    deployer: null,
    authorMayReleaseOwnHighRisk: false,
    ...overrides,
  };
}

/** The named gate among those for promoting to `environment`. */
function gate(environment: Environment, f: GateFacts, name: GateName): Gate {
  const found = promotionGates(environment, f).find((g) => g.gate === name);
  if (!found) throw new Error(`no ${name} gate for ${environment}`);
  return found;
}

const names = (environment: Environment, f: GateFacts) => promotionGates(environment, f).map((g) => g.gate);

describe("promotionGates: which gates apply", () => {
  it("checks only the state and what already runs on the way to development and staging", () => {
    expect(names("development", facts())).toEqual(["change_state", "not_already_running"]);
    expect(names("staging", facts())).toEqual(["change_state", "up_to_date", "ladder", "not_already_running"]);
  });

  it("adds the current-hash approval, the staging eval and the rollback plan on the way to production", () => {
    expect(names("production", facts())).toEqual([
      "change_state",
      "up_to_date",
      "approved_on_current_hash",
      "ladder",
      "staging_eval",
      "rollback_plan",
      "release_by_other",
      "not_already_running",
    ]);
  });

  it("replaces the full approval, the ladder and the staging eval with one emergency approval on the emergency path", () => {
    expect(names("production", facts({ emergency: true }))).toEqual([
      "change_state",
      "up_to_date",
      "emergency_approval",
      "rollback_plan",
      "release_by_other",
      "not_already_running",
    ]);
  });

  it("lets the fully evidenced change through to every environment", () => {
    expect(gatesMet(promotionGates("development", facts()))).toBe(true);
    expect(gatesMet(promotionGates("staging", facts()))).toBe(true);
    expect(gatesMet(promotionGates("production", facts()))).toBe(true);
  });
});

describe("promotionGates: development", () => {
  it.each<[ChangeState, string]>([
    ["draft", "a draft"],
    ["in_review", "in review"],
    ["approved", "approved"],
    ["released", "released"],
    ["rolled_back", "rolled back"],
  ])("takes a change that is %s", (state, label) => {
    expect(gate("development", facts({ state }), "change_state")).toEqual({
      gate: "change_state",
      met: true,
      reason: `CR-12 is ${label}`,
      fixBy: null,
    });
  });

  it.each<ChangeState>(["rejected", "withdrawn"])("refuses a %s change, which nobody can fix by signing", (state) => {
    const g = gate("development", facts({ state }), "change_state");
    expect(g.met).toBe(false);
    expect(g.reason).toContain(`CR-12 is ${state}; development takes`);
    expect(g.fixBy).toBeNull();
    expect(gatesMet(promotionGates("development", facts({ state })))).toBe(false);
  });

  it("refuses a change with no valid spec, whatever its state", () => {
    const g = gate("development", facts({ state: "draft", specHash: null }), "change_state");
    expect(g.met).toBe(false);
    expect(g.reason).toBe("CR-12 has no valid spec to deploy");
  });
});

describe("promotionGates: staging", () => {
  it.each<[ChangeState, string]>([
    ["in_review", "in review"],
    ["approved", "approved"],
  ])("takes a change that is %s", (state, label) => {
    expect(gate("staging", facts({ state }), "change_state")).toEqual({
      gate: "change_state",
      met: true,
      reason: `CR-12 is ${label}`,
      fixBy: null,
    });
  });

  it("refuses a draft and sends it back to the author to submit", () => {
    expect(gate("staging", facts({ state: "draft" }), "change_state")).toEqual({
      gate: "change_state",
      met: false,
      reason: "CR-12 is a draft; staging takes in review or approved changes",
      fixBy: "the author: submit it for review",
    });
  });

  it.each<[ChangeState, string]>([
    ["released", "released"],
    ["rolled_back", "rolled back"],
    ["rejected", "rejected"],
    ["withdrawn", "withdrawn"],
  ])("refuses a %s change with nobody to fix it", (state, label) => {
    expect(gate("staging", facts({ state }), "change_state")).toEqual({
      gate: "change_state",
      met: false,
      reason: `CR-12 is ${label}; staging takes in review or approved changes`,
      fixBy: null,
    });
  });
});

describe("promotionGates: production state", () => {
  it("takes an approved change", () => {
    expect(gate("production", facts(), "change_state")).toEqual({
      gate: "change_state",
      met: true,
      reason: "CR-12 is approved",
      fixBy: null,
    });
  });

  it("refuses a change still in review and names the signers", () => {
    expect(gate("production", facts({ state: "in_review" }), "change_state")).toEqual({
      gate: "change_state",
      met: false,
      reason: "CR-12 is in review; production takes approved changes",
      fixBy: "the signers: approve it",
    });
  });

  it("refuses a draft and names the author", () => {
    expect(gate("production", facts({ state: "draft" }), "change_state")).toMatchObject({
      met: false,
      fixBy: "the author: submit it for review",
    });
  });

  it("refuses a change already released", () => {
    expect(gate("production", facts({ state: "released" }), "change_state")).toMatchObject({
      met: false,
      reason: "CR-12 is released; production takes approved changes",
      fixBy: null,
    });
  });
});

describe("promotionGates: production approval on the current content hash", () => {
  it("is met when every live sign-off approved the current content", () => {
    expect(gate("production", facts(), "approved_on_current_hash")).toEqual({
      gate: "approved_on_current_hash",
      met: true,
      reason: `all 2 required sign-offs approved content ${CONTENT_SHORT}`,
      fixBy: null,
    });
  });

  it("does not count an approval given on an older content hash", () => {
    const f = facts({ signoffs: [approvedBy("security", "u-sec", OLD_CONTENT), approvedBy("operations", "u-ops")] });
    expect(gate("production", f, "approved_on_current_hash")).toEqual({
      gate: "approved_on_current_hash",
      met: false,
      reason: `not yet approved on content ${CONTENT_SHORT} by: security`,
      fixBy: "the security signer",
    });
    expect(gatesMet(promotionGates("production", f))).toBe(false);
  });

  it("names every pending role, in words, in the reason and in who can fix it", () => {
    const f = facts({
      state: "in_review",
      signoffs: [
        { role: "workflow_owner", status: "pending", contentHash: null, signerId: null },
        approvedBy("security", "u-sec"),
        { role: "operations", status: "changes_requested", contentHash: CONTENT, signerId: "u-ops" },
      ],
    });
    expect(gate("production", f, "approved_on_current_hash")).toEqual({
      gate: "approved_on_current_hash",
      met: false,
      reason: `not yet approved on content ${CONTENT_SHORT} by: workflow owner, operations`,
      fixBy: "the workflow owner, operations signers",
    });
  });

  it("ignores dismissed sign-offs", () => {
    const f = facts({
      signoffs: [approvedBy("security", "u-sec"), { role: "operations", status: "dismissed", contentHash: OLD_CONTENT, signerId: "u-ops" }],
    });
    expect(gate("production", f, "approved_on_current_hash")).toEqual({
      gate: "approved_on_current_hash",
      met: true,
      reason: `all 1 required sign-offs approved content ${CONTENT_SHORT}`,
      fixBy: null,
    });
  });

  it("passes a standard change approved on submission, with no sign-offs", () => {
    const f = facts({ standardChange: "Prompt wording tweak", signoffs: [] });
    expect(gate("production", f, "approved_on_current_hash")).toEqual({
      gate: "approved_on_current_hash",
      met: true,
      reason: "pre-approved as the standard change “Prompt wording tweak”",
      fixBy: null,
    });
    expect(gatesMet(promotionGates("production", f))).toBe(true);
  });

  it("does not pre-approve a standard change that is not in the approved state", () => {
    const f = facts({ state: "in_review", standardChange: "Prompt wording tweak", signoffs: [] });
    expect(gate("production", f, "approved_on_current_hash")).toEqual({
      gate: "approved_on_current_hash",
      met: false,
      reason: "CR-12 is not approved",
      fixBy: "the signers",
    });
  });
});

describe("promotionGates: production staging eval", () => {
  const NO_RUN = {
    gate: "staging_eval",
    met: false,
    reason: `no eval run recorded in staging for spec ${SPEC_SHORT}`,
    fixBy: "engineering: record an eval run in staging for this spec",
  };

  it("is met by a clean staging eval of this exact spec", () => {
    expect(gate("production", facts(), "staging_eval")).toEqual({
      gate: "staging_eval",
      met: true,
      reason: `staging eval of spec ${SPEC_SHORT}: 20/20 passed`,
      fixBy: null,
    });
  });

  it("is unmet with no eval run at all", () => {
    expect(gate("production", facts({ evalRuns: [] }), "staging_eval")).toEqual(NO_RUN);
  });

  it("does not count a clean run recorded only in development", () => {
    expect(gate("production", facts({ evalRuns: [stagingRun(20, 0, 1_000, { environment: "development" })] }), "staging_eval")).toEqual(
      NO_RUN,
    );
  });

  it("does not count a clean staging run of another spec hash", () => {
    expect(gate("production", facts({ evalRuns: [stagingRun(20, 0, 1_000, { specHash: "07he12345678ffff" })] }), "staging_eval")).toEqual(
      NO_RUN,
    );
  });

  it("refuses any failure when the floor is 1", () => {
    expect(gate("production", facts({ evalRuns: [stagingRun(19, 1)] }), "staging_eval")).toEqual({
      gate: "staging_eval",
      met: false,
      reason: `the latest staging eval of spec ${SPEC_SHORT} has 19/20 passed; production needs no failures`,
      fixBy: "engineering: record an eval run in staging for this spec",
    });
  });

  it("accepts failures that keep the pass rate at the policy's floor of 95%", () => {
    expect(gate("production", facts({ passRateFloor: 0.95, evalRuns: [stagingRun(19, 1)] }), "staging_eval")).toEqual({
      gate: "staging_eval",
      met: true,
      reason: `staging eval of spec ${SPEC_SHORT}: 19/20 passed`,
      fixBy: null,
    });
  });

  it("refuses a pass rate below the policy's floor of 95%", () => {
    // 18/20 = 90%.
    expect(gate("production", facts({ passRateFloor: 0.95, evalRuns: [stagingRun(18, 2)] }), "staging_eval")).toEqual({
      gate: "staging_eval",
      met: false,
      reason: `the latest staging eval of spec ${SPEC_SHORT} has 18/20 passed; production needs a pass rate of at least 95%`,
      fixBy: "engineering: record an eval run in staging for this spec",
    });
  });

  it("lets a newer failing run outweigh an older clean one", () => {
    const evalRuns = [stagingRun(20, 0, 1_000), stagingRun(17, 3, 2_000)];
    expect(gate("production", facts({ evalRuns }), "staging_eval")).toMatchObject({
      met: false,
      reason: `the latest staging eval of spec ${SPEC_SHORT} has 17/20 passed; production needs no failures`,
    });
  });

  it("lets a newer clean run outweigh an older failing one", () => {
    const evalRuns = [stagingRun(20, 0, 2_000), stagingRun(17, 3, 1_000)];
    expect(gate("production", facts({ evalRuns }), "staging_eval")).toMatchObject({
      met: true,
      reason: `staging eval of spec ${SPEC_SHORT}: 20/20 passed`,
    });
  });

  it("does not let a newer run of another spec or environment decide", () => {
    const evalRuns = [
      stagingRun(20, 0, 1_000),
      stagingRun(0, 20, 3_000, { environment: "development" }),
      stagingRun(0, 20, 4_000, { specHash: "07he12345678ffff" }),
    ];
    expect(gate("production", facts({ evalRuns }), "staging_eval").met).toBe(true);
  });

  it("refuses a run with zero cases, even under a floor below 1", () => {
    expect(gate("production", facts({ evalRuns: [stagingRun(0, 0)] }), "staging_eval")).toMatchObject({
      met: false,
      reason: `the latest staging eval of spec ${SPEC_SHORT} has 0/0 passed; production needs no failures`,
    });
    expect(gate("production", facts({ passRateFloor: 0.95, evalRuns: [stagingRun(0, 0)] }), "staging_eval")).toMatchObject({
      met: false,
      reason: `the latest staging eval of spec ${SPEC_SHORT} has 0/0 passed; production needs a pass rate of at least 95%`,
    });
  });
});

describe("promotionGates: production rollback plan and owner", () => {
  it("is met when both are recorded", () => {
    expect(gate("production", facts(), "rollback_plan")).toEqual({
      gate: "rollback_plan",
      met: true,
      reason: "rollback plan and rollback owner are recorded",
      fixBy: null,
    });
  });

  it("is unmet without a rollback plan", () => {
    const g = gate("production", facts({ rollbackPlan: "" }), "rollback_plan");
    expect(g).toMatchObject({ met: false, fixBy: "the author: edit the change record" });
    expect(g.reason).toContain("rollback plan");
    expect(g.reason).not.toContain("owner");
  });

  it("treats a whitespace-only plan as no plan", () => {
    const g = gate("production", facts({ rollbackPlan: "  \n\t " }), "rollback_plan");
    expect(g).toMatchObject({ met: false, fixBy: "the author: edit the change record" });
    expect(g.reason).toContain("rollback plan");
  });

  it("is unmet without a rollback owner", () => {
    const g = gate("production", facts({ hasRollbackOwner: false }), "rollback_plan");
    expect(g).toMatchObject({ met: false, fixBy: "the author: edit the change record" });
    expect(g.reason).toContain("rollback owner");
    expect(g.reason).not.toContain("rollback plan");
  });

  it("names both when both are missing", () => {
    const g = gate("production", facts({ rollbackPlan: "", hasRollbackOwner: false }), "rollback_plan");
    expect(g).toMatchObject({ met: false, fixBy: "the author: edit the change record" });
    expect(g.reason).toContain("rollback plan");
    expect(g.reason).toContain("rollback owner");
    expect(gatesMet(promotionGates("production", facts({ rollbackPlan: "", hasRollbackOwner: false })))).toBe(false);
  });
});

describe("promotionGates: production by the emergency path", () => {
  /** CR-12 marked emergency, still in review: security approved the current content, operations has not signed. */
  const emergency = (overrides: Partial<GateFacts> = {}) =>
    facts({
      emergency: true,
      state: "in_review",
      signoffs: [approvedBy("security", "u-sec"), { role: "operations", status: "pending", contentHash: null, signerId: null }],
      evalRuns: [],
      ...overrides,
    });

  it.each<[ChangeState, string]>([
    ["in_review", "in review"],
    ["approved", "approved"],
  ])("takes an emergency change that is %s", (state, label) => {
    expect(gate("production", emergency({ state }), "change_state")).toEqual({
      gate: "change_state",
      met: true,
      reason: `CR-12 is ${label}`,
      fixBy: null,
    });
  });

  it("refuses an emergency draft", () => {
    expect(gate("production", emergency({ state: "draft" }), "change_state")).toEqual({
      gate: "change_state",
      met: false,
      reason: "CR-12 is a draft; production takes in review or approved changes",
      fixBy: "the author: submit it for review",
    });
  });

  it("is released on one approval of the current content from someone other than the author, with no staging eval", () => {
    const f = emergency();
    expect(gate("production", f, "emergency_approval")).toEqual({
      gate: "emergency_approval",
      met: true,
      reason: `emergency release approved by security on content ${CONTENT_SHORT}`,
      fixBy: null,
    });
    expect(gatesMet(promotionGates("production", f))).toBe(true);
  });

  const NO_EMERGENCY_APPROVAL = {
    gate: "emergency_approval",
    met: false,
    reason: "an emergency release needs one approval on the current content from someone other than the author",
    fixBy: "any required signer other than the author",
  };

  it("does not count the author's own approval", () => {
    const f = emergency({ signoffs: [approvedBy("engineering", "u-author")] });
    expect(gate("production", f, "emergency_approval")).toEqual(NO_EMERGENCY_APPROVAL);
    expect(gatesMet(promotionGates("production", f))).toBe(false);
  });

  it("does not count an approval given on an older content hash", () => {
    const f = emergency({ signoffs: [approvedBy("security", "u-sec", OLD_CONTENT)] });
    expect(gate("production", f, "emergency_approval")).toEqual(NO_EMERGENCY_APPROVAL);
  });

  it("is unmet with no approval at all", () => {
    const f = emergency({ signoffs: [{ role: "security", status: "pending", contentHash: null, signerId: null }] });
    expect(gate("production", f, "emergency_approval")).toEqual(NO_EMERGENCY_APPROVAL);
  });

  it("still needs a rollback plan and owner", () => {
    const f = emergency({ hasRollbackOwner: false });
    expect(gate("production", f, "rollback_plan")).toMatchObject({ met: false, fixBy: "the author: edit the change record" });
    expect(gatesMet(promotionGates("production", f))).toBe(false);
  });

  it("changes nothing on the way to staging", () => {
    expect(names("staging", emergency())).toEqual(["change_state", "up_to_date", "ladder", "not_already_running"]);
    expect(gate("staging", emergency({ state: "draft" }), "change_state").met).toBe(false);
  });
});

describe("promotionGates: not already running", () => {
  it("is unmet when the environment already runs this spec", () => {
    const f = facts({ running: { production: SPEC } });
    expect(gate("production", f, "not_already_running")).toEqual({
      gate: "not_already_running",
      met: false,
      reason: `production already runs spec ${SPEC_SHORT}`,
      fixBy: null,
    });
    expect(gatesMet(promotionGates("production", f))).toBe(false);
  });

  it("is met when the environment runs a different version", () => {
    expect(gate("staging", facts({ running: { staging: "0ther0123456789" } }), "not_already_running")).toEqual({
      gate: "not_already_running",
      met: true,
      reason: "staging runs a different version",
      fixBy: null,
    });
  });

  it("is met when nothing runs in the environment yet, whatever runs elsewhere", () => {
    expect(gate("production", facts({ running: { staging: SPEC } }), "not_already_running")).toEqual({
      gate: "not_already_running",
      met: true,
      reason: "nothing runs in production yet",
      fixBy: null,
    });
  });
});

describe("gatesMet", () => {
  const met = (gate: GateName): Gate => ({ gate, met: true, reason: "ok", fixBy: null });

  it("is true only when every gate is met", () => {
    expect(gatesMet([met("change_state"), met("not_already_running")])).toBe(true);
    expect(gatesMet([met("change_state"), { ...met("staging_eval"), met: false }])).toBe(false);
  });
});

describe("releasePath", () => {
  it("sends an emergency change by the emergency path and any other by promotion", () => {
    expect(releasePath({ emergency: true })).toBe("emergency");
    expect(releasePath({ emergency: false })).toBe("promote");
  });
});

describe("promotionGates: reasons read as sentences and name who can fix them", () => {
  it("names what is missing from the rollback gate without stray articles", () => {
    expect(gate("production", facts({ rollbackPlan: " ", hasRollbackOwner: false }), "rollback_plan").reason).toBe(
      "the change record has no rollback plan and no rollback owner",
    );
    expect(gate("production", facts({ hasRollbackOwner: false }), "rollback_plan").reason).toBe("the change record has no rollback owner");
  });

  it("sends a change with no valid spec back to its author to fix the spec, whatever its state", () => {
    for (const state of ["draft", "approved"] as ChangeState[]) {
      expect(gate("development", facts({ state, specHash: null }), "change_state")).toEqual({
        gate: "change_state",
        met: false,
        reason: "CR-12 has no valid spec to deploy",
        fixBy: "the author: fix the proposed spec",
      });
    }
  });

  it("lists the states an environment takes", () => {
    expect(gate("development", facts({ state: "rejected" }), "change_state").reason).toBe(
      "CR-12 is rejected; development takes draft, in review, approved, released or rolled back changes",
    );
    expect(gate("staging", facts({ state: "draft" }), "change_state").reason).toBe(
      "CR-12 is a draft; staging takes in review or approved changes",
    );
  });
});

describe("promotionGates: up to date with production", () => {
  it("CR-380, proposed from v17 while CR-381 released v22, may go neither to staging nor to production", () => {
    const stale = facts({
      base: { versionId: "ver-17", number: 17 },
      production: { versionId: "ver-22", number: 22, changeLabel: "CR-381" },
    });
    for (const environment of ["staging", "production"] as const) {
      expect(gate(environment, stale, "up_to_date")).toEqual({
        gate: "up_to_date",
        met: false,
        reason: "based on v17; production runs v22 since CR-381",
        fixBy: "the author: update it from production, then have it re-reviewed",
      });
    }
    // Development is where the author tries things: no gate there.
    expect(names("development", stale)).not.toContain("up_to_date");
  });

  it("a change based on what production runs is up to date", () => {
    expect(gate("production", facts(), "up_to_date")).toEqual({
      gate: "up_to_date",
      met: true,
      reason: "based on v3, what production runs",
      fixBy: null,
    });
  });

  it("a new agent is out of date once another change put something in production first", () => {
    const newAgent = { base: null, production: { versionId: "ver-1", number: 1, changeLabel: "CR-2" } };
    expect(gate("staging", facts(newAgent), "up_to_date").reason).toBe("proposed as a new agent; production runs v1 since CR-2");
    expect(gate("staging", facts({ base: null, production: null }), "up_to_date")).toMatchObject({
      met: true,
      reason: "a new agent: nothing runs in production yet",
    });
  });

  it("a released change is history, not out of date", () => {
    expect(isOutOfDate("released", "ver-17", "ver-22")).toBe(false);
    expect(isOutOfDate("approved", "ver-17", "ver-22")).toBe(true);
    // Nothing in production: nothing to be behind.
    expect(isOutOfDate("approved", "ver-17", null)).toBe(false);
  });
});

describe("promotionGates: the ladder", () => {
  it("staging takes only a spec that ran in development; production only one that ran in staging", () => {
    const fresh = facts({ ranIn: {} });
    expect(gate("staging", fresh, "ladder")).toEqual({
      gate: "ladder",
      met: false,
      reason: `spec ${SPEC_SHORT} has not run in development; staging takes only what ran there first`,
      fixBy: "engineering or operations: promote it to development first",
    });
    expect(gate("production", facts({ ranIn: { development: true } }), "ladder")).toMatchObject({
      met: false,
      reason: `spec ${SPEC_SHORT} has not run in staging; production takes only what ran there first`,
    });
    expect(gate("production", facts(), "ladder")).toMatchObject({ met: true, reason: `spec ${SPEC_SHORT} ran in staging` });
  });

  it("a staging eval record alone does not replace running in staging (a token once skipped both environments)", () => {
    expect(gatesMet(promotionGates("production", facts({ ranIn: {} })))).toBe(false);
  });

  it("the emergency path skips the ladder", () => {
    expect(names("production", facts({ emergency: true, ranIn: {} }))).not.toContain("ladder");
  });
});

describe("promotionGates: who releases", () => {
  const author = { userId: "u-author", tokenId: null };
  it("by default nobody releases their own high or critical change", () => {
    for (const riskTier of ["high", "critical"] as const) {
      expect(gate("production", facts({ riskTier, deployer: author }), "release_by_other")).toEqual({
        gate: "release_by_other",
        met: false,
        reason: `you proposed CR-12; the policy has someone else release ${riskTier}-risk changes`,
        fixBy: "another person in engineering or operations",
      });
    }
  });

  it("the author may release a low or medium change, anyone else any change, and the policy may allow authors", () => {
    expect(gate("production", facts({ riskTier: "medium", deployer: author }), "release_by_other").met).toBe(true);
    expect(gate("production", facts({ riskTier: "high", deployer: { userId: "u-ops", tokenId: null } }), "release_by_other").reason).toBe(
      "released by someone other than its author",
    );
    expect(
      gate("production", facts({ riskTier: "high", deployer: author, authorMayReleaseOwnHighRisk: true }), "release_by_other").met,
    ).toBe(true);
  });

  it("a token that proposed a high-risk change may not release it either", () => {
    const byToken = facts({ riskTier: "high", authorId: null, authorTokenId: "tok-ci", deployer: { userId: null, tokenId: "tok-ci" } });
    expect(gate("production", byToken, "release_by_other").met).toBe(false);
  });
});

describe("retirementGates: a retire change is released everywhere at once", () => {
  it("needs no ladder and no eval: only state, up to date, approvals, a way back and, when high, another releaser", () => {
    const f = facts({ evalRuns: [], ranIn: {} });
    expect(retirementGates(f).map((g) => g.gate)).toEqual([
      "change_state",
      "up_to_date",
      "approved_on_current_hash",
      "rollback_plan",
      "release_by_other",
    ]);
    expect(gatesMet(retirementGates(f))).toBe(true);
  });

  it("holds a change still in review, one whose production moved, and one without a rollback owner", () => {
    expect(gatesMet(retirementGates(facts({ state: "in_review" })))).toBe(false);
    expect(gatesMet(retirementGates(facts({ production: { versionId: "ver-4", number: 4, changeLabel: "CR-13" } })))).toBe(false);
    expect(gatesMet(retirementGates(facts({ hasRollbackOwner: false })))).toBe(false);
  });
});
