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

function expectCountsMatchLists(now: number) {
  for (const person of DEMO_USERS) {
    const caller = as(person.email);
    const queue = mySignoffQueue(caller);
    expect(mySignoffCounts(caller), person.email).toEqual({
      waiting: queue.length,
      retro: queue.filter((q) => q.retroDueAt !== null).length,
    });
    expect(overdueRetroSignoffCount(caller, now), person.email).toBe(
      openRetroSignoffs(caller, {}, now).filter((r) => r.status === "overdue").length,
    );
  }
}

/** An emergency release of a limit raise, approved by security only: the other owners sign afterwards. */
function emergencyRelease(amount: number) {
  const change = limitRaise(amount, clock.next(), { emergency: { justification } });
  signOff(as("security@countersign.test"), change.id, { role: "security", decision: "approve" }, clock.next());
  promote(as("engineer2@countersign.test"), change.id, { environment: "development" }, clock.next());
  promote(as("engineer2@countersign.test"), change.id, { environment: "staging" }, clock.next());
  stagingEval("refund-assistant", change.specHash!, clock.next());
  const releasedAt = clock.next();
  promote(ops(), change.id, { environment: "production" }, releasedAt);
  return { change, releasedAt };
}

describe("the navigation's counts", () => {
  it("equal the sign-off queue and the open retro sign-offs for every demo person on the demo estate", () => {
    expectCountsMatchLists(clock.next());
  });

  it("follow an emergency release through its deadline, a rejection and a completed retro sign-off", () => {
    const before = overdueRetroSignoffCount(ops(), clock.next());
    const { change, releasedAt } = emergencyRelease(910);
    expect(mySignoffCounts(as("owner@countersign.test")).retro).toBeGreaterThanOrEqual(1);
    // Pending within the deadline: waiting, not overdue.
    expect(overdueRetroSignoffCount(ops(), releasedAt + HOUR)).toBe(before);
    expectCountsMatchLists(releasedAt + HOUR);
    // Past it: overdue.
    const late = releasedAt + 49 * HOUR;
    expect(overdueRetroSignoffCount(ops(), late)).toBe(before + 1);
    expectCountsMatchLists(late);
    // Signed in full: neither waiting nor overdue.
    for (const [email, role] of [
      ["owner@countersign.test", "workflow_owner"],
      ["engineer2@countersign.test", "engineering"],
      ["ops@countersign.test", "operations"],
    ] as const) {
      if (getPending(change.id, role)) signOff(as(email), change.id, { role, decision: "approve" }, clock.next());
    }
    expect(overdueRetroSignoffCount(ops(), late)).toBe(before);
    expectCountsMatchLists(late);

    // Refused afterwards: listed as rejected, never counted as overdue.
    const refused = emergencyRelease(920);
    signOff(
      as("owner@countersign.test"),
      refused.change.id,
      { role: "workflow_owner", decision: "reject", comment: "Too high" },
      clock.next(),
    );
    const after = refused.releasedAt + 49 * HOUR;
    expect(openRetroSignoffs(ops(), {}, after).find((r) => r.changeId === refused.change.id)?.status).toBe("rejected");
    expect(overdueRetroSignoffCount(ops(), after)).toBe(before);
    expectCountsMatchLists(after);
  });

  it("a page of the queue is a slice of the whole queue, in the same order", () => {
    const security = as("security@countersign.test");
    const all = mySignoffQueue(security);
    const pages = [1, 2, 3].flatMap((page) => mySignoffQueue(security, { page, pageSize: 2 }));
    expect(pages).toEqual(all.slice(0, 6));
  });
});

function getPending(changeId: string, role: string): boolean {
  return openRetroSignoffs(ops(), {}, clock.next()).some((r) => r.changeId === changeId && r.waitingOn.includes(role as never));
}
