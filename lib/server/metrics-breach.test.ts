import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, type DB } from "@/db";
import { breaches, incidents } from "@/db/schema";
import { decodeJsonExport } from "@/lib/otlp/decode";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { otlpJson, recordSpans, type Decision } from "@/lib/testing/otel-spans";
import {
  approveAll,
  as,
  DAY,
  HOUR,
  limitRaise,
  productionSpec,
  releaseApproved,
  retentionChange,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import type { Caller } from "./caller";
import { updateIncident } from "./incidents";
import { doraRecords, doraReport, type MetricsFilters } from "./metrics";
import { rollback } from "./rollback";
import { ingestTraces } from "./runtime-ingest";

/**
 * Issue 18: "DORA's change fail rate already counts releases linked to incidents: a release whose breach
 * opened an incident counts as failed." A production authority breach opens a sev2 incident on the running
 * deployment (policy runtime.authorityBreachIncident), and that release then counts as failed, once: a second
 * breach joins the incident already open and adds nothing.
 */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const clock = testClock();
const leader = () => as("leader@countersign.test");
const PRODUCTION = { "deployment.environment.name": "production", "countersign.agent": "refund-assistant" };
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

let exporter: Caller;
let released: { id: string; deployedAt: number };
let model = "";
/** The release's own day, for refund-assistant alone: this release is the only one in it. */
let releaseDay: MetricsFilters;
/** The same day for the whole refunds workflow, read from the day sums rather than the agent's facts. */
let workflowDay: MetricsFilters;
/** The default range (26 weeks to today) for refund-assistant: the release among the seeded history. */
const halfYear: MetricsFilters = { agent: "refund-assistant" };
type FailRate = Awaited<ReturnType<typeof failRate>>;
let baseline: { day: FailRate; workflow: FailRate; halfYear: FailRate };

const failRate = async (filters: MetricsFilters, now: number) => {
  const { failed, total, rate } = (await doraReport(await leader(), filters, now)).current.changeFailRate;
  return { failed, total, rate };
};

async function ingest(decisions: Decision[], now: number, resource: Record<string, string> = PRODUCTION) {
  return await ingestTraces(exporter, decodeJsonExport(otlpJson(recordSpans(resource, decisions))), now);
}

beforeAll(async () => {
  db = await seedDemoEstate();
  exporter = await tokenWith(db, "runtime-exporter", ["evidence:write"]);
  const change = await limitRaise(75, clock.next());
  await approveAll(change.id, clock);
  const deployment = await releaseApproved(change.id, clock);
  released = { id: deployment.id, deployedAt: deployment.deployedAt };
  const approved = (await productionSpec("refund-assistant")).model;
  model = `${approved.name}-${approved.version}`;
  releaseDay = { agent: "refund-assistant", from: day(released.deployedAt), to: day(released.deployedAt) };
  workflowDay = { workflow: "refunds", from: day(released.deployedAt), to: day(released.deployedAt) };
  const now = clock.next();
  baseline = { day: await failRate(releaseDay, now), workflow: await failRate(workflowDay, now), halfYear: await failRate(halfYear, now) };
});

describe("a production breach that opens an incident on the running release", () => {
  it("before any breach, the release is counted and has not failed", () => {
    // The seeded history ends the day before the tests' clock starts: on its day, the release is alone.
    expect(baseline.day).toEqual({ failed: 0, total: 1, rate: 0 });
    expect(baseline.workflow).toEqual({ failed: 0, total: 1, rate: 0 });
    expect(baseline.halfYear.total).toBeGreaterThan(1);
  });

  it("counts that release as failed: one more failure, the same releases", async () => {
    const at = clock.next(HOUR);
    const now = clock.next(HOUR);
    // An ungranted call: an authority breach.
    expect((await ingest([{ at, model, tools: [{ tool: "stripe:customers.update" }] }], now)).rejected).toEqual([]);
    const opened = await db.select().from(incidents).where(eq(incidents.deploymentId, released.id));
    expect(opened.map((i) => ({ severity: i.severity, resolvedAt: i.resolvedAt }))).toEqual([{ severity: "sev2", resolvedAt: null }]);

    expect(await failRate(releaseDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    expect(await failRate(workflowDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    const after = await failRate(halfYear, now);
    expect(after.failed).toBe(baseline.halfYear.failed + 1);
    expect(after.total).toBe(baseline.halfYear.total);
    // The record behind the number is this release, failed for its incident (it was not rolled back).
    const records = await doraRecords(await leader(), releaseDay, "changeFailRate", { offset: 0, limit: 10 }, now);
    expect(records).toEqual({
      total: 1,
      rows: [{ deploymentId: released.id, at: released.deployedAt, hours: null, note: "incident", incidentIds: [opened[0]!.id] }],
    });
  });

  it("a second breach on the same deployment joins the open incident and does not count twice", async () => {
    // Another kind, another action, the next day: a breach record of its own, the same incident.
    const at = clock.next(DAY);
    const now = clock.next(HOUR);
    expect((await ingest([{ at, model, tools: [{ tool: "stripe:customers.delete" }] }], now)).rejected).toEqual([]);
    const records = await db
      .select()
      .from(breaches)
      .where(eq(breaches.changeRecordId, await breachChange()));
    expect(records.map((b) => b.kind).sort()).toEqual(["forbidden_action", "ungranted_action"]);
    expect(new Set(records.map((b) => b.incidentId)).size).toBe(1);
    expect(await db.select().from(incidents).where(eq(incidents.deploymentId, released.id))).toHaveLength(1);

    expect(await failRate(releaseDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    expect(await failRate(workflowDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    const { failed, total, rate } = await failRate(halfYear, now);
    expect({ failed, total }).toEqual({ failed: baseline.halfYear.failed + 1, total: baseline.halfYear.total });
    expect(rate).toBeCloseTo((baseline.halfYear.failed + 1) / baseline.halfYear.total, 10);
  });
});

/** The change that released the breaching version: the breach records carry it. */
async function breachChange(): Promise<string> {
  return (await first(
    db.select({ change: breaches.changeRecordId }).from(breaches).where(eq(breaches.subject, "stripe:customers.update")),
  ))!.change!;
}

describe("a breach of a version that a rollback put back in production", () => {
  // The incident opens on the deployment running now, the rollback: that is what operations act on. DORA
  // counts releases, and the release of that version was not what failed now (it ran, was replaced, and came
  // back as the known-good version), so the change fail rate does not count it a second time.
  it("opens the incident on the rollback that runs it, and does not count its old release as failed again", async () => {
    const slug = "chargeback-responder";
    const ops = await as("ops@countersign.test");
    const firstChange = await retentionChange(slug, 1, clock.next());
    await approveAll(firstChange.id, clock);
    const restored = await releaseApproved(firstChange.id, clock);
    const secondChange = await retentionChange(slug, 2, clock.next());
    await approveAll(secondChange.id, clock);
    await releaseApproved(secondChange.id, clock);
    const back = await rollback(
      ops,
      slug,
      { environment: "production", reason: "Evidence packets miss the shipping records" },
      clock.next(),
    );
    expect(back.deployment.version).toBe(restored.version);
    if (back.incident) await updateIncident(ops, back.incident.id, { resolution: "no_action" }, clock.next());
    const scope = { agent: slug, from: day(restored.deployedAt), to: day(clock.peek()) };
    // Two releases in the range; the second was rolled back.
    expect(await failRate(scope, clock.peek())).toEqual({ failed: 1, total: 2, rate: 0.5 });

    const approved = (await productionSpec(slug)).model;
    const at = clock.next(HOUR);
    const now = clock.next(HOUR);
    const sent = await ingest([{ at, model: `${approved.name}-${approved.version}`, tools: [{ tool: "stripe:refunds.create" }] }], now, {
      "deployment.environment.name": "production",
      "countersign.agent": slug,
    });
    expect(sent.rejected).toEqual([]);
    // A forbidden action: it opened a sev2 incident…
    const breach = (await first(db.select().from(breaches).where(eq(breaches.subject, "stripe:refunds.create"))))!;
    expect(breach).toMatchObject({ kind: "forbidden_action", incidentId: expect.any(String) });
    // …on the rollback deployment running it, and the fail rate is what it was.
    expect((await first(db.select().from(incidents).where(eq(incidents.id, breach.incidentId!))))!.deploymentId).toBe(back.deployment.id);
    expect(await failRate(scope, now)).toEqual({ failed: 1, total: 2, rate: 0.5 });
  });
});
