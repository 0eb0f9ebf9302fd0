import { eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, type DB } from "@/db";
import { breaches, incidents } from "@/db/schema";
import * as evidenceRoute from "@/app/api/v1/evidence/route";
import { decodeJsonExport } from "@/lib/otlp/decode";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { expectSameTotals } from "@/lib/testing/evidence-totals";
import { otlpJson, recordSpans, type Decision } from "@/lib/testing/otel-spans";
import { approveAll, as, HOUR, limitRaise, productionSpec, releaseApproved, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import type { Caller } from "./caller";
import { evidencePack, evidencePage, type EvidenceRelease } from "./evidence";
import type { ReleaseBreach } from "./evidence-breaches";
import { agentRuntime } from "./runtime-evidence";
import { ingestTraces } from "./runtime-ingest";

/**
 * Runtime breaches in the evidence pack: each breach record of a release's version in production is listed
 * under that release (what, when, how often, its incident, whether it cleared) and is an exception of it,
 * in the pack, its pages and totals, and the API's JSON and CSV.
 */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

const MINUTE = 60_000;
let db: DB;
const clock = testClock();
const auditor = () => as("auditor@countersign.test");
const refunds = { agent: "refund-assistant" };
const PRODUCTION = { "deployment.environment.name": "production", "countersign.agent": "refund-assistant" };

let exporter: Caller;
let released: { id: string; deployedAt: number; version: number };
let previous: EvidenceRelease;
/** The highest breach number before this file's first breach: the next ones follow it. */
let before = 0;
/** The approved model, as the runtime reports it when it answers: no drift here. */
let model = "";

beforeAll(async () => {
  db = await seedDemoEstate();
  exporter = await tokenWith(db, "runtime-exporter", ["evidence:write"]);
  await tokenWith(db, "breach-reader", ["read"]);
  // The spec refund-assistant runs after this release: stripe:refunds.create up to 75 USD with approval, customers.delete forbidden.
  const change = await limitRaise(75, clock.next());
  await approveAll(change.id, clock);
  const deployment = await releaseApproved(change.id, clock);
  released = { id: deployment.id, deployedAt: deployment.deployedAt, version: deployment.version };
  const approved = (await productionSpec("refund-assistant")).model;
  model = `${approved.name}-${approved.version}`;
  const earlier = (await evidencePack(await auditor(), { from: 0, to: released.deployedAt, ...refunds }, clock.peek())).releases;
  previous = earlier.reduce((a, b) => (b.deployment.deployedAt > a.deployment.deployedAt ? b : a));
  before = (await first(db.select({ n: sql<number>`COALESCE(MAX(${breaches.number}), 0)` }).from(breaches)))!.n;
});

/** What a runtime exporter sends: the spans, as the OpenTelemetry SDK's own OTLP/JSON serialiser writes them. */
async function ingest(decisions: Decision[], now: number) {
  return await ingestTraces(exporter, decodeJsonExport(otlpJson(recordSpans(PRODUCTION, decisions))), now);
}

/** The pack of exactly one release: the instant it was deployed; its totals, counted by the database, agree. */
async function releaseAt(deployedAt: number, now: number): Promise<EvidenceRelease> {
  const range = { from: deployedAt, to: deployedAt + 1, ...refunds };
  const pack = await evidencePack(await auditor(), range, now);
  expect(pack.releases).toHaveLength(1);
  expectSameTotals(pack.releases[0]!, (await evidencePage(await auditor(), range, {}, now)).totals);
  return pack.releases[0]!;
}

const utc = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
const iso = (t: number) => new Date(t).toISOString();

/** Times of the spans sent below (recordSpans starts a decision's i-th tool call at its time + 11 + i ms). */
const sent = { first: 0, second: 0, authorityNow: 0, harmNow: 0, clearNow: 0 };
let incidentId = "";
let forbidden: ReleaseBreach;
let limit: ReleaseBreach;

describe("a released version that breaks its grants in production", () => {
  it("is listed under its release, each breach with its number, kind, action, times, occurrences and incident", async () => {
    const quiet = await releaseAt(released.deployedAt, clock.peek());
    expect(quiet.breaches).toEqual([]);
    expect(quiet.exceptions.some((e) => e.kind === "runtime_breach")).toBe(false);

    sent.first = clock.next(HOUR);
    sent.second = sent.first + 30 * MINUTE;
    sent.authorityNow = clock.next(HOUR);
    const result = await ingest(
      [
        {
          at: sent.first,
          model,
          tools: [{ tool: "stripe:customers.delete" }, { tool: "stripe:refunds.create", approval: "granted", amount: 100 }],
        },
        { at: sent.second, model, tools: [{ tool: "stripe:customers.delete" }] },
      ],
      sent.authorityNow,
    );
    expect(result.rejected).toEqual([]);

    // One sev2 incident on the release's deployment (policy runtime.authorityBreachIncident); the second breach joined it.
    const opened = await db.select().from(incidents).where(eq(incidents.deploymentId, released.id));
    expect(opened).toHaveLength(1);
    incidentId = opened[0]!.id;
    const incident = { id: incidentId, severity: "sev2", title: opened[0]!.title, resolvedAt: null };
    expect(incident.title).toMatch(new RegExp(`^BR-${before + 1}: forbidden action on v${released.version} — `));

    const release = await releaseAt(released.deployedAt, sent.authorityNow);
    [forbidden, limit] = release.breaches as [ReleaseBreach, ReleaseBreach];
    expect(release.breaches).toEqual([
      {
        number: `BR-${before + 1}`,
        kind: "forbidden_action",
        label: "forbidden action",
        action: "stripe:customers.delete",
        metric: null,
        detail: "stripe:customers.delete is forbidden",
        firstAt: sent.first + 11,
        lastAt: sent.second + 11,
        occurrences: 2,
        value: null,
        threshold: null,
        clearedAt: null,
        trace: expect.stringMatching(/^[0-9a-f]{32}$/),
        incident,
      },
      {
        number: `BR-${before + 2}`,
        kind: "limit_exceeded",
        label: "limit exceeded",
        action: "stripe:refunds.create",
        metric: null,
        detail: "stripe:refunds.create moved 100 USD, above its limit of 75 USD",
        firstAt: sent.first + 12,
        lastAt: sent.first + 12,
        occurrences: 1,
        value: null,
        threshold: null,
        clearedAt: null,
        trace: forbidden.trace,
        incident,
      },
    ]);
    // The incident is also the release's own, suspected of its deployment.
    expect(release.incidents.map((i) => [i.id, i.relation])).toEqual([[incidentId, "suspected"]]);
  });

  it("is an exception of that release, one per breach record, and of no other release", async () => {
    const release = await releaseAt(released.deployedAt, sent.authorityNow);
    expect(release.exceptions.filter((e) => e.kind === "runtime_breach")).toEqual([
      {
        kind: "runtime_breach",
        label: "runtime breach",
        detail:
          `BR-${before + 1} (forbidden action, stripe:customers.delete): stripe:customers.delete is forbidden; ` +
          `2 calls from ${utc(sent.first + 11)} to ${utc(sent.second + 11)}; sev2 incident, still open`,
        breach: forbidden,
      },
      {
        kind: "runtime_breach",
        label: "runtime breach",
        detail:
          `BR-${before + 2} (limit exceeded, stripe:refunds.create): stripe:refunds.create moved 100 USD, above its limit of 75 USD; ` +
          `1 call at ${utc(sent.first + 12)}; sev2 incident, still open`,
        breach: limit,
      },
    ]);
    // The pack's exceptions list names the release of each.
    const pack = await evidencePack(
      await auditor(),
      { from: released.deployedAt, to: released.deployedAt + 1, ...refunds },
      sent.authorityNow,
    );
    expect(pack.exceptions.filter((e) => e.kind === "runtime_breach").map((e) => [e.breach!.number, e.release.deploymentId])).toEqual([
      [`BR-${before + 1}`, released.id],
      [`BR-${before + 2}`, released.id],
    ]);
    // The release before ran another version: none of this is its.
    const earlier = await releaseAt(previous.deployment.deployedAt, sent.authorityNow);
    expect(earlier.breaches).toEqual([]);
    expect(earlier.exceptions.some((e) => e.kind === "runtime_breach")).toBe(false);
    // Asked for that kind only: just this release, and two such exceptions in the whole range.
    const only = await evidencePage(
      await auditor(),
      { from: 0, to: sent.authorityNow, ...refunds, exception: "runtime_breach" },
      {},
      sent.authorityNow,
    );
    expect(only.releases.map((r) => r.deployment.id)).toEqual([released.id]);
    expect(only.totals.byKind.runtime_breach).toBe(2);
  });

  it("names the same breach records as the agent's runtime evidence", async () => {
    const runtime = await agentRuntime(await auditor(), "refund-assistant", {}, sent.authorityNow);
    expect(runtime.breaches.map((b) => [b.number, b.kind, b.action, b.occurrences, b.incidentId]).sort()).toEqual([
      [`BR-${before + 1}`, "forbidden_action", "stripe:customers.delete", 2, incidentId],
      [`BR-${before + 2}`, "limit_exceeded", "stripe:refunds.create", 1, incidentId],
    ]);
  });
});

describe("a harm threshold the release crossed, then came back within", () => {
  it("is listed with its metric, value and threshold, still crossed, then cleared", async () => {
    // 20 more decisions, 5 of them corrected: 5 corrections in 22 decisions since the release, 22.7% > 20%.
    sent.harmNow = clock.next(HOUR);
    const corrected = Array.from({ length: 20 }, (_, i): Decision => ({
      at: sent.harmNow - 30 * MINUTE + i * MINUTE,
      model,
      corrected: i < 5,
    }));
    expect((await ingest(corrected, sent.harmNow)).rejected).toEqual([]);
    const crossed = (await releaseAt(released.deployedAt, sent.harmNow)).breaches.find((b) => b.kind === "harm_threshold");
    const harm = {
      number: `BR-${before + 3}`,
      kind: "harm_threshold",
      label: "harm threshold",
      action: null,
      metric: "corrections_rate",
      detail: "corrections_rate is 22.73, past its threshold (corrections_rate > 20 over 7d)",
      firstAt: sent.harmNow,
      lastAt: sent.harmNow,
      occurrences: 1,
      value: (100 * 5) / 22,
      threshold: "corrections_rate > 20 over 7d",
      clearedAt: null,
      trace: null,
      // The deployment's incident was still open: the harm breach joined it rather than open a sev3 of its own.
      incident: { id: incidentId, severity: "sev2", title: expect.any(String), resolvedAt: null },
    };
    expect(crossed).toEqual(harm);

    // 10 clean decisions: 5 in 32, 15.6%, back within.
    sent.clearNow = clock.next(HOUR);
    const clean = Array.from({ length: 10 }, (_, i): Decision => ({ at: sent.clearNow - 20 * MINUTE + i * MINUTE, model }));
    expect((await ingest(clean, sent.clearNow)).rejected).toEqual([]);
    const release = await releaseAt(released.deployedAt, sent.clearNow);
    expect(release.breaches.map((b) => b.number)).toEqual([`BR-${before + 1}`, `BR-${before + 2}`, `BR-${before + 3}`]);
    expect(release.breaches[2]).toEqual({ ...harm, clearedAt: sent.clearNow });
    expect(release.exceptions.filter((e) => e.kind === "runtime_breach").at(-1)!.detail).toBe(
      `BR-${before + 3} (harm threshold, corrections_rate): corrections_rate is 22.73, past its threshold (corrections_rate > 20 over 7d); ` +
        `crossed ${utc(sent.harmNow)}, back within ${utc(sent.clearNow)}; sev2 incident, still open`,
    );
  });
});

describe("the API's evidence pack", () => {
  async function get(query: string) {
    const request = new NextRequest(new URL(`/api/v1/evidence?${query}`, "http://countersign.test"), {
      headers: { authorization: "Bearer cs_breach-reader" },
    });
    return evidenceRoute.GET(request, { params: Promise.resolve({}) as Promise<never> });
  }
  const range = () => `from=${iso(released.deployedAt)}&to=${iso(released.deployedAt)}&agent=refund-assistant`;

  it("JSON lists the breaches under the release and as exceptions, with ISO times and the incident", async () => {
    const json = await (await get(range())).json();
    const incident = { id: incidentId, severity: "sev2", title: expect.any(String), resolvedAt: null };
    const first = {
      number: `BR-${before + 1}`,
      kind: "forbidden_action",
      label: "forbidden action",
      action: "stripe:customers.delete",
      metric: null,
      detail: "stripe:customers.delete is forbidden",
      firstAt: iso(sent.first + 11),
      lastAt: iso(sent.second + 11),
      occurrences: 2,
      value: null,
      threshold: null,
      clearedAt: null,
      trace: forbidden.trace,
      incident,
    };
    expect(json.releases).toHaveLength(1);
    expect(json.releases[0].breaches).toEqual([
      first,
      expect.objectContaining({ number: `BR-${before + 2}`, kind: "limit_exceeded", occurrences: 1, firstAt: iso(sent.first + 12) }),
      expect.objectContaining({
        number: `BR-${before + 3}`,
        kind: "harm_threshold",
        metric: "corrections_rate",
        action: null,
        value: (100 * 5) / 22,
        clearedAt: iso(sent.clearNow),
      }),
    ]);
    const exceptions = json.exceptions.filter((e: { kind: string }) => e.kind === "runtime_breach");
    expect(exceptions.map((e: { breach: { number: string } }) => e.breach.number)).toEqual([
      `BR-${before + 1}`,
      `BR-${before + 2}`,
      `BR-${before + 3}`,
    ]);
    expect(exceptions[0]).toEqual({
      kind: "runtime_breach",
      label: "runtime breach",
      detail: expect.stringMatching(new RegExp(`^BR-${before + 1} \\(forbidden action, stripe:customers\\.delete\\)`)),
      breach: first,
      change: expect.stringMatching(/^CR-\d+$/),
      agent: "refund-assistant",
      deploymentId: released.id,
      deployedAt: iso(released.deployedAt),
    });
    expect(json.releases[0].exceptions.filter((e: { kind: string }) => e.kind === "runtime_breach")).toHaveLength(3);
    // The page of the same range counts them too.
    const page = await (await get(`${range()}&size=10`)).json();
    expect(page.totals.byKind.runtime_breach).toBe(3);
  });

  it("CSV has a runtime_breaches column: each breach's number, kind, action or metric, count or value, times and incident", async () => {
    const csv = (await (await get(`${range()}&format=csv`)).text()).trimEnd().split("\r\n");
    const header = csv.findIndex((l) => l.startsWith("change,"));
    const columns = csv[header]!.split(",");
    expect(columns.slice(-3)).toEqual(["incidents", "runtime_breaches", "drift"]);
    expect(csv).toHaveLength(header + 2);
    const row = csv[header + 1]!;
    expect(row).toContain("runtime breach: BR-");
    const cell = [
      `BR-${before + 1} forbidden action stripe:customers.delete ×2 ${iso(sent.first + 11)}–${iso(sent.second + 11)} incident sev2 open ${incidentId}`,
      `BR-${before + 2} limit exceeded stripe:refunds.create ×1 ${iso(sent.first + 12)} incident sev2 open ${incidentId}`,
      `BR-${before + 3} harm threshold corrections_rate = ${(100 * 5) / 22} (corrections_rate > 20 over 7d) ${iso(sent.harmNow)} ` +
        `cleared ${iso(sent.clearNow)} incident sev2 open ${incidentId}`,
    ].join("; ");
    // No comma or quote in the cell, so it is written as is, just before the (empty) drift cell.
    expect(row.endsWith(`,${cell},`)).toBe(true);
  });
});
