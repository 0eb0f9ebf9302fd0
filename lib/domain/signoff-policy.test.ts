import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLICY,
  DEFAULT_RUNTIME_POLICY,
  matchStandardChange,
  requiredSignoffs,
  signoffPolicySchema,
  type SignoffPolicy,
} from "./signoff-policy";
import type { ReviewDomain, RiskLevel } from "./terms";

const ALL_DOMAINS: ReviewDomain[] = ["semantics", "authority", "runtime", "incident_path"];

describe("requiredSignoffs: each touched domain needs its owner", () => {
  it.each<[ReviewDomain, string, string]>([
    ["semantics", "workflow_owner", "the change touches semantics"],
    ["authority", "security", "the change touches authority"],
    ["runtime", "engineering", "the change touches runtime"],
    ["incident_path", "operations", "the change touches incident path"],
  ])("a medium change touching only %s needs %s", (domain, role, reason) => {
    expect(requiredSignoffs("medium", [domain])).toEqual([{ role, reason }]);
  });

  it("asks the owners of several touched domains, in domain order", () => {
    expect(requiredSignoffs("medium", ["runtime", "semantics"])).toEqual([
      { role: "workflow_owner", reason: "the change touches semantics" },
      { role: "engineering", reason: "the change touches runtime" },
    ]);
  });

  it("asks the owners of all four domains when all are touched", () => {
    expect(requiredSignoffs("low", ALL_DOMAINS).map((s) => s.role)).toEqual(["workflow_owner", "security", "engineering", "operations"]);
  });

  it("asks each owner once even if a domain is listed twice", () => {
    expect(requiredSignoffs("medium", ["authority", "authority"])).toEqual([{ role: "security", reason: "the change touches authority" }]);
  });

  it("asks nobody for a low change that touches nothing", () => {
    expect(requiredSignoffs("low", [])).toEqual([]);
  });
});

