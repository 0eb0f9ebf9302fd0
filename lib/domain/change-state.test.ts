import { describe, expect, it } from "vitest";
import { canTransition, stateAfterDecision } from "./change-state";

const H = "hash-now";

describe("change-record transitions", () => {
  it("allows the lifecycle and nothing out of a closed state", () => {
    expect(canTransition("draft", "in_review")).toBe(true);
    expect(canTransition("draft", "approved")).toBe(true); // a standard change, on submission
    expect(canTransition("in_review", "approved")).toBe(true);
    expect(canTransition("in_review", "rejected")).toBe(true);
    expect(canTransition("in_review", "draft")).toBe(true); // changes requested
    expect(canTransition("approved", "released")).toBe(true);
    expect(canTransition("released", "rolled_back")).toBe(true);
    expect(canTransition("draft", "released")).toBe(false);
    expect(canTransition("rejected", "in_review")).toBe(false);
    expect(canTransition("withdrawn", "draft")).toBe(false);
    expect(canTransition("rolled_back", "released")).toBe(false);
  });
});

describe("stateAfterDecision", () => {
  it("one rejection rejects, whatever else stands", () => {
    expect(
      stateAfterDecision(
        "reject",
        [
          { role: "security", status: "rejected", contentHash: H },
          { role: "operations", status: "approved", contentHash: H },
        ],
        H,
      ),
    ).toBe("rejected");
  });

  it("changes requested returns the change to draft", () => {
    expect(stateAfterDecision("request_changes", [{ role: "security", status: "changes_requested", contentHash: H }], H)).toBe("draft");
  });

  it("approves only when every live sign-off is approved on the current hash", () => {
    const approved = (role: "security" | "operations", hash = H) => ({ role, status: "approved" as const, contentHash: hash });
    expect(stateAfterDecision("approve", [approved("security"), approved("operations")], H)).toBe("approved");
    expect(stateAfterDecision("approve", [approved("security"), { role: "operations", status: "pending", contentHash: null }], H)).toBe(
      "in_review",
    );
    expect(stateAfterDecision("approve", [approved("security"), approved("operations", "old-hash")], H)).toBe("in_review");
    expect(stateAfterDecision("approve", [approved("security"), { role: "operations", status: "dismissed", contentHash: "old" }], H)).toBe(
      "approved",
    );
    expect(stateAfterDecision("approve", [], H)).toBe("in_review");
  });
});
