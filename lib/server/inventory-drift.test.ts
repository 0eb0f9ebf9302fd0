import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { DB } from "@/db";
import * as agentsRoute from "@/app/api/v1/agents/route";
import * as exportRoute from "@/app/(app)/agents/export/route";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, DAY, limitRaise, productionSpec, releaseApproved, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { listAgents, parseAgentFilters } from "./agents";
import { driftOverview } from "./inventory-posture";
import { recordObservation } from "./observations";

/** Drift and observation posture in the inventory (page, API, CSV) and on the home page. */

// The CSV export is a page route: it reads the signed-in person from the session.
vi.mock("@/lib/server/auth", () => ({
  currentUser: async () => await (await import("./users")).findActiveUser({ email: "security@countersign.test" }),
}));

let db: DB;
const clock = testClock();
const reader = () => as("auditor@countersign.test");
const list = async (params: Record<string, string> = {}, now = clock.peek()) =>
  await listAgents(await reader(), parseAgentFilters(params), { now, all: params.all === "1" });
const item = async (slug: string, now = clock.peek()) => (await list({ q: slug, status: "all" }, now)).items.find((a) => a.slug === slug)!;

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "platform-export", ["observe"]);
  await tokenWith(db, "inventory-reader", ["read"]);
});

const observer = () => tokenWith(db, `observer-${clock.next()}`, ["observe"]);
const observe = async (slug: string, spec: unknown, environment = "production") =>
  await recordObservation(await observer(), slug, { environment, spec, source: "nightly export" }, clock.next());

describe("before anything is observed", () => {
  it("no agent has open drift, and every agent running in production is unobserved, its last observation never", async () => {
    expect(await list({ drift: "open" })).toEqual({ items: [], total: 0 });
    const all = (await list({ all: "1" })).items;
    const running = all.filter((a) => a.environments.production !== null);
    expect(running.length).toBeGreaterThan(10);
    expect(running.every((a) => a.posture.unobserved && a.posture.lastObservedAt === null && a.posture.openDrift.length === 0)).toBe(true);
    // An agent not yet in production is not "unobserved": there is nothing there to watch.
    expect(all.filter((a) => a.environments.production === null).every((a) => !a.posture.unobserved && !a.posture.reviewDue)).toBe(true);
    expect((await list({ observed: "stale" })).total).toBe(running.length);
    expect(await driftOverview(await reader(), clock.peek())).toMatchObject({
      open: 0,
      worst: [],
      unobserved: running.length,
      unobservedAfterDays: 7,
    });
  });

  it("refuses a drift or observed filter it does not know, naming the parameter", async () => {
    expect(await errorOf(() => parseAgentFilters({ drift: "closed" }))).toMatchObject({
      code: "bad_request",
      details: { parameter: "drift" },
    });
    expect((await errorOf(() => parseAgentFilters({ observed: "yesterday" }))).message).toContain('observed must be "stale"');
  });
});

