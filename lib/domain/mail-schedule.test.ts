import { describe, expect, it } from "vitest";
import { digestDue, GIVE_UP_AFTER_MS, latestDigestSlot, nextAttemptAfterFailure, retryDelay } from "./mail-schedule";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MONDAY = Date.UTC(2026, 2, 2);

describe("retrying a failed email", () => {
  it("waits a minute, then twice as long each time, never more than four hours", () => {
    expect([1, 2, 3, 4, 5, 8, 9, 10, 40].map(retryDelay)).toEqual([
      MIN,
      2 * MIN,
      4 * MIN,
      8 * MIN,
      16 * MIN,
      128 * MIN,
      4 * HOUR,
      4 * HOUR,
      4 * HOUR,
    ]);
  });

  it("refuses a nonsense count of failures", () => {
    expect(() => retryDelay(0)).toThrow(RangeError);
    expect(() => retryDelay(1.5)).toThrow(RangeError);
  });

  it("gives up once the next try would fall more than a day after the email was queued", () => {
    expect(nextAttemptAfterFailure({ queuedAt: MONDAY, failures: 1 }, MONDAY)).toBe(MONDAY + MIN);
    expect(nextAttemptAfterFailure({ queuedAt: MONDAY, failures: 9 }, MONDAY + 20 * HOUR)).toBe(MONDAY + GIVE_UP_AFTER_MS);
    expect(nextAttemptAfterFailure({ queuedAt: MONDAY, failures: 10 }, MONDAY + 20 * HOUR + 1)).toBeNull();
  });

  it("a day of failures is about a dozen attempts, not hundreds", () => {
    let now = MONDAY;
    let failures = 0;
    for (;;) {
      failures++;
      const next = nextAttemptAfterFailure({ queuedAt: MONDAY, failures }, now);
      if (next === null) break;
      now = next;
    }
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(16);
  });
});

describe("when the daily digest is due", () => {
  it("the latest slot is today at the hour, or yesterday's before it", () => {
    expect(latestDigestSlot(MONDAY + 9 * HOUR, 8)).toBe(MONDAY + 8 * HOUR);
    expect(latestDigestSlot(MONDAY + 8 * HOUR, 8)).toBe(MONDAY + 8 * HOUR);
    expect(latestDigestSlot(MONDAY + 7 * HOUR, 8)).toBe(MONDAY - DAY + 8 * HOUR);
    expect(() => latestDigestSlot(MONDAY, 24)).toThrow(RangeError);
  });

  it("is due once per day at the hour, and caught up once after missed days", () => {
    const chose = MONDAY + 10 * HOUR;
    expect(digestDue(chose, 8, MONDAY + 23 * HOUR)).toBe(false);
    expect(digestDue(chose, 8, MONDAY + DAY + 8 * HOUR - 1)).toBe(false);
    expect(digestDue(chose, 8, MONDAY + DAY + 8 * HOUR)).toBe(true);
    const sent = MONDAY + DAY + 8 * HOUR;
    expect(digestDue(sent, 8, sent + 15 * HOUR)).toBe(false);
    // The server was down for three days: one digest when it is back.
    expect(digestDue(sent, 8, sent + 3 * DAY + 5 * HOUR)).toBe(true);
  });
});
