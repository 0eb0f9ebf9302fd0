import { gzipSync } from "node:zlib";
import { and, eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { agents, breaches, driftRecords, incidents, notifications, observations, runtimeHours, runtimeTraces, users } from "@/db/schema";
import * as otlpRoute from "@/app/api/v1/otlp/v1/traces/route";
import { decodeJsonExport } from "@/lib/otlp/decode";
import { ExportTraceServiceResponse } from "@/lib/otlp/trace-proto";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { otlpJson, otlpProtobuf, recordSpans, type Decision } from "@/lib/testing/otel-spans";
import { as, DAY, HOUR, productionSpec, tokenWith } from "@/lib/testing/release-fixtures";
import { errorOf } from "@/lib/testing/app-error";
import { verifyAuditTrail } from "./audit";
import { ingestTraces, pruneRuntimeEvidence } from "./runtime-ingest";

/** The OTLP receiver, as an exporter meets it: bytes in, OTLP answers out, and what Countersign derives from them. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const TOKEN = "cs_runtime-exporter";
const production = (agent: string) => ({ "deployment.environment.name": "production", "countersign.agent": agent });

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "runtime-exporter", ["evidence:write"]);
  await tokenWith(db, "reader-only", ["read"]);
});

function post(body: Uint8Array, headers: Record<string, string> = {}) {
  return otlpRoute.POST(
    new NextRequest("http://localhost/api/v1/otlp/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers },
      body: Buffer.from(body),
    }),
  );
}

const agentId = async (slug: string) => (await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, slug))))!.id;

async function hourRow(slug: string, hour: number) {
  return await first(
    db
      .select()
      .from(runtimeHours)
      .where(and(eq(runtimeHours.agentId, await agentId(slug)), eq(runtimeHours.environment, "production"), eq(runtimeHours.hour, hour))),
  );
}

/** n conforming decisions of call-notes-digest's production spec, one minute apart from `at`. */
async function conforming(slug: string, at: number, n: number, extra: Partial<Decision> = {}): Promise<Decision[]> {
  const spec = await productionSpec(slug);
  const granted = spec.tools.flatMap((t) => t.actions.filter((a) => a.approval === "none" && !a.limit).map((a) => `${t.system}:${a.name}`));
  const model = spec.model.version ? `${spec.model.name}-${spec.model.version}` : spec.model.name;
  return Array.from({ length: n }, (_, i) => ({
    at: at + i * 60_000,
    model,
    tools: granted.slice(0, 1).map((tool) => ({ tool })),
    ...extra,
  }));
}

const hourAgo = (hours: number) => Math.floor((Date.now() - hours * HOUR) / HOUR) * HOUR;

describe("the OTLP/HTTP receiver", () => {
  it("JSON and protobuf exports of the same traffic give the same hourly sums", async () => {
    const slug = "call-notes-digest";
    const [jsonHour, protoHour] = [hourAgo(6), hourAgo(5)];
    const json = await post(otlpJson(recordSpans(production(slug), await conforming(slug, jsonHour, 7, { corrected: true }))));
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({});
    const proto = await post(otlpProtobuf(recordSpans(production(slug), await conforming(slug, protoHour, 7, { corrected: true }))), {
      "content-type": "application/x-protobuf",
    });
    expect(proto.status).toBe(200);
    expect(proto.headers.get("content-type")).toBe("application/x-protobuf");
    expect(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(new Uint8Array(await proto.arrayBuffer())))).toEqual({});
    const [a, b] = [(await hourRow(slug, jsonHour))!, (await hourRow(slug, protoHour))!];
    expect(a).toMatchObject({ decisions: 7, corrections: 7, inputTokens: 700, outputTokens: 140 });
    expect({ ...b, hour: a.hour }).toEqual(a);
  });

  it("takes a gzip body", async () => {
    const slug = "call-notes-digest";
    const at = hourAgo(4);
    const response = await post(gzipSync(otlpJson(recordSpans(production(slug), await conforming(slug, at, 3)))), {
      "content-encoding": "gzip",
    });
    expect(response.status).toBe(200);
    expect((await hourRow(slug, at))!.decisions).toBe(3);
  });

  it("rejects spans it cannot place, each named with its reason, and keeps the rest", async () => {
    const slug = "call-notes-digest";
    const at = hourAgo(3);
    const good = otlpJson(recordSpans(production(slug), await conforming(slug, at, 2)));
    const ghost = otlpJson(recordSpans(production("ghost-agent"), await conforming(slug, at, 1)));
    const noEnvironment = otlpJson(recordSpans({ "countersign.agent": slug }, await conforming(slug, at, 1)));
    const merged = {
      resourceSpans: [good, ghost, noEnvironment].flatMap((bytes) => JSON.parse(Buffer.from(bytes).toString()).resourceSpans),
    };
    const response = await post(Buffer.from(JSON.stringify(merged)));
    expect(response.status).toBe(200);
    const { partialSuccess } = await response.json();
    // Each rejected decision is three GenAI spans: the invocation, its chat and one tool call.
    expect(partialSuccess.rejectedSpans).toBe(6);
    expect(partialSuccess.errorMessage).toContain('unknown agent "ghost-agent"');
    expect(partialSuccess.errorMessage).toContain("no deployment.environment.name on the resource");
    expect((await hourRow(slug, at))!.decisions).toBe(2);
  });

  it("a retried export (the same bytes again) is counted once", async () => {
    const slug = "call-notes-digest";
    const at = hourAgo(2);
    const bytes = otlpJson(recordSpans(production(slug), await conforming(slug, at, 4)));
    expect((await post(bytes)).status).toBe(200);
    expect((await post(bytes)).status).toBe(200);
    expect((await hourRow(slug, at))!.decisions).toBe(4);
  });

  it("ten exports at once lose no count", async () => {
    const slug = "meeting-brief-writer";
    const at = hourAgo(7);
    const exports = await Promise.all(
      Array.from({ length: 10 }, async () => otlpJson(recordSpans(production(slug), await conforming(slug, at, 5)))),
    );
    const answers = await Promise.all(exports.map((bytes) => post(bytes)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await hourRow(slug, at)).toMatchObject({ decisions: 50 });
  });

  it("asks who before what: no token 401, a token without evidence:write 403 even for a malformed body", async () => {
    const garbage = Buffer.from("not an export");
    expect((await post(garbage, { authorization: "" })).status).toBe(401);
    const refused = await post(garbage, { authorization: "Bearer cs_reader-only" });
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toContain("evidence:write");
    await expect(ingestTraces(await as("auditor@countersign.test"), { resources: [], rejected: [], spanCount: 0 })).rejects.toThrow(
      /engineering and operations/,
    );
  });

  it("answers 400 for a body that is not an export, 415 for another media type, 413 past the limit", async () => {
    const bad = await post(Buffer.from("{ nope"));
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain("not JSON");
    expect((await post(Buffer.from('{"resourceSpans": 5}'))).status).toBe(400);
    const badProto = await post(Buffer.from([0xff, 0xff, 0xff]), { "content-type": "application/x-protobuf" });
    expect(badProto.status).toBe(400);
    expect((await post(Buffer.from("{}"), { "content-type": "text/plain" })).status).toBe(415);
    expect((await post(Buffer.from("{}"), { "content-encoding": "br" })).status).toBe(415);
    expect((await post(Buffer.alloc(9 * 1024 * 1024, 32))).status).toBe(413);
    // A gzip bomb is cut off at the same limit, unpacked.
    expect((await post(gzipSync(Buffer.alloc(20 * 1024 * 1024, 32)), { "content-encoding": "gzip" })).status).toBe(413);
  });
});

describe("conformance as it happens", () => {
  it("a call to an ungranted action is a breach at once: security told, a sev2 incident on the running deployment, the trace kept", async () => {
    const slug = "refund-assistant";
    const at = Date.now() - 10 * 60_000;
    const spans = recordSpans(production(slug), [
      ...(await conforming(slug, at, 1)),
      { at: at + 120_000, model: "gpt-4.1-2025-04-14", tools: [{ tool: "stripe:payouts.create" }] },
    ]);
    expect((await post(otlpJson(spans))).status).toBe(200);
    const [breach] = await db
      .select()
      .from(breaches)
      .where(and(eq(breaches.agentId, await agentId(slug)), eq(breaches.kind, "ungranted_action")));
    expect(breach).toMatchObject({ subject: "stripe:payouts.create", environment: "production", occurrences: 1 });
    const incident = (await first(db.select().from(incidents).where(eq(incidents.id, breach!.incidentId!))))!;
    expect(incident).toMatchObject({ severity: "sev2", agentId: await agentId(slug) });
    expect(incident.deploymentId).not.toBeNull();
    expect(incident.title).toContain("ungranted action");
    const told = (
      await db
        .select({ email: users.email })
        .from(notifications)
        .innerJoin(users, eq(users.id, notifications.userId))
        .where(eq(notifications.breachId, breach!.id))
    ).map((n) => n.email);
    expect(told).toContain("security@countersign.test");
    const kept = (await first(db.select().from(runtimeTraces).where(eq(runtimeTraces.traceId, breach!.traceId!))))!;
    expect(kept.breach).toBe(true);

    // The same breach again the same day adds to the record and joins the open incident.
    const again = recordSpans(production(slug), [
      { at: at + 180_000, model: "gpt-4.1-2025-04-14", tools: [{ tool: "stripe:payouts.create" }] },
    ]);
    expect((await post(otlpJson(again))).status).toBe(200);
    const records = await db
      .select()
      .from(breaches)
      .where(and(eq(breaches.agentId, await agentId(slug)), eq(breaches.kind, "ungranted_action")));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ occurrences: 2, incidentId: breach!.incidentId });
    expect((await verifyAuditTrail()).ok).toBe(true);
  });

  it("a model other than the approved one answering opens a drift record, the traces its observations", async () => {
    const slug = "renewal-negotiator";
    const at = Date.now() - 20 * 60_000;
    const traffic = (await conforming(slug, at, 3)).map((d) => ({ ...d, model: "gpt-4.1-mini" }));
    expect((await post(otlpJson(recordSpans(production(slug), traffic)))).status).toBe(200);
    const open = (await first(
      db
        .select()
        .from(driftRecords)
        .where(
          and(eq(driftRecords.agentId, await agentId(slug)), eq(driftRecords.environment, "production"), eq(driftRecords.state, "open")),
        ),
    ))!;
    expect(open.observedSpec!.model.name).toBe("gpt-4.1-mini");
    const seen = await db.select().from(observations).where(eq(observations.driftRecordId, open.id));
    // Three answers from the same model in the same hour: one observation says it.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.source).toMatch(/^runtime traces: gpt-4\.1-mini answered \(trace [0-9a-f]{32}\)$/);
  });
});

