import { describe, expect, it } from "vitest";
import { driftMetrics, durationInWords } from "./drift-metrics";

const H = 3_600_000;
const D = 24 * H;
const WEEK = 7 * D;
const now = Date.UTC(2026, 2, 1);

describe("driftMetrics", () => {
  it("counts open drift, averages the resolved durations and the share of production observed within the setting", () => {
    const m = driftMetrics(
      {
        open: 2,
        // Three records closed: 2 h, 10 h and 3 days → 84 h in all, 28 h on average.
        resolved: { count: 3, totalMs: 2 * H + 10 * H + 72 * H },
        // Observed 1 day ago and exactly 7 days ago (still fresh); 8 days ago and never are unobserved.
        lastObservedInProduction: [now - D, now - WEEK, now - 8 * D, null],
      },
      WEEK,
      now,
    );
    expect(m).toEqual({ open: 2, meanTimeToResolveMs: 28 * H, resolvedCount: 3, observedShare: 0.5, productionAgents: 4 });
  });

  it("has no mean when nothing was resolved, and no share when nothing runs in production", () => {
    expect(driftMetrics({ open: 0, resolved: { count: 0, totalMs: 0 }, lastObservedInProduction: [] }, WEEK, now)).toEqual({
      open: 0,
      meanTimeToResolveMs: null,
      resolvedCount: 0,
      observedShare: null,
      productionAgents: 0,
    });
  });

  it("one agent in three observed is a third", () => {
    expect(
      driftMetrics({ open: 0, resolved: { count: 1, totalMs: 90_000 }, lastObservedInProduction: [now, null, null] }, WEEK, now),
    ).toMatchObject({
      meanTimeToResolveMs: 90_000,
      observedShare: 1 / 3,
    });
  });
});

describe("durationInWords", () => {
  it.each([
    [0, "0 minutes"],
    [60_000, "1 minute"],
    [45 * 60_000, "45 minutes"],
    [59 * 60_000 + 40_000, "1 hour"],
    [5 * H + 10 * 60_000, "5 hours"],
    [47 * H, "47 hours"],
    [48 * H, "2 days"],
    [3 * D + 4 * H + 20 * 60_000, "3 days 4 hours"],
    [9 * D + 23 * H, "9 days 23 hours"],
    [12 * D + 5 * H, "12 days"],
    [12 * D + 13 * H, "13 days"],
  ])("%d ms is %s", (ms, words) => {
    expect(durationInWords(ms)).toBe(words);
  });
});
