import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { changeContentHash, type AttestedFields } from "./change-content";

const SPEC_HASH = "44ea6790ee7d3608bd9c94deff2ba693da7be47d4caf1d1d8fa62cb531fd39be";
const OTHER_SPEC_HASH = "b0c7931e5ebaea40d51ea24479c81c9ec9678136d1f67ae4c030a45d222649b0";

function fields(): AttestedFields {
  return {
    title: "Raise refund limit to 500 USD",
    rationale: "Tier-2 agents escalate most refunds between 50 and 500 USD.",
    roleImpacts: [{ role: "Tier-2 support", change: "fewer manual refunds" }],
    harmMetrics: [{ name: "refund reversal rate", comparator: ">", threshold: 2, window: "7d" }],
    evidence: { prUrl: "https://git.example.com/pr/12", evalReportUrl: "https://ci.example.com/evals/88" },
    rollbackPlan: "Redeploy v3 to production.",
    rollbackOwnerId: "u_olga",
    monitoring: "Refunds dashboard, reversal-rate alert",
    emergency: false,
    emergencyJustification: null,
  };
}

describe("changeContentHash", () => {
  it("is SHA-256 of the spec hash, a newline and the canonical attested fields, computed independently", () => {
    const canonical =
      '{"emergency":false,"emergencyJustification":null,' +
      '"evidence":{"evalReportUrl":"https://ci.example.com/evals/88","prUrl":"https://git.example.com/pr/12"},' +
      '"harmMetrics":[{"comparator":">","name":"refund reversal rate","threshold":2,"window":"7d"}],' +
      '"monitoring":"Refunds dashboard, reversal-rate alert",' +
      '"rationale":"Tier-2 agents escalate most refunds between 50 and 500 USD.",' +
      '"roleImpacts":[{"change":"fewer manual refunds","role":"Tier-2 support"}],' +
      '"rollbackOwnerId":"u_olga","rollbackPlan":"Redeploy v3 to production.","title":"Raise refund limit to 500 USD"}';
    const expected = createHash("sha256").update(`${SPEC_HASH}\n${canonical}`, "utf8").digest("hex");
    expect(changeContentHash(SPEC_HASH, fields())).toBe(expected);
  });

  it("is a 64-character hex digest", () => {
    expect(changeContentHash(SPEC_HASH, fields())).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when the proposed spec changes, so sign-offs on the old spec go stale", () => {
    expect(changeContentHash(OTHER_SPEC_HASH, fields())).not.toBe(changeContentHash(SPEC_HASH, fields()));
  });

  const edits: [string, (f: AttestedFields) => void][] = [
    ["title", (f) => (f.title = "Raise refund limit to 5000 USD")],
    ["rationale", (f) => (f.rationale += " ")],
    ["a role impact", (f) => (f.roleImpacts = [{ role: "Tier-2 support", change: "no manual refunds" }])],
    ["a role impact added", (f) => f.roleImpacts.push({ role: "Finance", change: "reviews reversals weekly" })],
    ["a harm metric threshold", (f) => (f.harmMetrics = [{ name: "refund reversal rate", comparator: ">", threshold: 5, window: "7d" }])],
    ["a harm metric removed", (f) => (f.harmMetrics = [])],
    ["the evidence", (f) => (f.evidence = { ...f.evidence, evalReportUrl: "https://ci.example.com/evals/89" })],
    ["the rollback plan", (f) => (f.rollbackPlan = "Disable the agent.")],
    ["the rollback owner", (f) => (f.rollbackOwnerId = "u_mallory")],
    ["the rollback owner removed", (f) => (f.rollbackOwnerId = null)],
    ["the monitoring", (f) => (f.monitoring = "")],
    ["the emergency flag", (f) => (f.emergency = true)],
    ["the emergency justification", (f) => (f.emergencyJustification = "Refunds are failing for all customers")],
  ];

  it.each(edits)("changes when %s changes", (_what, edit) => {
    const edited = fields();
    edit(edited);
    expect(changeContentHash(SPEC_HASH, edited)).not.toBe(changeContentHash(SPEC_HASH, fields()));
  });

  it("does not change when the fields or their nested objects are written in another key order", () => {
    const f = fields();
    const reordered: AttestedFields = {
      emergencyJustification: f.emergencyJustification,
      emergency: f.emergency,
      monitoring: f.monitoring,
      rollbackOwnerId: f.rollbackOwnerId,
      rollbackPlan: f.rollbackPlan,
      evidence: { evalReportUrl: "https://ci.example.com/evals/88", prUrl: "https://git.example.com/pr/12" },
      harmMetrics: [{ window: "7d", threshold: 2, comparator: ">", name: "refund reversal rate" }],
      roleImpacts: [{ change: "fewer manual refunds", role: "Tier-2 support" }],
      rationale: f.rationale,
      title: f.title,
    };
    expect(changeContentHash(SPEC_HASH, reordered)).toBe(changeContentHash(SPEC_HASH, f));
  });
});
