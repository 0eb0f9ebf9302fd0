import { NextRequest } from "next/server";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { rows, type DB } from "@/db";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { as, tokenWith } from "@/lib/testing/release-fixtures";
import * as evidenceRoute from "@/app/api/v1/evidence/route";
import {
  decodeReleaseKey,
  evidenceBatches,
  EXCEPTION_KINDS,
  evidencePack,
  evidencePage,
  totalsInChunks,
  type EvidenceFilters,
} from "./evidence";
import { incidentsOfChange } from "./incidents";

/**
 * The pack at scale (issue 14): a page read with set-based queries and totals from aggregate queries,
 * the whole pack streamed batch by batch, and incidents found by two index lookups. Each is held to the
 * pack read all at once, over the seeded year.
 */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const auditor = () => as("auditor@countersign.test");
const year: EvidenceFilters = { from: 0, to: TEST_UNTIL };

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "evidence-reader", ["read"]);
});

/** Every page of the range, following `next` from the first. */
async function walk(filters: EvidenceFilters, size: number) {
  const pages = [];
  let after: string | null = null;
  do {
    const page = await evidencePage(await auditor(), filters, { after: decodeReleaseKey(after, "after"), size }, TEST_UNTIL);
    pages.push(page);
    after = page.page.next;
  } while (after);
  return pages;
}
const ids = (page: { releases: { deployment: { id: string } }[] }) => page.releases.map((r) => r.deployment.id);

describe("evidence pack pages", () => {
  it("totals over the whole range equal the pack read at once: releases, releases with exceptions, exceptions of each kind", async () => {
    const pack = await evidencePack(await auditor(), year, TEST_UNTIL);
    const page = await evidencePage(await auditor(), year, { size: 10 }, TEST_UNTIL);
    expect(pack.releases.length).toBeGreaterThan(100);
    expect(page.totals.releases).toBe(pack.releases.length);
    expect(page.totals.flagged).toBe(pack.releases.filter((r) => r.exceptions.length > 0).length);
    expect(page.totals.exceptions).toBe(pack.exceptions.length);
    for (const kind of EXCEPTION_KINDS) expect(page.totals.byKind[kind], kind).toBe(pack.exceptions.filter((e) => e.kind === kind).length);
    expect(EXCEPTION_KINDS.filter((kind) => page.totals.byKind[kind] > 0).length).toBeGreaterThanOrEqual(3);
    // The database's rules and exceptionsOf agree on every release: the ones it orders first are exactly those with exceptions.
    const flagged = pack.releases.map((r) => r.exceptions.length > 0);
    expect(flagged).toEqual([...flagged].sort((a, b) => Number(b) - Number(a)));
    expect(page.releases).toHaveLength(10);
    expect(page.releases).toEqual(pack.releases.slice(0, 10));
    expect(page.exceptions).toEqual(pack.exceptions.filter((e) => page.releases.some((r) => r.deployment.id === e.release.deploymentId)));
    expect(page.page).toMatchObject({ size: 10, previous: null, next: expect.stringMatching(/^[01]\.\d+\.\d+$/) });
  });

  it("totals read in small chunks, as the page reads them between other requests, add up to the same", async () => {
    const whole = (await evidencePage(await auditor(), year, { size: 1 }, TEST_UNTIL)).totals;
    const chunks = totalsInChunks(db, year, TEST_UNTIL, 7);
    let step = await chunks.next();
    let yields = 0;
    for (; !step.done; step = await chunks.next()) yields++;
    expect(yields).toBeGreaterThan(10);
    expect(step.value).toEqual(whole);
  });

  it("pages forward and backward through the pack in its order, losing and repeating nothing, across the exceptions/the rest boundary", async () => {
    const order = (await evidencePack(await auditor(), year, TEST_UNTIL)).releases.map((r) => r.deployment.id);
    for (const size of [7, 50]) {
      const pages = await walk(year, size);
      expect(pages.flatMap(ids)).toEqual(order);
      expect(pages.slice(0, -1).every((p) => p.releases.length === size)).toBe(true);
      // Each page's `previous` leads back to exactly the page before it; the first page has none.
      expect(pages[0]!.page.previous).toBeNull();
      for (let k = pages.length - 1; k > 0; k--) {
        const back = await evidencePage(
          await auditor(),
          year,
          { before: decodeReleaseKey(pages[k]!.page.previous, "before"), size },
          TEST_UNTIL,
        );
        expect(ids(back)).toEqual(ids(pages[k - 1]!));
        expect(back.page.previous === null).toBe(k === 1);
      }
    }
  });

  it("keeps the filters on every page, and refuses a boundary it did not give", async () => {
    const refunds = { ...year, agent: "refund-assistant" };
    const whole = (await evidencePack(await auditor(), refunds, TEST_UNTIL)).releases.map((r) => r.deployment.id);
    expect((await walk(refunds, 3)).flatMap(ids)).toEqual(whole);
    expect(() => decodeReleaseKey("1;DROP TABLE deployments", "after")).toThrow(/after must be a page boundary/);
  });
});

describe("the releases with one kind of exception", () => {
  it("are exactly those the pack names with it, while the totals still count the whole range", async () => {
    const pack = await evidencePack(await auditor(), year, TEST_UNTIL);
    for (const kind of EXCEPTION_KINDS) {
      const page = await evidencePage(await auditor(), { ...year, exception: kind }, { size: 500 }, TEST_UNTIL);
      const expected = pack.releases.filter((r) => r.exceptions.some((e) => e.kind === kind)).map((r) => r.deployment.id);
      expect(ids(page), kind).toEqual(expected);
      expect(page.totals.releases).toBe(pack.releases.length);
    }
  });
});

