import { beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "@/db";
import { apiTokens } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { as, attested, productionSpec, testClock } from "@/lib/testing/release-fixtures";
import { getChange, proposeChange } from "./changes";
import { hashToken, tokenCaller } from "./caller";
import { mySignoffQueue, rolesToDecide, signOff } from "./signoffs";

const clock = testClock();

beforeAll(async () => {
  await seedDemoEstate();
});

/** A CI token that security@ created and holds. */
async function tokenHeldBySecurity() {
  await withTransaction(async (tx) => {
    await tx.insert(apiTokens).values({
      id: "tok_security_ci",
      name: "security-ci",
      tokenHash: hashToken("cs_security_ci"),
      scopes: ["read", "changes:write"],
      createdById: "usr_security",
      createdAt: TEST_UNTIL,
    });
  });
  return (await tokenCaller("cs_security_ci"))!;
}

describe("separation of duties follows the person behind a token", () => {
  it("the token's holder cannot sign the change it proposed, nor is asked to; other signers can", async () => {
    const ci = await tokenHeldBySecurity();
    const spec = await productionSpec("refund-assistant");
    spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit = { amount: 900, unit: "USD" };
    const change = await proposeChange(
      ci,
      { agent: "refund-assistant", title: "Limit 900 from CI", spec, ...attested, submit: true },
      clock.next(),
    );
    expect(change.signoffs.map((s) => s.role)).toContain("security");

    const holder = await as("security@countersign.test");
    const error = await errorOf(() => signOff(holder, change.id, { role: "security", decision: "approve" }, clock.next()));
    expect(error.code).toBe("forbidden");
    expect(error.message).toMatch(/API token you hold: nobody signs their own change/);
    expect((await getChange(holder, change.id)).signoffs.find((s) => s.role === "security")!.status).toBe("pending");

    // Nor is the holder asked: the change is neither in their queue nor offered on its page.
    expect((await mySignoffQueue(holder)).map((q) => q.changeId)).not.toContain(change.id);
    expect(await rolesToDecide(holder, await getChange(holder, change.id))).toEqual([]);

    // Someone else in the same role still signs it.
    const owner = await as("owner@countersign.test");
    expect(await rolesToDecide(owner, await getChange(owner, change.id))).toEqual(["workflow_owner"]);
    await signOff(owner, change.id, { role: "workflow_owner", decision: "approve" }, clock.next());
    expect((await getChange(owner, change.id)).signoffs.find((s) => s.role === "workflow_owner")!.status).toBe("approved");
  });
});
