import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, type DB } from "@/db";
import * as schema from "@/db/schema";
import { matchAction } from "@/lib/domain/runtime";
import { harmReadings } from "@/lib/server/harm";
import { agentRuntime } from "@/lib/server/runtime-evidence";
import { seedDemoEstate, TEST_UNTIL } from "@/lib/testing/demo-estate";
import { as } from "@/lib/testing/release-fixtures";
import { RUNTIME_AGENTS, RUNTIME_DAYS, STAGING_BREACH } from "./runtime";
import { PRODUCTION_TRAFFIC } from "./runtime-traffic";

/** The demo estate's runtime history, read back through the product's own reads. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

const DAY = 86_400_000;
let db: DB;
const auditor = () => as("auditor@countersign.test");
const lastTwoWeeks = { from: new Date(TEST_UNTIL - RUNTIME_DAYS * DAY).toISOString(), to: new Date(TEST_UNTIL - 1).toISOString() };

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("the demo estate's runtime history", () => {
  it("gives each runtime agent decisions in production on every one of the last 14 days, and nothing after the history ends", async () => {
    for (const slug of RUNTIME_AGENTS) {
      const view = await agentRuntime(await auditor(), slug, lastTwoWeeks, TEST_UNTIL);
      expect(view.series, slug).toHaveLength(RUNTIME_DAYS);
      for (const day of view.series)
        expect(day.decisions, `${slug} on ${day.day}`).toBeGreaterThanOrEqual(PRODUCTION_TRAFFIC.decisionsPerDay[0]);
      expect(view.totals.toolCalls, slug).toBeGreaterThan(0);
      expect(view.totals.inputTokens, slug).toBeGreaterThan(0);
      expect(view.traces.length, slug).toBeGreaterThan(0);
    }
    const later = (await first(
      db
        .select({ n: sql<number>`COUNT(*)` })
        .from(schema.runtimeHours)
        .where(sql`${schema.runtimeHours.hour} >= ${TEST_UNTIL}`),
    ))!.n;
    expect(later).toBe(0);
  });

  it("calls in production only actions the version running at the time granted, and asks a person where approval is required", async () => {
    const rows = await db
      .select({ action: schema.runtimeActionHours.action, spec: schema.agentVersions.spec })
      .from(schema.runtimeActionHours)
      .innerJoin(schema.agentVersions, eq(schema.agentVersions.id, schema.runtimeActionHours.versionId))
      .where(eq(schema.runtimeActionHours.environment, "production"));
    expect(rows.length).toBeGreaterThan(0);
    for (const { action, spec } of rows) expect(matchAction(spec, action).kind, action).toBe("granted");
    const hours = await db.select().from(schema.runtimeHours).where(eq(schema.runtimeHours.environment, "production"));
    const sum = (key: "approvalsRequested" | "approvalsGranted" | "approvalsDenied" | "privilegeRejections" | "corrections") =>
      hours.reduce((n, h) => n + h[key], 0);
    expect(sum("approvalsRequested")).toBe(sum("approvalsGranted") + sum("approvalsDenied"));
    expect(sum("approvalsGranted")).toBeGreaterThan(sum("approvalsDenied") * 10);
    // A few of each, as a real fortnight has.
    expect(sum("privilegeRejections")).toBeGreaterThan(0);
    expect(sum("corrections")).toBeGreaterThan(0);
  });

  it("has exactly one breach: in staging, the candidate's ungranted monitors.mute, with no incident", async () => {
    const all = await db.select().from(schema.breaches);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      environment: "staging",
      kind: "ungranted_action",
      subject: `datadog:${STAGING_BREACH.action}`,
      occurrences: 1,
      incidentId: null,
    });
    const view = await agentRuntime(await auditor(), STAGING_BREACH.agent, { ...lastTwoWeeks, environment: "staging" }, TEST_UNTIL);
    expect(view.breaches).toEqual([expect.objectContaining({ number: "BR-1", kind: "ungranted_action", action: "datadog:monitors.mute" })]);
    expect(view.traces.filter((t) => t.breach)).toHaveLength(1);
    // Security and the agent's owners were told.
    const told = await db.select().from(schema.notifications).where(eq(schema.notifications.breachId, all[0]!.id));
    expect(told.length).toBeGreaterThanOrEqual(2);
  });

  it("keeps every production threshold within, and measures each runtime agent's against its traffic", async () => {
    for (const slug of RUNTIME_AGENTS) {
      const agent = (await first(db.select().from(schema.agents).where(eq(schema.agents.slug, slug))))!;
      const readings = await harmReadings(db, agent.id, TEST_UNTIL);
      expect(
        readings.filter((r) => r.status === "breached"),
        slug,
      ).toEqual([]);
      const corrections = readings.find((r) => r.metric.name.includes("correction"))!;
      expect(corrections.status, slug).toBe("within");
    }
    const opened = (await first(
      db
        .select({ n: sql<number>`COUNT(*)` })
        .from(schema.auditEvents)
        .where(and(eq(schema.auditEvents.action, "incident.opened"), sql`${schema.auditEvents.at} >= ${TEST_UNTIL}`)),
    ))!.n;
    expect(opened).toBe(0);
  });
});
