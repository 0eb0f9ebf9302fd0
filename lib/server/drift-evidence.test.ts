import Database from "better-sqlite3";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sqliteConnection, type DB } from "@/db";
import * as doraRoute from "@/app/api/v1/metrics/dora/route";
import * as evidenceRoute from "@/app/api/v1/evidence/route";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { expectSameTotals } from "@/lib/testing/evidence-totals";
import { testStore } from "@/lib/testing/test-store";
import { approveAll, as, DAY, limitRaise, productionSpec, releaseApproved, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { evidencePack, evidencePage, type EvidenceRelease } from "./evidence";
import { doraReport } from "./metrics";
import { recordObservation } from "./observations";

/** Drift in the evidence pack (a release that drifted is an exception) and beside the DORA numbers. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

const HOUR = 3_600_000;
let db: DB;
const clock = testClock();
const auditor = () => as("auditor@countersign.test");
const leader = () => as("leader@countersign.test");
const refunds = { agent: "refund-assistant" };

let released: { id: string; deployedAt: number; version: number };
let previousRelease: EvidenceRelease;
let openedAt: number;

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "drift-reader", ["read"]);
  const change = await limitRaise(75, clock.next());
  await approveAll(change.id, clock);
  const deployment = await releaseApproved(change.id, clock);
  released = { id: deployment.id, deployedAt: deployment.deployedAt, version: deployment.version };
  // The release before it, whose watch ended when this one was deployed.
  const before = (await evidencePack(await auditor(), { from: 0, to: released.deployedAt, ...refunds }, clock.peek())).releases;
  previousRelease = before.reduce((a, b) => (b.deployment.deployedAt > a.deployment.deployedAt ? b : a));
});

/** The pack of exactly one release: the instant it was deployed. */
async function releaseAt(deployedAt: number, now: number): Promise<EvidenceRelease> {
  const range = { from: deployedAt, to: deployedAt + 1, ...refunds };
  const pack = await evidencePack(await auditor(), range, now);
  expect(pack.releases).toHaveLength(1);
  expectSameTotals(pack.releases[0]!, (await evidencePage(await auditor(), range, {}, now)).totals);
  return pack.releases[0]!;
}

async function get(url: string) {
  const request = new NextRequest(new URL(url, "http://countersign.test"), { headers: { authorization: "Bearer cs_drift-reader" } });
  const route = url.startsWith("/api/v1/evidence") ? evidenceRoute : doraRoute;
  return route.GET(request, { params: Promise.resolve({}) as Promise<never> });
}

describe("a released agent observed running something else", () => {
  it("is an exception of the running release: its DR label, severity and how long it has run unapproved", async () => {
    expect((await releaseAt(released.deployedAt, clock.peek())).exceptions.filter((e) => e.kind === "drift")).toEqual([]);
    const swapped = await productionSpec("refund-assistant");
    swapped.model.version = "2025-08-07";
    openedAt = clock.next(HOUR);
    const observer = await tokenWith(db, "nightly-export", ["observe"]);
    const result = await recordObservation(
      observer,
      "refund-assistant",
      { environment: "production", spec: swapped, source: "nightly export" },
      openedAt,
    );
    const drift = result.drift!;
    expect(drift).toMatchObject({ state: "open", environment: "production" });

    const now = openedAt + 3 * DAY + 4 * HOUR;
    const release = await releaseAt(released.deployedAt, now);
    const found = release.exceptions.filter((e) => e.kind === "drift");
    expect(found).toEqual([
      {
        kind: "drift",
        label: "drift in production",
        detail: expect.stringMatching(
          new RegExp(`^${drift.label} \\(${drift.severity}\\): .*still open; it ran unapproved for 3 days 4 hours$`),
        ),
        drift: { record: drift.label, severity: drift.severity, openedAt, closedAt: null, durationMs: 3 * DAY + 4 * HOUR },
      },
    ]);
    // The release before was no longer running when production drifted.
    expect((await releaseAt(previousRelease.deployment.deployedAt, now)).exceptions.some((e) => e.kind === "drift")).toBe(false);
    // Only the drifted releases, when the pack is asked for that kind.
    const only = await evidencePage(await auditor(), { from: 0, to: now, ...refunds, exception: "drift" }, { size: 50 }, now);
    expect(only.releases.map((r) => r.deployment.id)).toEqual([released.id]);
    expect(only.totals.byKind.drift).toBe(1);
  });

  it("counts as open drift beside the DORA numbers, within the filters, with its agent observed", async () => {
    const now = openedAt + HOUR;
    const { drift } = await doraReport(await leader(), refunds, now);
    expect(drift).toEqual({ open: 1, meanTimeToResolveMs: null, resolvedCount: 0, observedShare: 1, productionAgents: 1 });
    expect((await doraReport(await leader(), { agent: "call-notes-digest" }, now)).drift.open).toBe(0);
    // Its severity is read by the risk filter.
    const severity = (await evidencePack(await auditor(), { from: released.deployedAt, to: released.deployedAt + 1 }, now)).exceptions.find(
      (e) => e.kind === "drift",
    )!.drift!.severity;
    expect((await doraReport(await leader(), { ...refunds, risk: severity }, now)).drift.open).toBe(1);
    expect((await doraReport(await leader(), { ...refunds, risk: severity === "low" ? "critical" : "low" }, now)).drift.open).toBe(0);
    // Eight days without an observation: production is unobserved.
    expect((await doraReport(await leader(), refunds, openedAt + 8 * DAY)).drift.observedShare).toBe(0);
  });

  it("the API gives the exception with ISO times in JSON, NDJSON and CSV, and the metrics' drift line", async () => {
    const range = `from=${new Date(released.deployedAt).toISOString()}&to=${new Date(released.deployedAt).toISOString()}&agent=refund-assistant`;
    const json = await (await get(`/api/v1/evidence?${range}`)).json();
    const exception = json.exceptions.find((e: { kind: string }) => e.kind === "drift");
    expect(exception).toMatchObject({
      kind: "drift",
      change: expect.stringMatching(/^CR-\d+$/),
      drift: { record: expect.stringMatching(/^DR-\d+$/), openedAt: new Date(openedAt).toISOString(), closedAt: null },
    });
    expect(json.releases[0].exceptions).toContainEqual(
      expect.objectContaining({ kind: "drift", drift: { ...exception.drift, durationMs: expect.any(Number) } }),
    );
    const ndjson = (await (await get(`/api/v1/evidence?${range}&format=ndjson`)).text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(ndjson[1].exceptions).toContainEqual(
      expect.objectContaining({ kind: "drift", drift: { ...exception.drift, durationMs: expect.any(Number) } }),
    );
    const csv = (await (await get(`/api/v1/evidence?${range}&format=csv`)).text()).trimEnd().split("\r\n");
    const header = csv.findIndex((l) => l.startsWith("change,"));
    expect(csv[header]!.endsWith(",drift")).toBe(true);
    expect(csv[header + 1]).toContain("drift in production");
    expect(csv[header + 1]).toMatch(new RegExp(`,${exception.drift.record} ${exception.drift.severity} \\d+ (days|hours)`));

    const dora = await (await get("/api/v1/metrics/dora?agent=refund-assistant")).json();
    expect(dora.drift).toMatchObject({ open: 1, productionAgents: 1 });
    expect(Object.keys(dora.drift).sort()).toEqual(["meanTimeToResolveMs", "observedShare", "open", "productionAgents", "resolvedCount"]);
  });

  it("an in-sync observation closes it: the exception keeps the time it ran unapproved, and the mean time to resolve counts it", async () => {
    const closedAt = openedAt + 5 * HOUR;
    const observer = await tokenWith(db, "nightly-export-2", ["observe"]);
    const result = await recordObservation(
      observer,
      "refund-assistant",
      { environment: "production", spec: await productionSpec("refund-assistant"), source: "nightly export" },
      closedAt,
    );
    expect(result.drift).toMatchObject({ state: "closed", closedAt });

    const later = closedAt + 30 * DAY;
    const [exception] = (await releaseAt(released.deployedAt, later)).exceptions.filter((e) => e.kind === "drift");
    expect(exception!.drift).toMatchObject({ closedAt, durationMs: 5 * HOUR });
    expect(exception!.detail).toMatch(/ran unapproved for 5 hours$/);

    const { drift } = await doraReport(await leader(), refunds, closedAt + HOUR);
    expect(drift).toEqual({ open: 0, meanTimeToResolveMs: 5 * HOUR, resolvedCount: 1, observedShare: 1, productionAgents: 1 });
    // A second drift, resolved in 1 hour: the mean of 5 h and 1 h is 3 h.
    const swapped = await productionSpec("refund-assistant");
    swapped.instructions += "\nAlways be brief.";
    const second = closedAt + 2 * HOUR;
    await recordObservation(observer, "refund-assistant", { environment: "production", spec: swapped, source: "runtime" }, second);
    await recordObservation(
      observer,
      "refund-assistant",
      { environment: "production", spec: await productionSpec("refund-assistant"), source: "runtime" },
      second + HOUR,
    );
    expect((await doraReport(await leader(), refunds, second + 2 * HOUR)).drift).toMatchObject({
      open: 0,
      meanTimeToResolveMs: 3 * HOUR,
      resolvedCount: 2,
    });
    // A range that ends before either closed resolved none.
    const dayBefore = new Date(openedAt - DAY).toISOString().slice(0, 10);
    expect((await doraReport(await leader(), { ...refunds, from: dayBefore, to: dayBefore }, later)).drift).toMatchObject({
      meanTimeToResolveMs: null,
      resolvedCount: 0,
    });
  });
});

// SQLite's query plans, read with EXPLAIN QUERY PLAN on its own connection; PostgreSQL plans from statistics, its own way.
describe.skipIf(testStore === "postgres")("what the drift reads cost", () => {
  /**
   * SQLite's plan for every statement `read` prepares that reads drift records or observations, on any
   * connection: reads go to the reading connection, or to a snapshot opened for the read.
   */
  async function driftPlans(read: () => Promise<unknown>): Promise<string[]> {
    const { sqlite } = sqliteConnection();
    const prepare = sqlite.prepare.bind(sqlite);
    const seen: string[] = [];
    const original = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      seen.push(source);
      return original.call(this, source);
    } as typeof original;
    try {
      await read();
    } finally {
      Database.prototype.prepare = original;
    }
    return seen
      .filter((text) => /drift_records|observations/.test(text))
      .flatMap((text) => {
        const named = [...text.matchAll(/@(\w+)/g)].map((m) => [m[1], 1]);
        const args = named.length ? [Object.fromEntries(named)] : Array<null>(text.split("?").length - 1).fill(null);
        return (prepare(`EXPLAIN QUERY PLAN ${text}`).all(...args) as { detail: string }[]).map((row) => row.detail);
      });
  }

  it("the pack's rule and the drift line look records up by agent and state, never scanning history", async () => {
    const plans = await driftPlans(async () => {
      await evidencePage(await auditor(), { from: 0, to: clock.peek() }, { size: 20 }, clock.peek());
      await doraReport(await leader(), {}, clock.peek());
    });
    expect(plans.some((step) => /SEARCH r USING INDEX drift_records_agent_idx/.test(step))).toBe(true);
    expect(plans.filter((step) => /^SCAN (r|o|n|p|d)\b/.test(step) && !/drift_records_open_unique/.test(step))).toEqual([]);
  });
});
