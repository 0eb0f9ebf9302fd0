import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { DB } from "@/db";
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
let baseline: { day: ReturnType<typeof failRate>; workflow: ReturnType<typeof failRate>; halfYear: ReturnType<typeof failRate> };

const failRate = (filters: MetricsFilters, now: number) => {
  const { failed, total, rate } = doraReport(leader(), filters, now).current.changeFailRate;
  return { failed, total, rate };
};

function ingest(decisions: Decision[], now: number, resource: Record<string, string> = PRODUCTION) {
  return ingestTraces(exporter, decodeJsonExport(otlpJson(recordSpans(resource, decisions))), now);
}

beforeAll(async () => {
  db = await seedDemoEstate();
  exporter = tokenWith(db, "runtime-exporter", ["evidence:write"]);
  const change = limitRaise(75, clock.next());
  approveAll(change.id, clock);
  const deployment = releaseApproved(change.id, clock);
  released = { id: deployment.id, deployedAt: deployment.deployedAt };
  const approved = productionSpec("refund-assistant").model;
  model = `${approved.name}-${approved.version}`;
  releaseDay = { agent: "refund-assistant", from: day(released.deployedAt), to: day(released.deployedAt) };
  workflowDay = { workflow: "refunds", from: day(released.deployedAt), to: day(released.deployedAt) };
  const now = clock.next();
  baseline = { day: failRate(releaseDay, now), workflow: failRate(workflowDay, now), halfYear: failRate(halfYear, now) };
});

describe("a production breach that opens an incident on the running release", () => {
  it("before any breach, the release is counted and has not failed", () => {
    // The seeded history ends the day before the tests' clock starts: on its day, the release is alone.
    expect(baseline.day).toEqual({ failed: 0, total: 1, rate: 0 });
    expect(baseline.workflow).toEqual({ failed: 0, total: 1, rate: 0 });
    expect(baseline.halfYear.total).toBeGreaterThan(1);
  });

  it("counts that release as failed: one more failure, the same releases", () => {
    const at = clock.next(HOUR);
    const now = clock.next(HOUR);
    // An ungranted call: an authority breach.
    expect(ingest([{ at, model, tools: [{ tool: "stripe:customers.update" }] }], now).rejected).toEqual([]);
    const opened = db.select().from(incidents).where(eq(incidents.deploymentId, released.id)).all();
    expect(opened.map((i) => ({ severity: i.severity, resolvedAt: i.resolvedAt }))).toEqual([{ severity: "sev2", resolvedAt: null }]);

    expect(failRate(releaseDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    expect(failRate(workflowDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    const after = failRate(halfYear, now);
    expect(after.failed).toBe(baseline.halfYear.failed + 1);
    expect(after.total).toBe(baseline.halfYear.total);
    // The record behind the number is this release, failed for its incident (it was not rolled back).
    const records = doraRecords(leader(), releaseDay, "changeFailRate", { offset: 0, limit: 10 }, now);
    expect(records).toEqual({
      total: 1,
      rows: [{ deploymentId: released.id, at: released.deployedAt, hours: null, note: "incident", incidentIds: [opened[0]!.id] }],
    });
  });

  it("a second breach on the same deployment joins the open incident and does not count twice", () => {
    // Another kind, another action, the next day: a breach record of its own, the same incident.
    const at = clock.next(DAY);
    const now = clock.next(HOUR);
    expect(ingest([{ at, model, tools: [{ tool: "stripe:customers.delete" }] }], now).rejected).toEqual([]);
    const records = db.select().from(breaches).where(eq(breaches.changeRecordId, breachChange())).all();
    expect(records.map((b) => b.kind).sort()).toEqual(["forbidden_action", "ungranted_action"]);
    expect(new Set(records.map((b) => b.incidentId)).size).toBe(1);
    expect(db.select().from(incidents).where(eq(incidents.deploymentId, released.id)).all()).toHaveLength(1);

    expect(failRate(releaseDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    expect(failRate(workflowDay, now)).toEqual({ failed: 1, total: 1, rate: 1 });
    const { failed, total, rate } = failRate(halfYear, now);
    expect({ failed, total }).toEqual({ failed: baseline.halfYear.failed + 1, total: baseline.halfYear.total });
    expect(rate).toBeCloseTo((baseline.halfYear.failed + 1) / baseline.halfYear.total, 10);
  });
});

/** The change that released the breaching version: the breach records carry it. */
function breachChange(): string {
  return db.select({ change: breaches.changeRecordId }).from(breaches).where(eq(breaches.subject, "stripe:customers.update")).get()!
    .change!;
}

describe("a breach of a version that a rollback put back in production", () => {
  // The incident opens on the deployment running now, the rollback: that is what operations act on. DORA
  // counts releases, and the release of that version was not what failed now (it ran, was replaced, and came
  // back as the known-good version), so the change fail rate does not count it a second time.
  it("opens the incident on the rollback that runs it, and does not count its old release as failed again", () => {
    const slug = "chargeback-responder";
    const ops = as("ops@countersign.test");
    const first = retentionChange(slug, 1, clock.next());
    approveAll(first.id, clock);
    const restored = releaseApproved(first.id, clock);
    const second = retentionChange(slug, 2, clock.next());
    approveAll(second.id, clock);
    releaseApproved(second.id, clock);
    const back = rollback(ops, slug, { environment: "production", reason: "Evidence packets miss the shipping records" }, clock.next());
    expect(back.deployment.version).toBe(restored.version);
    if (back.incident) updateIncident(ops, back.incident.id, { resolution: "no_action" }, clock.next());
    const scope = { agent: slug, from: day(restored.deployedAt), to: day(clock.peek()) };
    // Two releases in the range; the second was rolled back.
    expect(failRate(scope, clock.peek())).toEqual({ failed: 1, total: 2, rate: 0.5 });

    const approved = productionSpec(slug).model;
    const at = clock.next(HOUR);
    const now = clock.next(HOUR);
    const sent = ingest([{ at, model: `${approved.name}-${approved.version}`, tools: [{ tool: "stripe:refunds.create" }] }], now, {
      "deployment.environment.name": "production",
      "countersign.agent": slug,
    });
    expect(sent.rejected).toEqual([]);
    // A forbidden action: it opened a sev2 incident…
    const breach = db.select().from(breaches).where(eq(breaches.subject, "stripe:refunds.create")).get()!;
    expect(breach).toMatchObject({ kind: "forbidden_action", incidentId: expect.any(String) });
    // …on the rollback deployment running it, and the fail rate is what it was.
    expect(db.select().from(incidents).where(eq(incidents.id, breach.incidentId!)).get()!.deploymentId).toBe(back.deployment.id);
    expect(failRate(scope, now)).toEqual({ failed: 1, total: 2, rate: 0.5 });
  });
});