describe("harm thresholds", () => {
  it("corrections past the policy's 20% over 7 days open a harm breach; back within, it clears", async () => {
    const slug = "postmortem-drafter";
    const caller = await tokenWith(db, "harm-exporter", ["evidence:write"]);
    const now = Date.now();
    const send = (decisions: Decision[]) => ingestTraces(caller, decodeJsonExport(otlpJson(recordSpans(production(slug), decisions))), now);
    // 19 decisions, all corrected: fewer than 20 is not measured yet.
    await send(await conforming(slug, now - 6 * HOUR, 19, { corrected: true }));
    expect(
      await db
        .select()
        .from(breaches)
        .where(eq(breaches.agentId, await agentId(slug))),
    ).toHaveLength(0);
    // 20 decisions with 19 corrected: 95%.
    await send(await conforming(slug, now - 5 * HOUR, 1));
    const [harm] = await db
      .select()
      .from(breaches)
      .where(and(eq(breaches.agentId, await agentId(slug)), eq(breaches.kind, "harm_threshold")));
    expect(harm).toMatchObject({ subject: "corrections_rate", value: 95, threshold: "corrections_rate > 20 over 7d", clearedAt: null });
    expect((await first(db.select().from(incidents).where(eq(incidents.id, harm!.incidentId!))))!.severity).toBe("sev3");
    // 80 more without corrections: 19 of 100 = 19%, within.
    const later = await send(await conforming(slug, now - 4 * HOUR, 80));
    expect(later.rejected).toEqual([]);
    expect((await first(db.select().from(breaches).where(eq(breaches.id, harm!.id))))!.clearedAt).toBe(now);
  });
});

