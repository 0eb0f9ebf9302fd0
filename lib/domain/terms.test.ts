import { describe, expect, it } from "vitest";
import {
  CHANGE_STATES,
  OPEN_CHANGE_STATES,
  PLATFORMS,
  PLATFORM_LABELS,
  REVIEW_DOMAINS,
  RISK_LEVELS,
  ROLES,
  ROLE_LABELS,
  SIGNOFF_STATUSES,
  changeNumberLabel,
} from "./terms";

describe("domain vocabularies match DESIGN.md", () => {
  it("has the eight roles of the design", () => {
    expect([...ROLES].sort()).toEqual([
      "admin",
      "auditor",
      "compliance",
      "engineering",
      "leader",
      "operations",
      "security",
      "workflow_owner",
    ]);
  });

  it("orders risk levels from low to critical, so comparisons by index are meaningful", () => {
    expect(RISK_LEVELS).toEqual(["low", "medium", "high", "critical"]);
  });

  it("has the seven platforms of the design, each with a label", () => {
    expect([...PLATFORMS].sort()).toEqual([
      "bedrock-agents",
      "copilot-studio",
      "custom",
      "langgraph",
      "openai-agents",
      "salesforce-agentforce",
      "servicenow",
    ]);
    expect(Object.keys(PLATFORM_LABELS).sort()).toEqual([...PLATFORMS].sort());
  });

  it("labels every role", () => {
    expect(Object.keys(ROLE_LABELS).sort()).toEqual([...ROLES].sort());
    expect(ROLE_LABELS.workflow_owner).toBe("Workflow owner");
  });

  it("has the four review domains", () => {
    expect(REVIEW_DOMAINS).toEqual(["semantics", "authority", "runtime", "incident_path"]);
  });

  it("has the change states and sign-off statuses of the design", () => {
    expect([...CHANGE_STATES].sort()).toEqual(["approved", "draft", "in_review", "rejected", "released", "rolled_back", "withdrawn"]);
    expect([...SIGNOFF_STATUSES].sort()).toEqual(["approved", "changes_requested", "dismissed", "pending", "rejected"]);
  });

  it("counts only draft, in-review and approved changes as open", () => {
    expect(OPEN_CHANGE_STATES).toEqual(["draft", "in_review", "approved"]);
  });
});

describe("changeNumberLabel", () => {
  it('numbers change records for people as "CR-<n>"', () => {
    expect(changeNumberLabel(42)).toBe("CR-42");
    expect(changeNumberLabel(1)).toBe("CR-1");
  });
});
