import { describe, expect, it } from "vitest";
import { retroSignoffStatus } from "./retro-signoff";

const due = Date.UTC(2026, 10, 20, 12);

describe("retro sign-off of an emergency release", () => {
  it("is not a thing for a change never released as an emergency", () => {
    expect(retroSignoffStatus(null, [{ status: "pending" }], due)).toBeNull();
  });

  it("is pending while a sign-off is open before the deadline, including at the deadline itself", () => {
    expect(retroSignoffStatus(due, [{ status: "approved" }, { status: "pending" }], due - 1)).toBe("pending");
    expect(retroSignoffStatus(due, [{ status: "pending" }], due)).toBe("pending");
  });

  it("is overdue one millisecond after the deadline with a sign-off still open", () => {
    expect(retroSignoffStatus(due, [{ status: "approved" }, { status: "pending" }], due + 1)).toBe("overdue");
  });

  it("is complete when nothing is open, late or not; dismissed sign-offs do not hold it open", () => {
    expect(retroSignoffStatus(due, [{ status: "approved" }, { status: "approved" }], due + 86_400_000)).toBe("complete");
    expect(retroSignoffStatus(due, [{ status: "approved" }, { status: "dismissed" }], due - 1)).toBe("complete");
  });

  it("is rejected when a signer refused the released change afterwards, whatever else is open", () => {
    expect(retroSignoffStatus(due, [{ status: "rejected" }, { status: "pending" }], due - 1)).toBe("rejected");
    expect(retroSignoffStatus(due, [{ status: "rejected" }, { status: "approved" }], due + 1)).toBe("rejected");
  });
});