describe("retention", () => {
  it("deletes kept traces after the agent's traceRetentionDays and keeps the hourly sums", async () => {
    const slug = "call-notes-digest";
    const retention = (await productionSpec(slug)).traceRetentionDays;
    const caller = await tokenWith(db, "retention-exporter", ["evidence:write"]);
    const at = hourAgo(30);
    await ingestTraces(caller, decodeJsonExport(otlpJson(recordSpans(production(slug), await conforming(slug, at, 8)))));
    const kept = async () =>
      (await first(
        db
          .select({ n: sql<number>`COUNT(*)` })
          .from(runtimeTraces)
          .where(and(eq(runtimeTraces.agentId, await agentId(slug)), eq(runtimeTraces.startedAt, at))),
      ))!.n;
    // Every trace of the hour would be 8; five are sampled.
    expect(
      (await first(
        db
          .select({ n: sql<number>`COUNT(*)` })
          .from(runtimeTraces)
          .where(
            and(
              eq(runtimeTraces.agentId, await agentId(slug)),
              sql`${runtimeTraces.startedAt} >= ${at} AND ${runtimeTraces.startedAt} < ${at + HOUR}`,
            ),
          ),
      ))!.n,
    ).toBe(5);
    expect(await kept()).toBe(1);
    // Pruning goes in bounded passes: the demo history's own kept traces expire first.
    const prune = async (now: number) => {
      while ((await withTransaction(async (tx) => pruneRuntimeEvidence(tx, now))).more);
    };
    await prune(at + retention * DAY - 1);
    expect(await kept()).toBe(1);
    await prune(at + retention * DAY + 1);
    expect(await kept()).toBe(0);
    expect((await hourRow(slug, at))!.decisions).toBe(8);
  });
});

