import { describe, expect, it } from "vitest";
import { isHigherClass, slugFromName, uniqueSlug } from "./workflow-rules";

describe("slugFromName", () => {
  it("keeps letters and digits, lowercased, joined by single dashes", () => {
    expect(slugFromName("Refunds")).toBe("refunds");
    expect(slugFromName("Refunds & Returns")).toBe("refunds-returns");
    expect(slugFromName("  Tier 2 -- escalation  ")).toBe("tier-2-escalation");
    expect(slugFromName("Customer-record updates")).toBe("customer-record-updates");
  });

  it("drops accents rather than the letters that carry them", () => {
    expect(slugFromName("Crème Brûlée orders")).toBe("creme-brulee-orders");
  });

  it("gives an empty slug for a name with no letter or digit", () => {
    expect(slugFromName("!!! ???")).toBe("");
  });

  it("stops at 60 characters without a trailing dash", () => {
    const slug = slugFromName(`${"a".repeat(59)} b`);
    expect(slug).toBe("a".repeat(59));
  });
});

describe("uniqueSlug", () => {
  it("keeps a free slug", () => {
    expect(uniqueSlug("refunds", new Set(["payments"]))).toBe("refunds");
  });

  it("appends -2, then -3, on collision", () => {
    expect(uniqueSlug("refunds", new Set(["refunds"]))).toBe("refunds-2");
    expect(uniqueSlug("refunds", new Set(["refunds", "refunds-2"]))).toBe("refunds-3");
  });

  it("names an empty slug 'workflow'", () => {
    expect(uniqueSlug("", new Set())).toBe("workflow");
    expect(uniqueSlug("", new Set(["workflow"]))).toBe("workflow-2");
  });
});

describe("isHigherClass", () => {
  it("is true only for a strictly higher class", () => {
    expect(isHigherClass("high", "critical")).toBe(true);
    expect(isHigherClass("low", "medium")).toBe(true);
    expect(isHigherClass("high", "high")).toBe(false);
    expect(isHigherClass("critical", "low")).toBe(false);
  });
});
