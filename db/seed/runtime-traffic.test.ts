import { describe, expect, it } from "vitest";
import type { AgentSpec } from "@/lib/domain/spec";
import { answeringModel, planTraffic, ungrantedTool, type TrafficProfile } from "./runtime-traffic";
import { Rng } from "./rng";

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 1);
const days = Array.from({ length: 14 }, (_, i) => START + i * DAY);

const spec = (over: Partial<AgentSpec> = {}): AgentSpec =>
  ({
    model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
    instructions: "Help.",
    autonomy: "bounded",
    tools: [
      {
        system: "stripe",
        actions: [
          { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
          { name: "charges.read", access: "read", approval: "none" },
        ],
      },
    ],
    forbidden: ["stripe:customers.delete"],
    traceRetentionDays: 30,
    ...over,
  }) as AgentSpec;

/** Every event as likely as can be: what keeps the counters within their caps is the caps alone. */
const EAGER: TrafficProfile = { decisionsPerDay: [20, 30], correctionChance: 1, privilegeRejectionChance: 1, approvalDenialChance: 1 };

describe("the demo's runtime traffic", () => {
  it("calls only actions the running version grants, with approval where it is required and amounts within the limit", () => {
    const plan = planTraffic(new Rng(3), days, () => spec(), { ...EAGER, approvalDenialChance: 0.1, privilegeRejectionChance: 0.1 });
    const calls = plan.flat().flatMap((d) => d.tools ?? []);
    expect(calls.length).toBeGreaterThan(200);
    expect(new Set(calls.map((c) => c.tool))).toEqual(new Set(["stripe:refunds.create", "stripe:charges.read"]));
    for (const call of calls.filter((c) => c.tool === "stripe:refunds.create")) {
      expect(["granted", "denied"]).toContain(call.approval);
      expect(call.amount).toBeGreaterThan(0);
      expect(call.amount).toBeLessThanOrEqual(50);
    }
    expect(calls.filter((c) => c.tool === "stripe:charges.read").every((c) => c.approval === undefined && c.amount === undefined)).toBe(
      true,
    );
    // A call whose approval was denied never reached the system, so the system did not refuse it.
    expect(calls.some((c) => c.approval === "denied" && c.denied)).toBe(false);
    expect(plan.flat().every((d) => d.model === "gpt-4.1-2025-04-14")).toBe(true);
  });

  it("follows the version that ran at each instant, and sends nothing while nothing is deployed", () => {
    const release = START + 5 * DAY + 12 * 3_600_000;
    const narrowed = spec({ tools: [{ system: "stripe", actions: [{ name: "charges.read", access: "read", approval: "none" }] }] });
    const plan = planTraffic(new Rng(4), days, (at) => (at < START + DAY ? null : at < release ? spec() : narrowed), EAGER);
    expect(plan[0]).toEqual([]);
    const after = plan.flat().filter((d) => d.at >= release);
    expect(after.length).toBeGreaterThan(100);
    expect(after.flatMap((d) => d.tools ?? []).every((c) => c.tool === "stripe:charges.read")).toBe(true);
    expect(
      plan
        .flat()
        .filter((d) => d.at < release)
        .some((d) => d.tools?.some((c) => c.tool === "stripe:refunds.create")),
    ).toBe(true);
  });

  it("keeps each capped counter within its cap at the end of every day, counting from the cap's own start", () => {
    const correctionsFrom = START + 7 * DAY;
    const rejectionsFrom = START + 13 * DAY;
    const plan = planTraffic(new Rng(5), days, () => spec(), EAGER, {
      corrections: { from: correctionsFrom, max: 1 },
      privilegeRejections: { from: rejectionsFrom, max: 5 },
      approvalsDenied: { from: correctionsFrom, max: 2 },
    });
    let decisions = 0;
    let corrections = 0;
    let approvals = 0;
    let denied = 0;
    let rejections = 0;
    plan.forEach((day, i) => {
      for (const d of day) {
        if (d.at >= correctionsFrom) {
          decisions++;
          corrections += d.corrected ? 1 : 0;
          approvals += (d.tools ?? []).filter((c) => c.approval).length;
          denied += (d.tools ?? []).filter((c) => c.approval === "denied").length;
        }
        if (d.at >= rejectionsFrom) rejections += (d.tools ?? []).filter((c) => c.denied).length;
      }
      if (days[i]! >= correctionsFrom) {
        expect((100 * corrections) / decisions).toBeLessThanOrEqual(1);
        expect((100 * denied) / Math.max(approvals, 1)).toBeLessThanOrEqual(2);
      }
      expect(rejections).toBeLessThanOrEqual(5);
    });
    // The caps hold the counters back, not to nothing: a correction every hundred decisions still comes.
    expect(corrections).toBeGreaterThan(0);
    expect(rejections).toBe(5);
    // Before a cap's window, nothing is read, so nothing is held back.
    const before = plan.flat().filter((d) => d.at < correctionsFrom);
    expect(before.every((d) => d.corrected)).toBe(true);
  });

  it("is the same traffic for the same seed", () => {
    const once = planTraffic(new Rng(9), days, () => spec(), EAGER);
    expect(planTraffic(new Rng(9), days, () => spec(), EAGER)).toEqual(once);
    expect(planTraffic(new Rng(10), days, () => spec(), EAGER)).not.toEqual(once);
  });

  it("names an action the spec neither grants nor forbids, and the model as a runtime reports it", () => {
    expect(ungrantedTool(spec(), "customers.delete")).toBe("stripe:customers.delete_2");
    expect(ungrantedTool(spec(), "payouts.create")).toBe("stripe:payouts.create");
    expect(answeringModel(spec({ model: { provider: "anthropic", name: "claude-haiku", version: "" } }))).toBe("claude-haiku");
  });
});
