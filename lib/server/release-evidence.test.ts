import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as changeRoute from "@/app/api/v1/changes/[id]/route";
import type { DB } from "@/db";
import { decodeJsonExport } from "@/lib/otlp/decode";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { otlpJson, recordSpans, type Decision } from "@/lib/testing/otel-spans";
import {
  approveAll,
  as,
  DAY,
  HOUR,
  productionSpec,
  releaseApproved,
  retentionChange,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { listDeployments } from "./deployments";
import { changeSinceRelease } from "./release-evidence";
import { rollback } from "./rollback";
import { ingestTraces } from "./runtime-ingest";
import { runtimeBreachOverview } from "./runtime-overview";

/** What a release did in production: its version's figures against the same time before it, and its breaches. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

const AGENT = "refund-assistant";
let db: DB;
const clock = testClock();
const reader = () => as("auditor@countersign.test");
let model: string;

beforeAll(async () => {
  db = await seedDemoEstate();
  const { name, version } = (await productionSpec(AGENT)).model;
  model = version ? `${name}-${version}` : name;
});

/** Sends decisions as a runtime's exporter would, through the decoder the receiver uses. */
async function send(decisions: Omit<Decision, "model">[], now: number) {
  const spans = recordSpans(
    { "countersign.agent": AGENT, "deployment.environment.name": "production" },
    decisions.map((d) => ({ ...d, model })),
  );
  const sender = await tokenWith(db, `runtime-${clock.next()}`, ["evidence:write"]);
  const result = await ingestTraces(sender, decodeJsonExport(otlpJson(spans)), now);
  expect(result.rejected).toEqual([]);
}

describe("since release", () => {
  let change: string;
  let released: number;
  let previous: number;
  let version: number;

  beforeAll(async () => {
    const proposed = await retentionChange(AGENT, 5, clock.next());
    await approveAll(proposed.id, clock);
    const deployment = await releaseApproved(proposed.id, clock);
    change = proposed.label;
    released = deployment.deployedAt;
    previous = deployment.replacedVersion!;
    version = deployment.version;
    // What production ran before was deployed well before the two days compared here.
    const before = (await listDeployments(await reader(), { agent: AGENT, environment: "production", pageSize: 2 })).items[1]!;
    expect(before.version).toBe(previous);
    expect(before.deployedAt).toBeLessThan(released - 3 * DAY - HOUR);

    const read = { tool: "stripe:charges.read" };
    await send(
      [
        { at: released - 3 * DAY, tools: [read] }, // before the two days compared
        { at: released - 30 * HOUR, tools: [read] },
        { at: released - 30 * HOUR + 60_000, tools: [read] },
        { at: released - 5 * HOUR, corrected: true, tools: [{ tool: "stripe:refunds.create", approval: "denied" }] },
      ],
      released,
    );
    await send(
      [
        { at: released + HOUR, tools: [{ tool: "stripe:charges.read", denied: true }] },
        { at: released + 2 * HOUR, corrected: true, tools: [{ tool: "stripe:refunds.create", approval: "granted" }] },
        { at: released + 25 * HOUR, corrected: true, tools: [{ tool: "stripe:customers.update" }] }, // never granted
        { at: released + 26 * HOUR },
        { at: released + 2 * DAY + 2 * HOUR, tools: [read] }, // after the two days compared
      ],
      released + 3 * DAY,
    );
  });

  it("compares the released version's two days with the two days before on the version it replaced, per day too", async () => {
    const since = (await changeSinceRelease(await reader(), change, released + 2 * DAY))!;
    expect(since).toMatchObject({ change, agent: { slug: AGENT }, releasedAt: released, endedAt: null, days: 2, capped: false });
    expect(since.after).toEqual({
      from: released,
      to: released + 2 * DAY,
      version,
      counts: { decisions: 4, toolCalls: 3, errors: 1, privilegeRejections: 1, corrections: 2, approvalsDenied: 0 },
      perDay: { decisions: 2, toolCalls: 1.5, errors: 0.5, privilegeRejections: 0.5, corrections: 1, approvalsDenied: 0 },
    });
    expect(since.before).toEqual({
      from: released - 2 * DAY,
      to: released,
      version: previous,
      counts: { decisions: 3, toolCalls: 3, errors: 0, privilegeRejections: 0, corrections: 1, approvalsDenied: 1 },
      perDay: { decisions: 1.5, toolCalls: 1.5, errors: 0, privilegeRejections: 0, corrections: 0.5, approvalsDenied: 0.5 },
    });
  });

  it("lists its version's breaches: the call to an action it was never granted", async () => {
    const { breaches } = (await changeSinceRelease(await reader(), change, released + 2 * DAY))!;
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({
      kind: "ungranted_action",
      action: "stripe:customers.update",
      version,
      change,
      environment: "production",
      occurrences: 1,
      at: released + 25 * HOUR + 11,
    });
    expect(breaches[0]!.incidentId).not.toBeNull();
  });

  it("GET /api/v1/changes/{ref} carries it as sinceRelease, times in ISO 8601", async () => {
    await tokenWith(db, "change-reader", ["read"]);
    const request = new NextRequest(new URL(`/api/v1/changes/${change}`, "http://countersign.test"), {
      headers: { authorization: "Bearer cs_change-reader" },
    });
    const response = await changeRoute.GET(request, { params: Promise.resolve({ id: change }) });
    expect(response.status).toBe(200);
    const { sinceRelease } = (await response.json()) as { sinceRelease: Record<string, unknown> & { after: { from: string } } };
    expect(sinceRelease).toMatchObject({ change, version, releasedAt: new Date(released).toISOString(), endedAt: null });
    expect(sinceRelease.after.from).toBe(new Date(released).toISOString());
    expect(sinceRelease.breaches).toEqual([expect.objectContaining({ kind: "ungranted_action", at: expect.stringMatching(/Z$/) })]);
  });

  it("an hour after the release, the figures are the hour's, and no per-day rate is guessed", async () => {
    const since = (await changeSinceRelease(await reader(), change, released + HOUR))!;
    expect(since.days).toBe(0.04);
    expect(since.after.counts.decisions).toBe(1);
    expect(since.after.perDay).toBeNull();
    expect(since.before!.perDay).toBeNull();
  });

  it("the home page flags the agent for a week after its breach", async () => {
    const flagged = async (now: number) => (await runtimeBreachOverview(await reader(), now)).agents.find((a) => a.agent.slug === AGENT);
    expect(await flagged(released + 2 * DAY)).toMatchObject({
      count: 1,
      occurrences: 1,
      worst: "ungranted_action",
      environment: "production",
      openHarm: 0,
    });
    expect(await flagged(released + 25 * HOUR + 8 * DAY)).toBeUndefined();
  });

  it("a rollback ends the window: later evidence belongs to what production runs then", async () => {
    await rollback(await as("ops@countersign.test"), AGENT, { environment: "production", reason: "ungranted calls" }, released + 2 * DAY);
    const since = (await changeSinceRelease(await reader(), change, released + 40 * DAY))!;
    expect(since).toMatchObject({ endedAt: released + 2 * DAY, endedBy: "rollback", days: 2, capped: false });
    expect(since.after.counts.decisions).toBe(4);
    expect(since.before!.counts.decisions).toBe(3);
  });
});

describe("who reads it", () => {
  it("a change that never reached production has nothing since release", async () => {
    const draft = await retentionChange("call-notes-digest", 3, clock.next());
    expect(await changeSinceRelease(await reader(), draft.id, clock.next())).toBeNull();
  });

  it("a token without the read scope is refused before the change is looked up; an unknown change is not found", async () => {
    const sender = await tokenWith(db, "sender-only", ["evidence:write"]);
    expect((await errorOf(async () => await changeSinceRelease(sender, "CR-999999"))).code).toBe("forbidden");
    expect((await errorOf(async () => await changeSinceRelease(await reader(), "CR-999999"))).code).toBe("not_found");
  });
});
