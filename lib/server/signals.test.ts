import { and, eq, isNull } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { agents, breaches, businessSignals, changeRecords } from "@/db/schema";
import * as signalsRoute from "@/app/api/v1/signals/route";
import { metricKey } from "@/lib/domain/harm-thresholds";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, tokenWith } from "@/lib/testing/release-fixtures";
import { productionRelease, thresholdsOf } from "./harm";
import { rollback } from "./rollback";
import { recordSignals } from "./signals";

/** Business signals: values the business reports for an agent, read against the harm thresholds its release declared. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "signals", ["evidence:write"]);
  await tokenWith(db, "signals-reader", ["read"]);
});

const post = (body: unknown, token = "cs_signals") =>
  signalsRoute.POST(
    new NextRequest("http://localhost/api/v1/signals", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );

/** refund-assistant's production release, its change declaring refund_reversal_rate > 2 over 7d (as a reviewer would have asked). */
async function releaseDeclaringReversals() {
  const agent = (await first(db.select().from(agents).where(eq(agents.slug, "refund-assistant"))))!;
  const release = (await productionRelease(db, agent.id, Date.now()))!;
  const metric = { name: "refund_reversal_rate", comparator: ">" as const, threshold: 2, window: "7d" };
  await withTransaction(async (tx) => {
    await tx
      .update(changeRecords)
      .set({ harmMetrics: [metric] })
      .where(eq(changeRecords.id, release.version.changeRecordId!));
  });
  expect((await thresholdsOf(db, release.version.changeRecordId)).map((t) => t.source)).toEqual(["change", "policy", "policy"]);
  return { agent, release, metric };
}

describe("POST /api/v1/signals", () => {
  it("records a value for the version running at its time", async () => {
    const response = await post({
      agent: "refund-assistant",
      environment: "staging",
      metric: "CSAT",
      value: 4.6,
      at: "2026-11-30T12:00:00Z",
    });
    expect(response.status).toBe(201);
    const { recorded } = await response.json();
    expect(recorded).toEqual([
      {
        agent: "refund-assistant",
        environment: "staging",
        metric: "csat",
        value: 4.6,
        at: "2026-11-30T12:00:00.000Z",
        version: expect.any(Number),
      },
    ]);
  });

  it("asks who before what: a token without evidence:write gets 403 for a malformed body, an auditor too", async () => {
    expect((await post({ nonsense: true }, "cs_signals-reader")).status).toBe(403);
    expect(await errorOf(async () => await recordSignals(await as("auditor@countersign.test"), "garbage"))).toMatchObject({
      code: "forbidden",
    });
  });

  it("a bad value in a batch names its field and records none of the batch", async () => {
    const before = (await db.select().from(businessSignals)).length;
    const response = await post({
      signals: [
        { agent: "refund-assistant", environment: "production", metric: "csat", value: 4 },
        { agent: "no-such-agent", environment: "production", metric: "csat", value: 4 },
      ],
    });
    expect(response.status).toBe(422);
    expect((await response.json()).fieldErrors).toEqual({ "signals.1.agent": ['No agent with slug "no-such-agent"'] });
    expect((await post({ agent: "refund-assistant", environment: "production", metric: "csat", value: "high" })).status).toBe(422);
    expect(
      (await post({ agent: "refund-assistant", environment: "production", metric: "csat", value: 1, at: "2099-01-01T00:00:00Z" })).status,
    ).toBe(422);
    expect((await db.select().from(businessSignals)).length).toBe(before);
  });

  it("values past the declared threshold of the release breach it; values back within clear it", async () => {
    const { agent, release, metric } = await releaseDeclaringReversals();
    const caller = await tokenWith(db, "signals-harm", ["evidence:write"]);
    const now = Date.now();
    const [past, fine] = [5, 1];
    const send = (value: number, minutesAgo: number) =>
      recordSignals(
        caller,
        { agent: agent.slug, environment: "production", metric: metric.name, value, at: new Date(now - minutesAgo * 60_000).toISOString() },
        now,
      );
    await send(past, 30);
    const open = (await first(
      db
        .select()
        .from(breaches)
        .where(and(eq(breaches.agentId, agent.id), eq(breaches.kind, "harm_threshold"), eq(breaches.subject, metricKey(metric.name)))),
    ))!;
    expect(open).toMatchObject({
      value: past,
      versionId: release.version.id,
      changeRecordId: release.version.changeRecordId,
      clearedAt: null,
    });
    // The mean of the window: (5 + 1 + 1 + 1) / 4 = 2, not above 2.
    await send(fine, 20);
    await send(fine, 10);
    await send(fine, 5);
    expect((await first(db.select().from(breaches).where(eq(breaches.id, open.id))))!.clearedAt).toBe(now);
  });
});

describe("production moving on", () => {
  it("a rollback clears the harm breach of the version it took out of production, at once", async () => {
    const agent = (await first(db.select().from(agents).where(eq(agents.slug, "refund-assistant"))))!;
    const caller = await tokenWith(db, "signals-rollback", ["evidence:write"]);
    const now = Date.now();
    await recordSignals(
      caller,
      { agent: agent.slug, environment: "production", metric: "refund_reversal_rate", value: 50, at: new Date(now - 60_000).toISOString() },
      now,
    );
    const crossed = () =>
      db
        .select()
        .from(breaches)
        .where(and(eq(breaches.agentId, agent.id), eq(breaches.kind, "harm_threshold"), isNull(breaches.clearedAt)));
    expect((await crossed()).map((b) => b.subject)).toEqual(["refund_reversal_rate"]);
    const back = await rollback(
      await as("ops@countersign.test"),
      agent.slug,
      { environment: "production", reason: "Reversals spiked after the release" },
      now + 60_000,
    );
    expect(back.deployment.environment).toBe("production");
    expect(await crossed()).toEqual([]);
  });
});
