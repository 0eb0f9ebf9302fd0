import { describe, expect, it } from "vitest";
import { claimPeriodicRun } from "./periodic";

const MINUTE = 60_000;
const T = Date.UTC(2026, 11, 1, 9, 0, 0);

/** Background jobs on several instances sharing one store: one run per period, whichever instance asks first. */
describe("periodic runs claimed once per period", () => {
  it("the first claim wins; another within the period is refused; the next period is claimed again", async () => {
    expect(await claimPeriodicRun("test:basic", 15 * MINUTE, T)).toBe(true);
    expect(await claimPeriodicRun("test:basic", 15 * MINUTE, T + 1)).toBe(false);
    expect(await claimPeriodicRun("test:basic", 15 * MINUTE, T + 14 * MINUTE)).toBe(false);
    expect(await claimPeriodicRun("test:basic", 15 * MINUTE, T + 15 * MINUTE)).toBe(true);
    // Another job is claimed on its own.
    expect(await claimPeriodicRun("test:other", 15 * MINUTE, T + 1)).toBe(true);
  });

  it("a timer that fires a little early still gets its period: 15 minutes less 5 seconds of slack", async () => {
    expect(await claimPeriodicRun("test:early", 15 * MINUTE, T)).toBe(true);
    // 14:54 after: 6 seconds early, more than the slack, not yet due.
    expect(await claimPeriodicRun("test:early", 15 * MINUTE, T + 15 * MINUTE - 6_000)).toBe(false);
    // 14:56.5 after, within the 5 seconds: due.
    expect(await claimPeriodicRun("test:early", 15 * MINUTE, T + 15 * MINUTE - 3_500)).toBe(true);
    // A one-minute job's slack is 3 seconds (a twentieth).
    expect(await claimPeriodicRun("test:minute", MINUTE, T)).toBe(true);
    expect(await claimPeriodicRun("test:minute", MINUTE, T + 56_000)).toBe(false);
    expect(await claimPeriodicRun("test:minute", MINUTE, T + 57_000)).toBe(true);
  });

  it("an instance whose clock runs behind does not run again what one ahead of it ran; a clock set back by more than a period runs", async () => {
    expect(await claimPeriodicRun("test:skew", 15 * MINUTE, T)).toBe(true);
    // Another instance, two minutes behind: the run recorded "in its future" is this period's.
    expect(await claimPeriodicRun("test:skew", 15 * MINUTE, T - 2 * MINUTE)).toBe(false);
    // A clock set back a whole day must not stop the job until that day comes round again.
    expect(await claimPeriodicRun("test:skew", 15 * MINUTE, T - 24 * 60 * MINUTE)).toBe(true);
  });

  it("of ten instances asking at once, exactly one runs", async () => {
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => claimPeriodicRun("test:race", 15 * MINUTE, T + i)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