describe("after observations", () => {
  it("a differing observation puts the agent under drift=open with its posture: the record, observed, not unobserved", async () => {
    const stale = (await list({ observed: "stale" })).total;
    const swapped = await productionSpec("meeting-brief-writer");
    swapped.model.version = "2025-08-07";
    const { drift, observation } = await observe("meeting-brief-writer", swapped);
    const open = await list({ drift: "open" });
    expect(open.total).toBe(1);
    expect(open.items.map((a) => a.slug)).toEqual(["meeting-brief-writer"]);
    expect(open.items[0]!.posture).toMatchObject({
      openDrift: [{ label: drift!.label, environment: "production", severity: "medium" }],
      lastObservedAt: observation.observedAt,
      unobserved: false,
    });
    // Observed, even if what it runs differs: it leaves the unobserved list.
    expect((await list({ observed: "stale" })).total).toBe(stale - 1);
  });

  it("an agent drifting in two environments shows both, worst first", async () => {
    const staging = await productionSpec("meeting-brief-writer");
    staging.tools.push({ system: "gmail", actions: [{ name: "messages.send", access: "write", approval: "none" }] });
    const { drift } = await observe("meeting-brief-writer", staging, "staging");
    expect(drift!.severity).toBe("high");
    expect((await item("meeting-brief-writer")).posture.openDrift.map((d) => [d.environment, d.severity])).toEqual([
      ["staging", "high"],
      ["production", "medium"],
    ]);
  });

  it("drift=open pages like any other filter and combines with the others", async () => {
    const unpinned = await productionSpec("refund-assistant");
    unpinned.model.version = "";
    await observe("refund-assistant", unpinned);
    expect((await list({ drift: "open" })).total).toBe(2);
    const first = await list({ drift: "open", pageSize: "1", page: "1" });
    const second = await list({ drift: "open", pageSize: "1", page: "2" });
    expect(first.total).toBe(2);
    expect([...first.items, ...second.items].map((a) => a.slug)).toEqual(["meeting-brief-writer", "refund-assistant"]);
    expect((await list({ drift: "open", pageSize: "1", page: "3" })).items).toEqual([]);
    expect((await list({ drift: "open", workflow: "refunds" })).items.map((a) => a.slug)).toEqual(["refund-assistant"]);
    expect((await list({ drift: "open", sort: "name", dir: "desc" })).items.map((a) => a.slug)).toEqual([
      "refund-assistant",
      "meeting-brief-writer",
    ]);
  });

  it("an in-sync observation makes the agent observed; a week and a day later it is unobserved again", async () => {
    const before = await item("call-notes-digest");
    expect(before.posture).toMatchObject({ unobserved: true, lastObservedAt: null });
    const { observation } = await observe("call-notes-digest", await productionSpec("call-notes-digest"));
    expect(observation.inSync).toBe(true);
    expect((await item("call-notes-digest")).posture).toMatchObject({
      unobserved: false,
      lastObservedAt: observation.observedAt,
      openDrift: [],
    });
    expect((await list({ observed: "stale", q: "call-notes-digest" })).total).toBe(0);
    const later = observation.observedAt + 7 * DAY + 1;
    expect((await item("call-notes-digest", later)).posture.unobserved).toBe(true);
    expect((await list({ observed: "stale", q: "call-notes-digest" }, later)).total).toBe(1);
    expect((await item("call-notes-digest", observation.observedAt + 7 * DAY)).posture.unobserved).toBe(false);
  });

  it("review due is counted from the last approved change released: not due after a release, due 180 days and a moment later", async () => {
    const change = await limitRaise(75, clock.next());
    await approveAll(change.id, clock);
    await releaseApproved(change.id, clock);
    const releasedAt = (await item("refund-assistant")).lastReviewedAt!;
    expect(releasedAt).toBe(clock.peek());
    expect((await item("refund-assistant")).posture.reviewDue).toBe(false);
    expect((await item("refund-assistant", releasedAt + 180 * DAY)).posture.reviewDue).toBe(false);
    expect((await item("refund-assistant", releasedAt + 180 * DAY + 1)).posture.reviewDue).toBe(true);
  });

  it("the home page's summary counts open drift, lists the worst first, and counts production left unobserved", async () => {
    const overview = await driftOverview(await reader(), clock.peek());
    expect(overview.open).toBe(3);
    expect(overview.worst.map((w) => [w.agent.slug, w.environment, w.severity])).toEqual([
      ["meeting-brief-writer", "staging", "high"],
      ["refund-assistant", "production", expect.any(String)],
      ["meeting-brief-writer", "production", "medium"],
    ]);
    expect(overview.worst[1]!.severity).not.toBe("low");
    expect(overview.unobserved).toBe((await list({ observed: "stale" })).total);
    expect((await driftOverview(await reader(), clock.peek(), 1)).worst).toHaveLength(1);
  });
});

describe("the API and the CSV export", () => {
  const get = (path: string, headers: Record<string, string> = { authorization: "Bearer cs_inventory-reader" }) =>
    new NextRequest(new URL(path, "http://countersign.test"), { headers });

  it("GET /api/v1/agents?drift=open gives each item its posture, DR-numbers and ISO times", async () => {
    const response = await agentsRoute.GET(get("/api/v1/agents?drift=open&sort=name"), { params: Promise.resolve({}) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { total: number; items: { slug: string; posture: Record<string, unknown> }[] };
    expect(body.total).toBe(2);
    const meeting = body.items.find((i) => i.slug === "meeting-brief-writer")!;
    expect(meeting.posture).toEqual({
      openDrift: [
        { number: expect.stringMatching(/^DR-\d+$/), environment: "staging", severity: "high" },
        { number: expect.stringMatching(/^DR-\d+$/), environment: "production", severity: "medium" },
      ],
      lastObservedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      unobserved: expect.any(Boolean),
      reviewDue: expect.any(Boolean),
    });
    const bad = await agentsRoute.GET(get("/api/v1/agents?drift=yes"), { params: Promise.resolve({}) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "bad_request", parameter: "drift" });
  });

  it("the CSV export ends each row with its open drift and when production was last observed", async () => {
    const response = await exportRoute.GET(get("/agents/export?drift=open&sort=name", {}));
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]!.endsWith(",open_changes,open_drift,last_observed_at")).toBe(true);
    expect(lines).toHaveLength(3);
    const meeting = lines.find((l) => l.startsWith("meeting-brief-writer,"))!;
    expect(meeting).toMatch(/,DR-\d+ staging high; DR-\d+ production medium,\d{4}-\d{2}-\d{2}T[^,]*Z$/);
  });
});