describe("requiredSignoffs: the tier adds roles", () => {
  it("asks all four owners for a high change, whatever it touches, in review order", () => {
    expect(requiredSignoffs("high", ["authority"])).toEqual([
      { role: "workflow_owner", reason: "every high-risk change needs this role" },
      { role: "security", reason: "the change touches authority" },
      { role: "engineering", reason: "every high-risk change needs this role" },
      { role: "operations", reason: "every high-risk change needs this role" },
    ]);
  });

  it("asks all four owners for a high change that touches nothing", () => {
    expect(requiredSignoffs("high", []).map((s) => s.role)).toEqual(["workflow_owner", "security", "engineering", "operations"]);
  });

  it("asks all four owners and compliance for a critical change", () => {
    expect(requiredSignoffs("critical", ["semantics", "incident_path"])).toEqual([
      { role: "workflow_owner", reason: "the change touches semantics" },
      { role: "security", reason: "every critical-risk change needs this role" },
      { role: "engineering", reason: "every critical-risk change needs this role" },
      { role: "operations", reason: "the change touches incident path" },
      { role: "compliance", reason: "every critical-risk change needs this role" },
    ]);
  });

  it.each<RiskLevel>(["low", "medium", "high", "critical"])("never asks a role twice (%s, all domains touched)", (tier) => {
    const roles = requiredSignoffs(tier, ALL_DOMAINS).map((s) => s.role);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it("does not ask compliance below critical", () => {
    for (const tier of ["low", "medium", "high"] as const) {
      expect(requiredSignoffs(tier, ALL_DOMAINS).map((s) => s.role)).not.toContain("compliance");
    }
  });
});

describe("requiredSignoffs with an edited policy", () => {
  it("asks a role once when it owns two touched domains, for the first reason", () => {
    const policy: SignoffPolicy = {
      ...DEFAULT_POLICY,
      domainOwners: { ...DEFAULT_POLICY.domainOwners, runtime: "security" },
    };
    expect(requiredSignoffs("medium", ["authority", "runtime"], policy)).toEqual([
      { role: "security", reason: "the change touches authority" },
    ]);
  });

  it("uses the policy's tier roles", () => {
    const policy: SignoffPolicy = { ...DEFAULT_POLICY, tierRoles: { ...DEFAULT_POLICY.tierRoles, medium: ["operations"] } };
    expect(requiredSignoffs("medium", ["semantics"], policy)).toEqual([
      { role: "workflow_owner", reason: "the change touches semantics" },
      { role: "operations", reason: "every medium-risk change needs this role" },
    ]);
  });
});

describe("matchStandardChange", () => {
  const wording = DEFAULT_POLICY.standardChanges[0]!;

  it("pre-approves a low, semantics-only change on a read-only agent", () => {
    expect(matchStandardChange({ tier: "low", touched: ["semantics"], autonomy: "read_only" })).toBe(wording);
    expect(wording.id).toBe("read-only-wording");
  });

  it.each(["bounded", "autonomous"])("does not match the same change on a %s agent", (autonomy) => {
    expect(matchStandardChange({ tier: "low", touched: ["semantics"], autonomy })).toBeNull();
  });

  it("does not match when authority is also touched", () => {
    expect(matchStandardChange({ tier: "low", touched: ["semantics", "authority"], autonomy: "read_only" })).toBeNull();
    expect(matchStandardChange({ tier: "low", touched: ["authority"], autonomy: "read_only" })).toBeNull();
  });

  it("does not match when the runtime or incident path is touched", () => {
    expect(matchStandardChange({ tier: "low", touched: ["semantics", "runtime"], autonomy: "read_only" })).toBeNull();
    expect(matchStandardChange({ tier: "low", touched: ["incident_path"], autonomy: "read_only" })).toBeNull();
  });

  it.each<RiskLevel>(["medium", "high", "critical"])("does not match a %s change", (tier) => {
    expect(matchStandardChange({ tier, touched: ["semantics"], autonomy: "read_only" })).toBeNull();
  });

  it("does not match a change that touches nothing", () => {
    expect(matchStandardChange({ tier: "low", touched: [], autonomy: "read_only" })).toBeNull();
  });

  it("matches templates of an edited policy, up to the template's maximum tier", () => {
    const policy: SignoffPolicy = {
      ...DEFAULT_POLICY,
      standardChanges: [
        {
          id: "monitoring-link",
          name: "Monitoring link update",
          description: "Changing the runbook or dashboard link.",
          domains: ["incident_path"],
          autonomy: ["read_only", "bounded"],
          maxTier: "medium",
        },
      ],
    };
    expect(matchStandardChange({ tier: "medium", touched: ["incident_path"], autonomy: "bounded" }, policy)?.id).toBe("monitoring-link");
    expect(matchStandardChange({ tier: "high", touched: ["incident_path"], autonomy: "bounded" }, policy)).toBeNull();
    expect(matchStandardChange({ tier: "low", touched: ["semantics"], autonomy: "read_only" }, policy)).toBeNull();
  });
});

describe("the policy's runtime part", () => {
  const older: SignoffPolicy = { ...DEFAULT_POLICY };
  delete older.runtime;
  it("an older policy without it reads as the defaults: sev2 for authority breaches, sev3 for harm, two thresholds", () => {
    const parsed = signoffPolicySchema.parse(older);
    expect(parsed.runtime).toEqual(DEFAULT_RUNTIME_POLICY);
    expect(DEFAULT_RUNTIME_POLICY).toEqual({
      authorityBreachIncident: "sev2",
      harmBreachIncident: "sev3",
      defaultThresholds: [
        { name: "corrections_rate", comparator: ">", threshold: 20, window: "7d" },
        { name: "privilege_rejections", comparator: ">", threshold: 10, window: "24h" },
      ],
    });
  });
  it("may open no incident, and refuses a window that is not a duration", () => {
    const quiet = { ...DEFAULT_RUNTIME_POLICY, authorityBreachIncident: null };
    expect(signoffPolicySchema.parse({ ...older, runtime: quiet }).runtime.authorityBreachIncident).toBeNull();
    const bad = { ...DEFAULT_RUNTIME_POLICY, defaultThresholds: [{ name: "error_rate", comparator: ">", threshold: 5, window: "a week" }] };
    const result = signoffPolicySchema.safeParse({ ...older, runtime: bad });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["runtime", "defaultThresholds", 0, "window"]);
  });
});