describe("placing spans", () => {
  it("finds the agent by a runtime name on the invocation, for its child spans too, and refuses an ambiguous one", async () => {
    const caller = await tokenWith(db, "names-exporter", ["evidence:write"]);
    await withTransaction(async (tx) => {
      await tx
        .update(agents)
        .set({ runtimeNames: ["Notes Digest Bot"] })
        .where(eq(agents.slug, "call-notes-digest"));
    });
    const at = hourAgo(40);
    const traffic = await conforming("call-notes-digest", at, 2, { agentName: "Notes Digest Bot" });
    const result = await ingestTraces(caller, decodeJsonExport(otlpJson(recordSpans({ "deployment.environment.name": "prod" }, traffic))));
    expect(result.rejected).toEqual([]);
    expect(await hourRow("call-notes-digest", at)).toMatchObject({ decisions: 2, toolCalls: 2 });

    await withTransaction(async (tx) => {
      await tx
        .update(agents)
        .set({ runtimeNames: ["Notes Digest Bot"] })
        .where(eq(agents.slug, "meeting-brief-writer"));
    });
    const ambiguous = await ingestTraces(
      caller,
      decodeJsonExport(otlpJson(recordSpans({ "deployment.environment.name": "prod" }, traffic))),
    );
    expect(ambiguous.rejected[0]?.reason).toBe('agent name "Notes Digest Bot" is a runtime name of more than one agent');
  });

  it("a span from before anything was deployed is rejected, not guessed onto a version", async () => {
    const caller = await tokenWith(db, "early-exporter", ["evidence:write"]);
    const created = (await first(db.select({ at: agents.createdAt }).from(agents).where(eq(agents.slug, "call-notes-digest"))))!.at;
    const result = await ingestTraces(
      caller,
      decodeJsonExport(otlpJson(recordSpans(production("call-notes-digest"), [{ at: created - DAY, model: "x" }]))),
    );
    expect(result.rejected.map((r) => r.reason)).toEqual([
      "the span starts before call-notes-digest was registered",
      "the span starts before call-notes-digest was registered",
    ]);
  });

  it("an auditor is refused before the export is read", async () => {
    expect(await errorOf(async () => await ingestTraces(await as("auditor@countersign.test"), null as never))).toMatchObject({
      code: "forbidden",
    });
  });
});
