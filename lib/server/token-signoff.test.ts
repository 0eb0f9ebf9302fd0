import { beforeAll, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { apiTokens } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { as, attested, productionSpec, testClock } from "@/lib/testing/release-fixtures";
import { getChange, proposeChange } from "./changes";
import { hashToken, tokenCaller } from "./caller";
import { mySignoffQueue, rolesToDecide, signOff } from "./signoffs";

let db: DB;
const clock = testClock();

beforeAll(async () => {
  db = await seedDemoEstate();
});

/** A CI token that security@ created and holds. */
function tokenHeldBySecurity() {
  db.insert(apiTokens)
    .values({
      id: "tok_security_ci",
      name: "security-ci",
      tokenHash: hashToken("cs_security_ci"),
      scopes: ["read", "changes:write"],
      createdById: "usr_security",
      createdAt: TEST_UNTIL,
    })
    .run();
  return tokenCaller("cs_security_ci")!;
}

describe("separation of duties follows the person behind a token", () => {
  it("the token's holder cannot sign the change it proposed, nor is asked to; other signers can", () => {
    const ci = tokenHeldBySecurity();
    const spec = productionSpec("refund-assistant");
    spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit = { amount: 900, unit: "USD" };
    const change = proposeChange(
      ci,
      { agent: "refund-assistant", title: "Limit 900 from CI", spec, ...attested, submit: true },
      clock.next(),
    );
    expect(change.signoffs.map((s) => s.role)).toContain("security");

    const holder = as("security@countersign.test");
    const error = errorOf(() => signOff(holder, change.id, { role: "security", decision: "approve" }, clock.next()));
    expect(error.code).toBe("forbidden");
    expect(error.message).toMatch(/API token you hold: nobody signs their own change/);
    expect(getChange(holder, change.id).signoffs.find((s) => s.role === "security")!.status).toBe("pending");

    // Nor is the holder asked: the change is neither in their queue nor offered on its page.
    expect(mySignoffQueue(holder).map((q) => q.changeId)).not.toContain(change.id);
    expect(rolesToDecide(holder, getChange(holder, change.id))).toEqual([]);

    // Someone else in the same role still signs it.
    const owner = as("owner@countersign.test");
    expect(rolesToDecide(owner, getChange(owner, change.id))).toEqual(["workflow_owner"]);
    signOff(owner, change.id, { role: "workflow_owner", decision: "approve" }, clock.next());
    expect(getChange(owner, change.id).signoffs.find((s) => s.role === "workflow_owner")!.status).toBe("approved");
  });
});
