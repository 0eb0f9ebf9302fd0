import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_USERS } from "@/db/seed/estate";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, HOUR, limitRaise, stagingEval, testClock } from "@/lib/testing/release-fixtures";
import { promote } from "./promotion";
import { openRetroSignoffs, overdueRetroSignoffCount } from "./retro-signoffs";
import { mySignoffCounts, mySignoffQueue, signOff } from "./signoffs";

/*
 * The navigation's badges are counted by one query each instead of loading the lists they count:
 * on every page, for everyone. They must say exactly what the lists say.
 */

const clock = testClock();
const ops = () => as("ops@countersign.test");
const justification = "Refunds over 50 USD are failing for every customer since the card-network outage.";

beforeAll(async () => {
  await seedDemoEstate();
});

async function expectCountsMatchLists(now: number) {
  for (const person of DEMO_USERS) {
    const caller = await as(person.email);
    const queue = await mySignoffQueue(caller);
    expect(await mySignoffCounts(caller), person.email).toEqual({
      waiting: queue.length,
      retro: queue.filter((q) => q.retroDueAt !== null).length,
    });
    expect(await overdueRetroSignoffCount(caller, now), person.email).toBe(
      (await openRetroSignoffs(caller, {}, now)).filter((r) => r.status === "overdue").length,
    );
  }
}

/** An emergency release of a limit raise, approved by security only: the other owners sign afterwards. */
async function emergencyRelease(amount: number) {
  const change = await limitRaise(amount, clock.next(), { emergency: { justification } });
  await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
  await promote(await as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
  await promote(await as("engineer2@countersign.test"), change.id, { environment: "staging" }, clock.next());
  await stagingEval("refund-assistant", change.specHash!, clock.next());
  const releasedAt = clock.next();
  await promote(await ops(), change.id, { environment: "production" }, releasedAt);
  return { change, releasedAt };
}

describe("the navigation's counts", () => {
  it("equal the sign-off queue and the open retro sign-offs for every demo person on the demo estate", async () => {
    await expectCountsMatchLists(clock.next());
  });

  it("follow an emergency release through its deadline, a rejection and a completed retro sign-off", async () => {
    const before = await overdueRetroSignoffCount(await ops(), clock.next());
    const { change, releasedAt } = await emergencyRelease(910);
    expect((await mySignoffCounts(await as("owner@countersign.test"))).retro).toBeGreaterThanOrEqual(1);
    // Pending within the deadline: waiting, not overdue.
    expect(await overdueRetroSignoffCount(await ops(), releasedAt + HOUR)).toBe(before);
    await expectCountsMatchLists(releasedAt + HOUR);
    // Past it: overdue.
    const late = releasedAt + 49 * HOUR;
    expect(await overdueRetroSignoffCount(await ops(), late)).toBe(before + 1);
    await expectCountsMatchLists(late);
    // Signed in full: neither waiting nor overdue.
    for (const [email, role] of [
      ["owner@countersign.test", "workflow_owner"],
      ["engineer2@countersign.test", "engineering"],
      ["ops@countersign.test", "operations"],
    ] as const) {
      if (await getPending(change.id, role)) await signOff(await as(email), change.id, { role, decision: "approve" }, clock.next());
    }
    expect(await overdueRetroSignoffCount(await ops(), late)).toBe(before);
    await expectCountsMatchLists(late);

    // Refused afterwards: listed as rejected, never counted as overdue.
    const refused = await emergencyRelease(920);
    await signOff(
      await as("owner@countersign.test"),
      refused.change.id,
      { role: "workflow_owner", decision: "reject", comment: "Too high" },
      clock.next(),
    );
    const after = refused.releasedAt + 49 * HOUR;
    expect((await openRetroSignoffs(await ops(), {}, after)).find((r) => r.changeId === refused.change.id)?.status).toBe("rejected");
    expect(await overdueRetroSignoffCount(await ops(), after)).toBe(before);
    await expectCountsMatchLists(after);
  });

  it("a page of the queue is a slice of the whole queue, in the same order", async () => {
    const security = await as("security@countersign.test");
    const all = await mySignoffQueue(security);
    const pages: typeof all = [];
    for (const page of [1, 2, 3]) pages.push(...(await mySignoffQueue(security, { page, pageSize: 2 })));
    expect(pages).toEqual(all.slice(0, 6));
  });
});

async function getPending(changeId: string, role: string): Promise<boolean> {
  return (await openRetroSignoffs(await ops(), {}, clock.next())).some(
    (r) => r.changeId === changeId && r.waitingOn.includes(role as never),
  );
}