describe("the streamed pack, read over HTTP through the route handler", () => {
  async function get(query: string) {
    const request = new NextRequest(new URL(`/api/v1/evidence?${query}`, "http://countersign.test"), {
      headers: { authorization: "Bearer cs_evidence-reader" },
    });
    return evidenceRoute.GET(request, { params: Promise.resolve({}) as Promise<never> });
  }
  const range = `from=${new Date(0).toISOString()}&to=${new Date(TEST_UNTIL - 1).toISOString()}`;

  it("JSON: the pack's shape, every release once in the pack's order, every exception, the chain head", async () => {
    const pack = await evidencePack(await auditor(), year, Date.now());
    const response = await get(range);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="countersign-evidence-1970-01-01-to-/);
    expect(response.body).toBeInstanceOf(ReadableStream);
    const json = JSON.parse(await response.text());
    const ids = json.releases.map((r: { deployment: { id: string } }) => r.deployment.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(pack.releases.map((r) => r.deployment.id));
    expect(json.exceptions).toHaveLength(pack.exceptions.length);
    expect(json.totals).toMatchObject({ releases: ids.length, exceptions: pack.exceptions.length });
    expect(json.chain).toMatchObject({ count: pack.chain.count, headHash: pack.chain.headHash, verified: true });
    expect(json.releases[0]).toMatchObject({
      change: { number: expect.stringMatching(/^CR-\d+$/) },
      deployment: { environment: "production" },
    });
  });

  it("CSV and NDJSON: one row or line per release, after the pack's head", async () => {
    const total = (await evidencePack(await auditor(), year, Date.now())).releases.length;
    const csv = (await (await get(`${range}&format=csv`)).text()).trimEnd().split("\r\n");
    const header = csv.findIndex((l) => l.startsWith("change,"));
    expect(csv[header - 1]).toBe("");
    expect(csv.length - header - 1).toBe(total);
    const lines = (await (await get(`${range}&format=ndjson`)).text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: "header", chain: { verified: true } });
    expect(lines.slice(1).every((l) => l.kind === "release")).toBe(true);
    expect(new Set(lines.slice(1).map((l) => l.deployment.id)).size).toBe(total);
  });

  it("a page through the API: its releases, the range's totals and the next page's boundary", async () => {
    const first = await (await get(`${range}&size=5`)).json();
    expect(first.releases).toHaveLength(5);
    expect(first.page).toMatchObject({ size: 5, previous: null });
    const second = await (await get(`${range}&size=5&after=${first.page.next}`)).json();
    expect(second.releases[0].deployment.id).not.toBe(first.releases[4].deployment.id);
    const back = await (await get(`${range}&size=5&before=${second.page.previous}`)).json();
    expect(back.releases.map((r: { deployment: { id: string } }) => r.deployment.id)).toEqual(
      first.releases.map((r: { deployment: { id: string } }) => r.deployment.id),
    );
    expect((await get(`${range}&size=0`)).status).toBe(400);
    expect((await get(`${range}&size=5&format=csv`)).status).toBe(400);
  });

  it("a download stopped after its first batch ends its snapshot, however many are stopped", async () => {
    // More than the pool holds (10 connections on PostgreSQL): a snapshot left open by a stopped download would stall the next one.
    for (let i = 0; i < 12; i++) {
      const batches = evidenceBatches(await auditor(), year, TEST_UNTIL, 5);
      expect(await batches.next()).toMatchObject({ done: false, value: { header: { totals: { releases: expect.any(Number) } } } });
      expect((await batches.next()).value).toMatchObject({ releases: expect.any(Array) });
      expect(await batches.return(undefined)).toEqual({ done: true, value: undefined });
    }
    expect((await evidencePage(await auditor(), year, { size: 1 }, TEST_UNTIL)).releases).toHaveLength(1);
  });

  it("a token without the read scope is refused with a status, not a cut-off file", async () => {
    await tokenWith(db, "evidence-evals-only", ["evals:write"]);
    const request = new NextRequest(new URL(`/api/v1/evidence?${range}`, "http://countersign.test"), {
      headers: { authorization: "Bearer cs_evidence-evals-only" },
    });
    const response = await evidenceRoute.GET(request, { params: Promise.resolve({}) as Promise<never> });
    expect(response.status).toBe(403);
  });
});

describe("incidents of a change", () => {
  it("the union of two index lookups finds exactly what the OR across the join found, newest first", async () => {
    const changes = await rows<{ id: string }>(sql`SELECT DISTINCT d.change_record_id AS id FROM incidents i
        JOIN deployments d ON d.id = i.deployment_id WHERE d.change_record_id IS NOT NULL
      UNION SELECT fix_change_record_id FROM incidents WHERE fix_change_record_id IS NOT NULL`);
    expect(changes.length).toBeGreaterThan(5);
    for (const { id } of changes) {
      const old = await rows<{ id: string }>(sql`SELECT i.id AS id FROM incidents i LEFT JOIN deployments d ON d.id = i.deployment_id
        WHERE d.change_record_id = ${id} OR i.fix_change_record_id = ${id} ORDER BY i.detected_at DESC, i.id`);
      const found = await incidentsOfChange(await auditor(), id);
      expect(found.map((i) => i.id).sort()).toEqual(old.map((i) => i.id).sort());
      const times = found.map((i) => i.detectedAt);
      expect(times).toEqual([...times].sort((a, b) => b - a));
    }
  });
});
