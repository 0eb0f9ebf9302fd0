import { describe, expect, it } from "vitest";
import type { DiffItem } from "@/lib/domain/permission-diff";
import { failOnMet, formatDiff, formatExport, type DiffReport } from "./format";

const raised: DiffItem = {
  kind: "limit_raised",
  domain: "authority",
  direction: "escalation",
  summary: "refunds.create limit raised 50 → 500 USD",
  path: "tools[stripe].actions[refunds.create].limit",
  before: { amount: 50, unit: "USD" },
  after: { amount: 500, unit: "USD" },
};
const removed: DiffItem = {
  kind: "action_removed",
  domain: "authority",
  direction: "reduction",
  summary: "zendesk | tickets.comment removed",
  path: "tools[zendesk].actions[tickets.comment]",
  before: "write",
  after: null,
};

const report: DiffReport = {
  agent: "refund-assistant",
  environment: "production",
  version: 3,
  file: "refund-assistant.yaml",
  workflow: { name: "Refunds", riskClass: "high" },
  tier: "high",
  reasons: ["high: escalates authority in a high-risk workflow"],
  diff: [raised, removed],
};

describe("formatDiff", () => {
  it("prints text: what is compared, the tier with the workflow, the reasons, then each item with its direction", () => {
    expect(formatDiff(report, "text")).toBe(
      [
        "refund-assistant in production (v3) compared with refund-assistant.yaml",
        "Risk tier: high (workflow Refunds, a high-risk workflow); 1 escalation of authority",
        "Why:",
        "  - high: escalates authority in a high-risk workflow",
        "Permission diff:",
        "  ▲ escalation  refunds.create limit raised 50 → 500 USD  [tools[stripe].actions[refunds.create].limit]",
        "  ▼ reduction   zendesk | tickets.comment removed  [tools[zendesk].actions[tickets.comment]]",
        "",
      ].join("\n"),
    );
  });

  it("says so when nothing changed", () => {
    const text = formatDiff({ ...report, tier: "low", reasons: [], diff: [] }, "text");
    expect(text).toContain("Risk tier: low (workflow Refunds, a high-risk workflow); no escalation of authority\nNo permission changes.\n");
    expect(text).not.toContain("Why:");
  });

  it("prints markdown for a step summary: a heading, the tier in bold, a table with pipes escaped", () => {
    const markdown = formatDiff(report, "markdown");
    expect(markdown).toBe(
      [
        "### Countersign: refund-assistant in production (v3) compared with refund-assistant.yaml",
        "",
        "**Risk tier: high** (workflow Refunds, a high-risk workflow); 1 escalation of authority",
        "",
        "- high: escalates authority in a high-risk workflow",
        "",
        "| Direction | Domain | Change | Where |",
        "| --- | --- | --- | --- |",
        "| ▲ escalation | authority | refunds.create limit raised 50 → 500 USD | `tools[stripe].actions[refunds.create].limit` |",
        "| ▼ reduction | authority | zendesk \\| tickets.comment removed | `tools[zendesk].actions[tickets.comment]` |",
        "",
      ].join("\n"),
    );
  });

  it("prints the whole report as JSON, with whether it escalates", () => {
    const json = JSON.parse(formatDiff(report, "json")) as DiffReport & { escalates: boolean };
    expect(json).toMatchObject({ agent: "refund-assistant", tier: "high", escalates: true });
    expect(json.diff.map((i) => i.direction)).toEqual(["escalation", "reduction"]);
  });
});

describe("failOnMet", () => {
  it("escalation: met by any escalation, whatever the tier", () => {
    expect(failOnMet({ tier: "low", diff: [raised] }, "escalation")).toBe(true);
    expect(failOnMet({ tier: "critical", diff: [removed] }, "escalation")).toBe(false);
  });

  it("high and critical: met by a tier at least that high", () => {
    expect(failOnMet({ tier: "medium", diff: [raised] }, "high")).toBe(false);
    expect(failOnMet({ tier: "high", diff: [] }, "high")).toBe(true);
    expect(failOnMet({ tier: "critical", diff: [] }, "high")).toBe(true);
    expect(failOnMet({ tier: "high", diff: [raised] }, "critical")).toBe(false);
    expect(failOnMet({ tier: "critical", diff: [] }, "critical")).toBe(true);
  });
});

describe("formatExport", () => {
  const exported = { agent: "refund-assistant", environment: "production", version: 3, changeNumber: "CR-12", yaml: "autonomy: bounded\n" };

  it("text is the YAML headed by a comment saying where it came from, so the file stays a valid spec", () => {
    expect(formatExport(exported, "text")).toBe("# refund-assistant as production runs it: v3 (CR-12)\nautonomy: bounded\n");
    expect(formatExport({ ...exported, changeNumber: null }, "text")).toBe(
      "# refund-assistant as production runs it: v3\nautonomy: bounded\n",
    );
  });

  it("markdown fences the YAML under a heading; json is the whole report", () => {
    expect(formatExport(exported, "markdown")).toBe(
      "### refund-assistant as production runs it: v3 (CR-12)\n\n```yaml\nautonomy: bounded\n```\n",
    );
    expect(JSON.parse(formatExport(exported, "json"))).toEqual(exported);
  });
});
