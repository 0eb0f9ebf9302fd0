import { beforeAll, describe, expect, it, vi } from "vitest";
import type { DB } from "@/db";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, productionSpec, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { lastProductionObservation } from "./drift";
import { recordObservation } from "./observations";

/** What the agent page says about when production was last observed, and from where. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const clock = testClock();
const auditor = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("last observed in production", () => {
  it("an agent nobody has observed was never observed, and another environment's observation does not count", async () => {
    expect(await lastProductionObservation(await auditor(), "call-notes-digest")).toBeNull();
    const observer = await tokenWith(db, "staging-export", ["observe"]);
    await recordObservation(
      observer,
      "call-notes-digest",
      { environment: "staging", spec: await productionSpec("call-notes-digest"), source: "staging export" },
      clock.next(),
    );
    expect(await lastProductionObservation(await auditor(), "call-notes-digest")).toBeNull();
  });

  it("the newest production observation gives the time, the source and whether it matched, whatever order they arrived in", async () => {
    const observer = await tokenWith(db, "nightly-export", ["observe"]);
    const slug = "meeting-brief-writer";
    const spec = await productionSpec(slug);
    const swapped = { ...spec, model: { ...spec.model, version: "2025-08-07" } };
    const first = clock.next();
    const second = clock.next();
    await recordObservation(observer, slug, { environment: "production", spec: swapped, source: "CI check" }, second);
    // A late report of an earlier run arrives after the newer one: it is not the last observation.
    await recordObservation(
      observer,
      slug,
      { environment: "production", spec, source: "runtime evidence", observedAt: new Date(first).toISOString() },
      clock.next(),
    );
    expect(await lastProductionObservation(await auditor(), slug)).toEqual({ observedAt: second, source: "CI check", inSync: false });
  });

  it("an unknown agent has no observation", async () => {
    expect(await lastProductionObservation(await auditor(), "no-such-agent")).toBeNull();
  });
});
