import Database from "better-sqlite3";
import { loseRacesOn } from "@/lib/testing/lost-race";
import pg from "pg";
import { gzipSync } from "node:zlib";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, getConnection, sqliteConnection, withTransaction, type DB } from "@/db";
import {
  agents,
  agentVersions,
  auditEvents,
  breaches,
  changeRecords,
  driftRecords,
  incidents,
  notifications,
  runtimeActionHours,
  runtimeHours,
  runtimeSeenSpans,
  runtimeTraces,
} from "@/db/schema";
import * as otlpRoute from "@/app/api/v1/otlp/v1/traces/route";
import * as signalsRoute from "@/app/api/v1/signals/route";
import { derivedMetricOf, signalValue } from "@/lib/domain/harm-thresholds";
import { environmentOf } from "@/lib/domain/runtime";
import { databasePath } from "@/lib/env";
import { decodeJsonExport, decodeProtobufExport } from "@/lib/otlp/decode";
import { ExportTraceServiceResponse, RpcStatus } from "@/lib/otlp/trace-proto";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { otlpProtobuf, recordSpans } from "@/lib/testing/otel-spans";
import { testStore } from "@/lib/testing/test-store";
import {
  approveAll,
  as,
  DAY,
  HOUR,
  productionSpec,
  releaseApproved,
  retentionChange,
  retirement,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { verifyAuditTrail } from "./audit";
import type { Caller } from "./caller";
import { harmReadings, productionRelease } from "./harm";
import { recordObservation } from "./observations";
import { promote } from "./promotion";
import { releaseRetirement } from "./retirement";
import { rollback } from "./rollback";
import { recordSignals } from "./signals";
import { ingestTraces } from "./runtime-ingest";
import { agentRuntime } from "./runtime-evidence";
import { tidyRuntimeEvidence } from "./runtime-upkeep";
import { findActiveUser, type CurrentUser } from "./users";

/**
 * The runtime-evidence core under attack: hostile OTLP bodies, spoofed versions, floods of breaches and
 * notifications, exports racing each other, and the edges of time. Each case is what an attacker with an
 * evidence:write token, a misbehaving agent runtime or a busy SRE's collector would send.
 */

const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));

let db: DB;
let exporter: Caller;
const TOKEN = "cs_hostile-exporter";
const clock = testClock();

beforeAll(async () => {
  db = await seedDemoEstate();
  exporter = await tokenWith(db, "hostile-exporter", ["evidence:write"]);
  await tokenWith(db, "hostile-reader", ["read"]);
});

// ---------------------------------------------------------------------------------------------------------
// OTLP/JSON written by hand: what a hostile or broken exporter can send, which the SDK never would.

let lastId = 0;
/** A fresh id of `bytes` bytes, in hex: never zero, never repeated in this file. */
const freshId = (bytes: number) => (++lastId).toString(16).padStart(bytes * 2, "0");
type Attr = string | number | boolean;
const attributes = (o: Record<string, Attr>) =>
  Object.entries(o).map(([key, v]) => ({
    key,
    value:
      typeof v === "string"
        ? { stringValue: v }
        : typeof v === "boolean"
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: String(v) }
            : { doubleValue: v },
  }));
const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);

type SpanInput = { at: number; attrs?: Record<string, Attr>; traceId?: string; spanId?: string; parentSpanId?: string; name?: string };
function span(s: SpanInput, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: s.traceId ?? freshId(16),
    spanId: s.spanId ?? freshId(8),
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name ?? "span",
    kind: 1,
    startTimeUnixNano: nanos(s.at),
    endTimeUnixNano: nanos(s.at + 5),
    attributes: attributes(s.attrs ?? {}),
    ...extra,
  };
}
const invoke = (at: number, attrs: Record<string, Attr> = {}, s: Partial<SpanInput> = {}) =>
  span({ at, name: "invoke_agent", ...s, attrs: { "gen_ai.operation.name": "invoke_agent", ...attrs } });
const tool = (at: number, name: string, attrs: Record<string, Attr> = {}, s: Partial<SpanInput> = {}) =>
  span({ at, name: `execute_tool ${name}`, ...s, attrs: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, ...attrs } });
const chat = (at: number, attrs: Record<string, Attr>, s: Partial<SpanInput> = {}) =>
  span({ at, name: "chat", ...s, attrs: { "gen_ai.operation.name": "chat", ...attrs } });

const exportOf = (resource: Record<string, Attr>, spans: Record<string, unknown>[]) => ({
  resourceSpans: [{ resource: { attributes: attributes(resource) }, scopeSpans: [{ scope: { name: "hostile" }, spans }] }],
});
const production = (agent: string) => ({ "deployment.environment.name": "production", "countersign.agent": agent });
const bytesOf = (body: unknown) => Buffer.from(JSON.stringify(body));
const send = (body: unknown, now = Date.now()) => ingestTraces(exporter, decodeJsonExport(bytesOf(body)), now);

function post(body: Uint8Array | string, headers: Record<string, string> = {}) {
  return otlpRoute.POST(
    new NextRequest("http://localhost/api/v1/otlp/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers },
      body: typeof body === "string" ? body : Buffer.from(body),
    }),
  );
}

const agentOf = async (slug: string) => (await first(db.select().from(agents).where(eq(agents.slug, slug))))!;
const hourAgo = (hours: number) => Math.floor((Date.now() - hours * HOUR) / HOUR) * HOUR;
const hourRows = async (slug: string, hour: number, environment: "production" | "staging" = "production") =>
  await db
    .select()
    .from(runtimeHours)
    .where(and(eq(runtimeHours.agentId, (await agentOf(slug)).id), eq(runtimeHours.environment, environment), eq(runtimeHours.hour, hour)));
const breachesOf = async (slug: string) =>
  await db
    .select()
    .from(breaches)
    .where(eq(breaches.agentId, (await agentOf(slug)).id))
    .orderBy(breaches.number);
const noticesOf = async (breachIds: string[]) =>
  breachIds.length === 0 ? [] : await db.select().from(notifications).where(inArray(notifications.breachId, breachIds));
/** A granted action of the agent's production spec that asks for no approval and has no limit. */
async function grantedTool(slug: string): Promise<string> {
  const spec = await productionSpec(slug);
  for (const t of spec.tools) for (const a of t.actions) if (a.approval === "none" && !a.limit) return `${t.system}:${a.name}`;
  throw new Error(`${slug} has no plain granted action`);
}
/**
 * The SQL statements run while `fn` runs: what an export costs, whatever the machine's speed. On SQLite the
 * statements prepared on either connection; on PostgreSQL every query a pooled connection sends (BEGIN and
 * COMMIT included).
 */
async function statementsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const connection = getConnection();
  const spies =
    connection.engine === "postgres"
      ? [vi.spyOn(pg.Client.prototype, "query")]
      : [...new Set([connection.sqlite, connection.reader])].map((c) => vi.spyOn(c, "prepare"));
  try {
    const result = await fn();
    return { result, statements: spies.reduce((n, spy) => n + spy.mock.calls.length, 0) };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** `count` span ids remembered as seen at `seenAt`, keyed `${prefix}:0` on: what a busy collector leaves behind. */
async function rememberSpans(tx: DB, prefix: string, count: number, seenAt: number) {
  for (let i = 0; i < count; i += 1_000)
    await tx
      .insert(runtimeSeenSpans)
      .values(Array.from({ length: Math.min(1_000, count - i) }, (_, j) => ({ key: `${prefix}:${i + j}`, seenAt })));
}

/** vip-escalation-agent rolled back in production at 10:30 on 25 November (once, whichever test asks first). */
async function rolledBackMidHour() {
  const slug = "vip-escalation-agent";
  const agentId = (await agentOf(slug)).id;
  const hour = Date.UTC(2026, 10, 25, 10);
  const before = (await productionRelease(db, agentId, hour))!.version;
  if ((await productionRelease(db, agentId, hour + HOUR))!.releasedAt !== hour + 30 * 60_000)
    await rollback(
      await as("ops@countersign.test"),
      slug,
      { environment: "production", reason: "Escalations to the wrong desk" },
      hour + 30 * 60_000,
    );
  return { hour, before, after: (await productionRelease(db, agentId, hour + HOUR))!.version };
}

// ---------------------------------------------------------------------------------------------------------

describe("hostile OTLP bodies", () => {
  it("an environment named after Object's prototype machinery is rejected with its reason, never a 500", async () => {
    for (const name of ["constructor", "__proto__"]) {
      expect(environmentOf({ "deployment.environment.name": name })).toBeNull();
      const one = invoke(hourAgo(3));
      const response = await post(
        bytesOf(exportOf({ "deployment.environment.name": name, "countersign.agent": "call-notes-digest" }, [one])),
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        partialSuccess: {
          rejectedSpans: 1,
          errorMessage: `1 span(s) rejected: span ${one.spanId} (invoke_agent): deployment.environment.name "${name}" is not development, staging or production`,
        },
      });
    }
    // A harm metric named "constructor" is a business metric, not a derived counter.
    expect(derivedMetricOf("constructor")).toBeNull();
  });

  it("attribute keys named __proto__, constructor or toString are data, never a prototype: the span counts, nothing is polluted", async () => {
    const slug = "call-notes-digest";
    const hour = hourAgo(21);
    const traceId = freshId(16);
    const hostile = tool(hour + 1000, "made-up:proto", {}, { traceId });
    (hostile.attributes as unknown[]).push(
      { key: "__proto__", value: { kvlistValue: { values: [{ key: "polluted", value: { boolValue: true } }] } } },
      { key: "constructor", value: { stringValue: "not a function" } },
      { key: "toString", value: { kvlistValue: { values: [{ key: "__proto__", value: { stringValue: "x" } }] } } },
    );
    const body = JSON.stringify(exportOf(production(slug), [invoke(hour, {}, { traceId }), hostile]));
    expect((await send(JSON.parse(body))).rejected).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 1, toolCalls: 1 });
    const kept = (await first(db.select().from(runtimeTraces).where(eq(runtimeTraces.traceId, traceId))))!;
    const attrs = kept.spans.find((sp) => sp.name.startsWith("execute_tool"))!.attributes;
    expect(Object.hasOwn(attrs, "__proto__")).toBe(false);
    expect(attrs.constructor).toBe("not a function");
    expect(attrs.toString).toEqual({});
  });

  it("answers an empty export with 200 in either encoding, null resourceSpans included (proto3 JSON: null is the default)", async () => {
    for (const body of ["{}", '{"resourceSpans":[]}', '{"resourceSpans":null}', '{"resourceSpans":[{}, {"scopeSpans":[{"spans":[]}]}]}']) {
      const response = await post(body);
      expect(response.status, body).toBe(200);
      expect(await response.json()).toEqual({});
    }
    const proto = await post(new Uint8Array(0), { "content-type": "application/x-protobuf" });
    expect(proto.status).toBe(200);
    expect(proto.headers.get("content-type")).toBe("application/x-protobuf");
    expect(new Uint8Array(await proto.arrayBuffer()).length).toBe(0);
  });

  it("ignores fields it does not know, in JSON and in protobuf, and counts the spans", async () => {
    const slug = "call-notes-digest";
    const [jsonHour, protoHour] = [hourAgo(20), hourAgo(19)];
    const body = exportOf(production(slug), [invoke(jsonHour + 60_000, {}, {}), invoke(jsonHour + 120_000)]) as {
      resourceSpans: Record<string, unknown>[];
    };
    const withExtras = {
      futureTopLevel: { anything: [1, 2, 3] },
      resourceSpans: body.resourceSpans.map((rs) => ({
        ...rs,
        schemaUrl: "https://opentelemetry.io/schemas/1.30.0",
        futureResourceField: true,
        scopeSpans: (rs.scopeSpans as { spans: Record<string, unknown>[] }[]).map((ss) => ({
          ...ss,
          futureScopeField: 7,
          spans: ss.spans.map((s) => ({ ...s, flags: 257, links: [{ traceId: freshId(16), spanId: freshId(8) }], futureSpanField: "x" })),
        })),
      })),
    };
    expect((await post(bytesOf(withExtras))).status).toBe(200);
    expect((await hourRows(slug, jsonHour))[0]).toMatchObject({ decisions: 2 });

    // Field 99 of the request (a varint, value 1) and field 50 of the first span: no schema of ours has them.
    const sdk = otlpProtobuf(recordSpans(production(slug), [{ at: protoHour + 60_000, model: (await productionSpec(slug)).model.name }]));
    const extended = Buffer.concat([Buffer.from(sdk), Buffer.from([0x98, 0x06, 0x01])]);
    expect(decodeProtobufExport(extended).spanCount).toBe(decodeProtobufExport(sdk).spanCount);
    const response = await post(extended, { "content-type": "application/x-protobuf" });
    expect(response.status).toBe(200);
    expect((await hourRows(slug, protoHour))[0]).toMatchObject({ decisions: 1 });
  });

  it("sets aside each malformed span with its reason (ids, times, numbers where strings belong) and keeps the rest", async () => {
    const slug = "call-notes-digest";
    const hour = hourAgo(22);
    const at = hour + 60_000;
    const spans = [
      invoke(at, {}, { traceId: "abc" }),
      invoke(at, {}, { traceId: "0".repeat(32) }),
      invoke(at, {}, { spanId: "00000000000001" }),
      { ...invoke(at), traceId: 12345 },
      { ...invoke(at), startTimeUnixNano: "0" },
      { ...invoke(at), startTimeUnixNano: "-5" },
      { ...invoke(at), startTimeUnixNano: "123456789012345678901" },
      // 2^64 ns: the year 2554.
      { ...invoke(at), startTimeUnixNano: "18446744073709551616", endTimeUnixNano: "18446744073709551616" },
      { ...invoke(at), endTimeUnixNano: nanos(at - 1) },
      // Status codes out of range are unset; the JSON enum's name is read too.
      { ...invoke(at), status: { code: 99 } },
      { ...invoke(at), status: { code: "STATUS_CODE_ERROR", message: 42 } },
      {
        ...invoke(at),
        name: 42,
        attributes: [
          ...attributes({ "gen_ai.operation.name": "invoke_agent" }),
          { key: 7, value: { stringValue: "x" } },
          { key: "k", value: "not an AnyValue" },
        ],
      },
    ];
    const result = await send(exportOf(production(slug), spans));
    expect(result.rejected.map((r) => r.reason)).toEqual([
      "traceId is not 16 bytes",
      "traceId is not 16 bytes",
      "spanId is not 8 bytes",
      "traceId is not 16 bytes",
      "startTimeUnixNano is missing or not a time",
      "startTimeUnixNano is missing or not a time",
      "startTimeUnixNano is missing or not a time",
      "endTimeUnixNano is before startTimeUnixNano",
      "the span starts in the future",
    ]);
    expect(result.accepted).toBe(3);
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 3, errors: 1 });
  });

  it("counts only token usage that could be real: no negative, fractional or astronomical numbers in the sums", async () => {
    const slug = "gdpr-request-handler";
    const hour = hourAgo(30);
    const usage = [-1_000_000, 1e300, 2.5, 150];
    const model = (await productionSpec(slug)).model.name;
    await send(
      exportOf(
        production(slug),
        usage.map((n, i) => chat(hour + i * 1000, { "gen_ai.response.model": model, "gen_ai.usage.input_tokens": n })),
      ),
    );
    expect((await hourRows(slug, hour))[0]).toMatchObject({ inputTokens: 150, outputTokens: 0 });
  });

  it("a NUL character in a name, attribute or resource is kept as U+FFFD and the span counted, never a 500, on either engine", async () => {
    // OTLP strings may hold U+0000; PostgreSQL's text and jsonb cannot. The span is counted all the same.
    const slug = "alert-deduplicator";
    const hour = hourAgo(9);
    const traceId = freshId(16);
    const root = invoke(hour + 1_000, { "prompt\u0000key": "say\u0000hi" }, { traceId, name: "invoke\u0000agent" });
    const call = tool(hour + 2_000, "made-up:nul\u0000tool", {}, { traceId, parentSpanId: root.spanId as string });
    const answer = chat(hour + 3_000, { "gen_ai.response.model": "mistral\u0000large" }, { traceId, parentSpanId: root.spanId as string });
    const response = await post(bytesOf(exportOf({ ...production(slug), "service.name": "dedup\u0000er" }, [root, call, answer])));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 1, toolCalls: 1 });
    const breach = (await breachesOf(slug)).find((b) => b.subject.startsWith("made-up:nul"))!;
    expect(breach.subject).toBe("made-up:nul\uFFFDtool");
    const kept = (await first(db.select().from(runtimeTraces).where(eq(runtimeTraces.traceId, traceId))))!;
    expect(kept.spans.map((s) => s.name)).toContain("invoke\uFFFDagent");
    expect(kept.spans.find((s) => s.name === "invoke\uFFFDagent")!.attributes).toMatchObject({ "prompt\uFFFDkey": "say\uFFFDhi" });
    const drift = (await first(
      db
        .select()
        .from(driftRecords)
        .where(and(eq(driftRecords.agentId, (await agentOf(slug)).id), eq(driftRecords.state, "open"))),
    ))!;
    expect(drift.observedSpec!.model.name).toBe("mistral\uFFFDlarge");
    // An agent named with a NUL is no agent Countersign knows: the span is rejected saying so.
    const unknown = await post(bytesOf(exportOf(production("alert\u0000deduplicator"), [invoke(hour + 4_000)])));
    expect(unknown.status).toBe(200);
    expect((await unknown.json()).partialSuccess).toMatchObject({ rejectedSpans: 1 });
  });

  it("a tool name of 100,000 characters is kept to 200 in the breach, the action and the answer", async () => {
    const slug = "gdpr-request-handler";
    const at = hourAgo(29) + 60_000;
    const name = `evil:${"x".repeat(100_000)}`;
    const response = await post(bytesOf(exportOf(production(slug), [tool(at, name)])));
    expect(response.status).toBe(200);
    const [breach] = (await breachesOf(slug)).filter((b) => b.kind === "ungranted_action");
    expect(breach!.subject.length).toBeLessThanOrEqual(200);
    expect(breach!.subject.startsWith("evil:xxx")).toBe(true);
    expect(breach!.detail.length).toBeLessThan(400);
    const actions = await db
      .select()
      .from(runtimeActionHours)
      .where(eq(runtimeActionHours.agentId, (await agentOf(slug)).id));
    expect(Math.max(...actions.map((a) => a.action.length))).toBeLessThanOrEqual(200);
    // An unknown agent's 100,000-character name is not echoed back whole either.
    const ghost = await post(bytesOf(exportOf(production("g".repeat(100_000)), [invoke(at, {}, { name: "n".repeat(100_000) })])));
    expect((await ghost.json()).partialSuccess.errorMessage.length).toBeLessThan(1_000);
  });

  it("an attribute nested 5,000 levels deep in JSON is cut, the span still counted; protobuf that deep is a 400, never a 500", async () => {
    const slug = "call-notes-digest";
    const hour = hourAgo(23);
    // Written as text: JSON.stringify itself overflows the stack on a value this deep.
    const deep = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(5_000)}{"stringValue":"bottom"}${"}]}}".repeat(5_000)}`;
    const one = invoke(hour + 60_000);
    (one.attributes as unknown[]).push({ key: "deep", value: "DEEP" });
    expect((await post(JSON.stringify(exportOf(production(slug), [one])).replace('"DEEP"', deep))).status).toBe(200);
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 1 });

    // AnyValue{array_value: ArrayValue{values: AnyValue{…}}} 200 levels deep, in a resource attribute.
    const varint = (n: number) => {
      const out: number[] = [];
      for (; n > 127; n = Math.floor(n / 128)) out.push((n & 127) | 128);
      return [...out, n];
    };
    const field = (tag: number, payload: Uint8Array) => Buffer.concat([Buffer.from([tag, ...varint(payload.length)]), payload]);
    let value: Uint8Array = Buffer.from([0x0a, 0x01, 0x78]);
    for (let i = 0; i < 200; i++) value = field(0x2a, field(0x0a, value));
    const request = field(0x0a, field(0x0a, field(0x0a, Buffer.concat([field(0x0a, Buffer.from("deep")), field(0x12, value)]))));
    const response = await post(request, { "content-type": "application/x-protobuf" });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/x-protobuf");
    expect(RpcStatus.toObject(RpcStatus.decode(new Uint8Array(await response.arrayBuffer())))).toMatchObject({ code: 3 });
  });

  it("one trace of 130,000 spans (past what a spread of arguments holds) is counted, not a crash", async () => {
    const slug = "account-unlock-bot";
    const hour = hourAgo(26);
    const traceId = freshId(16);
    const spans = Array.from({ length: 130_000 }, (_, i) => invoke(hour + (i % 3_000_000), {}, { traceId }));
    const result = await send(exportOf(production(slug), spans));
    expect(result.rejected).toEqual([]);
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 130_000 });
  });

  it("a kept trace holds at most 256 KB of spans, however large the attributes sent", async () => {
    const slug = "account-unlock-bot";
    const at = hourAgo(27) + 60_000;
    const traceId = freshId(16);
    const big = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`payload.${i}`, "y".repeat(3_000)]));
    // A breaching trace, so it is kept.
    const spans = [tool(at, "made-up:bulky", big, { traceId }), ...Array.from({ length: 199 }, (_, i) => invoke(at + i, big, { traceId }))];
    await send(exportOf(production(slug), spans));
    const kept = (await first(db.select().from(runtimeTraces).where(eq(runtimeTraces.traceId, traceId))))!;
    expect(kept.breach).toBe(true);
    expect(kept.spans.length).toBeGreaterThan(0);
    expect(JSON.stringify(kept.spans).length).toBeLessThanOrEqual(256 * 1024);
    expect(kept.spans[0]!.attributes["payload.0"]).toBe(`${"y".repeat(2_000)}…`);
  });

  it("5,000 decisions in one export cost a bounded number of statements, not one or more per span", async () => {
    const slug = "store-credit-issuer";
    const hour = hourAgo(8);
    const granted = await grantedTool(slug);
    const spans = Array.from({ length: 2_500 }, (_, i) => {
      const traceId = freshId(16);
      const parent = invoke(hour + i * 1000, {}, { traceId });
      return [parent, tool(hour + i * 1000 + 10, granted, {}, { traceId, parentSpanId: parent.spanId as string })];
    }).flat();
    const { result, statements } = await statementsDuring(() => send(exportOf(production(slug), spans)));
    expect(result.rejected).toEqual([]);
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 2_500, toolCalls: 2_500 });
    // One statement per 20 spans at most; the hour is still one upsert.
    expect(statements).toBeLessThan(spans.length / 20);
    // Five sampled traces of the hour, as for any hour.
    const kept = (await first(
      db
        .select({ n: sql<number>`COUNT(*)` })
        .from(runtimeTraces)
        .where(
          and(
            eq(runtimeTraces.agentId, (await agentOf(slug)).id),
            sql`${runtimeTraces.startedAt} >= ${hour} AND ${runtimeTraces.startedAt} < ${hour + HOUR}`,
          ),
        ),
    ))!.n;
    expect(kept).toBe(5);
  });
});

describe("floods", () => {
  it("2,000 different ungranted tool names in a day are 20 breach records and one for the rest: bounded records, notices and work", async () => {
    const slug = "chargeback-responder";
    const hour = hourAgo(5);
    const spans = Array.from({ length: 2_000 }, (_, i) => tool(hour + i * 1000, `made-up:tool-${i}`));
    const { statements } = await statementsDuring(() => send(exportOf(production(slug), spans)));
    const records = await breachesOf(slug);
    expect(records).toHaveLength(21);
    expect(records.slice(0, 20).map((b) => b.subject)).toEqual(Array.from({ length: 20 }, (_, i) => `made-up:tool-${i}`));
    expect(records[20]).toMatchObject({ kind: "ungranted_action", subject: "(other actions)", occurrences: 1_980 });
    // One incident for the one running deployment, however many records.
    expect(new Set(records.map((b) => b.incidentId)).size).toBe(1);
    // Each record is told once to each of the same people.
    const perRecord = (await noticesOf([records[0]!.id])).length;
    expect(perRecord).toBeGreaterThan(0);
    expect(await noticesOf(records.map((b) => b.id))).toHaveLength(21 * perRecord);
    // Calls to the same names again the same day add to their records; more new names add to the rest.
    await send(
      exportOf(production(slug), [
        tool(hour + 3_000_000, "made-up:tool-3"),
        tool(hour + 3_001_000, "made-up:tool-1999"),
        tool(hour + 3_002_000, "made-up:another"),
      ]),
    );
    const again = await breachesOf(slug);
    expect(again).toHaveLength(21);
    expect(again.find((b) => b.subject === "made-up:tool-3")!.occurrences).toBe(2);
    expect(again.find((b) => b.subject === "(other actions)")!.occurrences).toBe(1_982);
    expect(await noticesOf(again.map((b) => b.id))).toHaveLength(21 * perRecord);
    expect(statements).toBeLessThan(1_000);
    // The hour's actions: 50 unknown names by name, the rest together.
    const actions = await db
      .select()
      .from(runtimeActionHours)
      .where(and(eq(runtimeActionHours.agentId, (await agentOf(slug)).id), eq(runtimeActionHours.hour, hour)));
    expect(actions).toHaveLength(51);
    expect(actions.reduce((sum, a) => sum + a.calls, 0)).toBe(2_003);
    expect((await hourRows(slug, hour))[0]).toMatchObject({ toolCalls: 2_003 });
  });

  it("a harm threshold going back and forth across its line within a day is one record reopened, told once", async () => {
    const slug = "password-reset-agent";
    const now = Date.now();
    // The release declares no corrections threshold of its own: the policy's corrections_rate > 20 over 7d holds it.
    const release = (await productionRelease(db, (await agentOf(slug)).id, now))!;
    await withTransaction(async (tx) => {
      await tx.update(changeRecords).set({ harmMetrics: [] }).where(eq(changeRecords.id, release.version.changeRecordId!));
    });
    const decisions = (from: number, n: number, corrected: number) =>
      Array.from({ length: n }, (_, i) => invoke(from + i * 1000, i < corrected ? { "countersign.correction": true } : {}));
    // 5 of 20 corrected: 25%, past the policy's 20.
    await send(exportOf(production(slug), decisions(now - 3 * HOUR, 20, 5)), now);
    const [first] = await breachesOf(slug);
    expect(first).toMatchObject({ kind: "harm_threshold", subject: "corrections_rate", value: 25, clearedAt: null });
    const told = (await noticesOf([first!.id])).length;
    // 5 more without: 5 of 25 = 20%, within.
    await send(exportOf(production(slug), decisions(now - 2 * HOUR, 5, 0)), now + 1000);
    expect((await breachesOf(slug))[0]!.clearedAt).toBe(now + 1000);
    // 2 more corrected: 7 of 27 ≈ 25.9%, past it again: the same record, open again, nobody told twice.
    await send(exportOf(production(slug), decisions(now - HOUR, 2, 2)), now + 2000);
    const records = await breachesOf(slug);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ clearedAt: null, occurrences: 2, lastAt: now + 2000 });
    expect(records[0]!.value).toBeCloseTo((100 * 7) / 27, 6);
    expect(await noticesOf([first!.id])).toHaveLength(told);
    const trail = (await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.entityId, first!.id))).map(
      (e) => e.action,
    );
    expect(trail).toEqual(["breach.recorded", "breach.cleared", "breach.reopened"]);
  });

  it("two thresholds on the same metric (a change's and its alias) are one breach, not a failed export", async () => {
    const slug = "incident-triage-bot";
    const now = Date.now();
    const release = (await productionRelease(db, (await agentOf(slug)).id, now))!;
    await withTransaction(async (tx) => {
      await tx
        .update(changeRecords)
        .set({
          harmMetrics: [
            { name: "corrections_rate", comparator: ">", threshold: 20, window: "7d" },
            { name: "User correction rate", comparator: ">", threshold: 50, window: "24h" },
          ],
        })
        .where(eq(changeRecords.id, release.version.changeRecordId!));
    });
    const corrected = Array.from({ length: 20 }, (_, i) => invoke(now - HOUR + i * 1000, { "countersign.correction": true }));
    expect((await send(exportOf(production(slug), corrected), now)).rejected).toEqual([]);
    const harm = (await breachesOf(slug)).filter((b) => b.kind === "harm_threshold");
    expect(harm).toHaveLength(1);
    expect(harm[0]).toMatchObject({ subject: "corrections_rate", value: 100, clearedAt: null });
    // 60 more without a correction: 20 of 80 = 25% over 7 days, still past 20; the 24h one is within (25 ≤ 50). Still breached.
    await send(
      exportOf(
        production(slug),
        Array.from({ length: 60 }, (_, i) => invoke(now - HOUR + 30_000 + i * 1000)),
      ),
      now + 1000,
    );
    expect((await breachesOf(slug)).filter((b) => b.kind === "harm_threshold")[0]).toMatchObject({ clearedAt: null, value: 25 });
  });

  it("a window longer than the release reads from the release: the same version's earlier stint in production is not counted", async () => {
    // vip-escalation-agent's rollback on 25 November put back a version that ran in production in September.
    const slug = "vip-escalation-agent";
    const agentId = (await agentOf(slug)).id;
    const now = Date.now();
    await rolledBackMidHour();
    const release = (await productionRelease(db, agentId, now))!;
    const earlier = (await first(
      db
        .select({ at: sql<number>`MIN(deployed_at)` })
        .from(sql`deployments`)
        .where(sql`agent_id = ${agentId} AND environment = 'production' AND version_id = ${release.version.id}`),
    ))!.at;
    expect(earlier).toBeLessThan(release.releasedAt - 30 * DAY);
    await withTransaction(async (tx) => {
      await tx
        .update(changeRecords)
        .set({ harmMetrics: [{ name: "corrections_rate", comparator: ">", threshold: 20, window: "90d" }] })
        .where(eq(changeRecords.id, release.version.changeRecordId!));
    });
    // 30 corrected decisions in the earlier stint, 5 clean ones since the release.
    await send(
      exportOf(
        production(slug),
        Array.from({ length: 30 }, (_, i) => invoke(earlier + HOUR + i * 1000, { "countersign.correction": true })),
      ),
      now,
    );
    await send(
      exportOf(
        production(slug),
        Array.from({ length: 5 }, (_, i) => invoke(release.releasedAt + HOUR + i * 1000)),
      ),
      now,
    );
    const reading = (await harmReadings(db, agentId, now)).find((r) => r.metric.window === "90d")!;
    expect(reading).toMatchObject({ value: null, status: "unmeasured", from: release.releasedAt });
    expect((await breachesOf(slug)).filter((b) => b.kind === "harm_threshold")).toEqual([]);
  });

  it("a threshold whose name has no letter or digit reads as unmeasured, and fails no export", async () => {
    const slug = "sla-breach-watcher";
    const now = Date.now();
    const release = (await productionRelease(db, (await agentOf(slug)).id, now))!;
    await withTransaction(async (tx) => {
      await tx
        .update(changeRecords)
        .set({ harmMetrics: [{ name: "%%%", comparator: ">", threshold: 1, window: "7d" }] })
        .where(eq(changeRecords.id, release.version.changeRecordId!));
    });
    expect((await send(exportOf(production(slug), [invoke(now - HOUR)]), now)).rejected).toEqual([]);
    expect((await harmReadings(db, (await agentOf(slug)).id, now)).find((r) => r.metric.name === "%%%")).toMatchObject({
      status: "unmeasured",
    });
  });

  it("distinct breaches on one running deployment are one incident", async () => {
    const slug = "crm-record-updater";
    const at = hourAgo(4) + 60_000;
    await send(exportOf(production(slug), [tool(at, "made-up:one"), tool(at + 1000, "made-up:two"), tool(at + 2000, "made-up:three")]));
    const records = await breachesOf(slug);
    expect(records).toHaveLength(3);
    expect(new Set(records.map((b) => b.incidentId)).size).toBe(1);
    expect(
      (
        await db
          .select()
          .from(incidents)
          .where(eq(incidents.agentId, (await agentOf(slug)).id))
      ).filter((i) => i.id === records[0]!.incidentId),
    ).toHaveLength(1);
  });
});

describe("spoofing a version", () => {
  it("a spec hash of a version never deployed to the environment is refused there, not made a breach or an incident", async () => {
    const slug = "refund-assistant";
    const proposed = await retentionChange(slug, 3, clock.next());
    const hash = proposed.specHash!;
    const at = Date.now() - 30 * 60_000;
    const spoofed = await send(exportOf({ ...production(slug), "countersign.spec_hash": hash }, [tool(at, "stripe:payouts.create")]));
    expect(spoofed.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(new RegExp(`^v\\d+ of ${slug} \\(spec hash ${hash}\\) was never deployed to production before `)),
    ]);
    expect(await breachesOf(slug)).toEqual([]);

    // Approved and promoted to staging: its hash places spans in staging, still not in production.
    await approveAll(proposed.id, clock);
    await promote(await as("engineer2@countersign.test"), proposed.id, { environment: "development" }, clock.next());
    await promote(await as("engineer2@countersign.test"), proposed.id, { environment: "staging" }, clock.next());
    const staging = await send(
      exportOf({ "deployment.environment.name": "staging", "countersign.agent": slug, "countersign.spec_hash": hash }, [invoke(at)]),
    );
    expect(staging.rejected).toEqual([]);
    expect((await send(exportOf({ ...production(slug), "countersign.spec_hash": hash }, [invoke(at)]))).rejected).toHaveLength(1);
    // An unknown hash is refused as before.
    expect((await send(exportOf({ ...production(slug), "countersign.spec_hash": "sha256:nope" }, [invoke(at)]))).rejected[0]!.reason).toBe(
      `no version of ${slug} has spec hash sha256:nope`,
    );
    expect(
      await db
        .select()
        .from(incidents)
        .where(and(eq(incidents.agentId, (await agentOf(slug)).id), isNull(incidents.deploymentId))),
    ).toEqual([]);
  });

  it("a retired agent's spans are refused after its retirement, with or without a spec hash; its actions are no longer granted", async () => {
    const slug = "kyc-document-checker";
    const hashNow = (await productionRelease(db, (await agentOf(slug)).id, Date.now()))!.version.specHash;
    const change = await retirement(slug, clock.next());
    await approveAll(change.id, clock);
    const retiredAt = clock.next();
    await releaseRetirement(await as("engineer2@countersign.test"), change.id, {}, retiredAt);
    const before = await send(exportOf(production(slug), [invoke(retiredAt - HOUR, {})]));
    expect(before.rejected).toEqual([]);
    for (const resource of [production(slug), { ...production(slug), "countersign.spec_hash": hashNow }]) {
      const after = await send(exportOf(resource, [invoke(retiredAt + HOUR)]));
      expect(after.rejected.map((r) => r.reason)).toEqual([`${slug} was retired from production at ${new Date(retiredAt).toISOString()}`]);
    }
    const view = await agentRuntime(await as("auditor@countersign.test"), slug, { from: new Date(retiredAt - DAY).toISOString() });
    expect(view.actions.every((a) => !a.granted)).toBe(true);
  });

  it("a breach on a version no longer running (an older version's spec hash, spans from before the release) opens no incident on the replaced deployment", async () => {
    const slug = "renewal-reminder";
    const agentId = (await agentOf(slug)).id;
    const now = Date.now();
    const running = (await productionRelease(db, agentId, now))!;
    // renewal-reminder was rolled back from v15 to v14: v15 ran in production, and runs there no more.
    const replaced = (await first(
      db
        .select()
        .from(agentVersions)
        .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.number, running.version.number + 1))),
    ))!;
    const incidentsBefore = (await db.select().from(incidents).where(eq(incidents.agentId, agentId))).length;
    const stale = await send(
      exportOf({ ...production(slug), "countersign.spec_hash": replaced.specHash }, [tool(now - 20 * 60_000, "made-up:stale-pod")]),
      now,
    );
    expect(stale.rejected).toEqual([]);
    const backdated = await send(exportOf(production(slug), [tool(running.releasedAt - HOUR, "made-up:last-month")]), now);
    expect(backdated.rejected).toEqual([]);
    const records = await breachesOf(slug);
    expect(records.map((b) => [b.subject, b.versionId, b.incidentId])).toEqual([
      ["made-up:stale-pod", replaced.id, null],
      ["made-up:last-month", replaced.id, null],
    ]);
    expect((await noticesOf(records.map((b) => b.id))).length).toBeGreaterThan(0);
    expect(await db.select().from(incidents).where(eq(incidents.agentId, agentId))).toHaveLength(incidentsBefore);
    // The running version's breach still opens one on the running deployment.
    await send(exportOf(production(slug), [tool(now - 10 * 60_000, "made-up:now")]), now);
    const current = (await breachesOf(slug)).find((b) => b.subject === "made-up:now")!;
    expect(current.incidentId).not.toBeNull();
  });

  it("a span's gen_ai.agent.id the agent does not know does not hide the gen_ai.agent.name it does", async () => {
    const slug = "duplicate-account-merger";
    await withTransaction(async (tx) => {
      await tx
        .update(agents)
        .set({ runtimeNames: ["Dedupe Bot"] })
        .where(eq(agents.slug, slug));
    });
    const hour = hourAgo(9);
    const result = await send(
      exportOf({ "deployment.environment.name": "production" }, [
        invoke(hour + 60_000, { "gen_ai.agent.id": "asst_8f3k2x", "gen_ai.agent.name": "Dedupe Bot" }),
      ]),
    );
    expect(result.rejected).toEqual([]);
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 1 });
  });
});

describe("races", () => {
  it("two exports racing to open the same day's breach, and a signal with them: one record, never a 500", async () => {
    const slug = "crm-record-updater";
    const at = hourAgo(2) + 60_000;
    // Each with a span from the future, rejected: an export run again after losing a race (PostgreSQL) reports it once.
    const one = () => post(bytesOf(exportOf(production(slug), [tool(at, "made-up:raced"), invoke(Date.now() + DAY)])));
    const signal = signalsRoute.POST(
      new NextRequest("http://localhost/api/v1/signals", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ agent: slug, environment: "production", metric: "refund_reversal_rate", value: 1 }),
      }),
      { params: Promise.resolve({}) },
    );
    const answers = await Promise.all([one(), one(), signal, one()]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 201, 200]);
    for (const i of [0, 1, 3]) expect((await answers[i]!.json()).partialSuccess).toMatchObject({ rejectedSpans: 1 });
    expect((await breachesOf(slug)).filter((b) => b.subject === "made-up:raced")).toMatchObject([{ occurrences: 3 }]);
  });

  it.runIf(testStore === "postgres")(
    "an export run again after losing a race (a serialization failure) counts its spans once and reports each rejected one once",
    async () => {
      const slug = "sanctions-screener";
      const hour = hourAgo(4);
      // The first write of an hour's sums fails as a lost race would; the seam runs the whole export again.
      const race = await loseRacesOn("test_lose_race_once", "runtime_hours", { on: "INSERT" });
      try {
        const response = await post(bytesOf(exportOf(production(slug), [invoke(hour + 1_000), invoke(Date.now() + DAY)])));
        expect(response.status).toBe(200);
        expect((await response.json()).partialSuccess).toMatchObject({ rejectedSpans: 1 });
        expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 1 });
        expect(await race.attempts()).toBe(2);
      } finally {
        await race.remove();
      }
    },
  );

  // SQLite's busy timeout: PostgreSQL has none (a writer waits on the rows it needs, and a serialization failure is retried).
  it.skipIf(testStore === "postgres")(
    "a database locked by another process past the busy timeout is a 503 with Retry-After (retryable), and the retry is counted once",
    async () => {
      const slug = "mfa-recovery-assistant";
      const hour = hourAgo(6);
      const bytes = otlpProtobuf(recordSpans(production(slug), [{ at: hour + 60_000, model: (await productionSpec(slug)).model.name }]));
      const other = new Database(databasePath);
      sqliteConnection().sqlite.pragma("busy_timeout = 50");
      try {
        other.exec("BEGIN IMMEDIATE");
        const locked = await post(bytes, { "content-type": "application/x-protobuf" });
        expect(locked.status).toBe(503);
        expect(locked.headers.get("retry-after")).toBe("30");
        expect(RpcStatus.toObject(RpcStatus.decode(new Uint8Array(await locked.arrayBuffer())))).toMatchObject({ code: 14 });
        other.exec("ROLLBACK");
      } finally {
        other.close();
        sqliteConnection().sqlite.pragma("busy_timeout = 5000");
      }
      expect((await post(bytes, { "content-type": "application/x-protobuf" })).status).toBe(200);
      expect((await post(bytes, { "content-type": "application/x-protobuf" })).status).toBe(200);
      expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 1 });
    },
  );
});

describe("time and place", () => {
  it("spans of an hour in which production changed version count for the version running at each span's start", async () => {
    const slug = "vip-escalation-agent";
    const { hour, before, after } = await rolledBackMidHour();
    expect(after.id).not.toBe(before.id);
    await send(exportOf(production(slug), [invoke(hour + 20 * 60_000), invoke(hour + 29 * 60_000), invoke(hour + 40 * 60_000)]));
    const rows = await hourRows(slug, hour);
    expect(Object.fromEntries(rows.map((r) => [r.versionId, r.decisions]))).toEqual({ [before.id]: 2, [after.id]: 1 });
  });

  it("a parent chain that is a cycle ends: the spans are rejected for naming no agent", async () => {
    const [a, b, c] = [freshId(8), freshId(8), freshId(8)];
    const traceId = freshId(16);
    const at = hourAgo(3);
    const result = await send(
      exportOf({ "deployment.environment.name": "production" }, [
        invoke(at, {}, { traceId, spanId: a, parentSpanId: b }),
        tool(at, "x:y", {}, { traceId, spanId: b, parentSpanId: a }),
        tool(at, "x:y", {}, { traceId, spanId: c, parentSpanId: c }),
      ]),
    );
    expect(result.rejected.map((r) => r.reason)).toEqual(
      Array(3).fill("no agent: set the resource attribute countersign.agent, or gen_ai.agent.name on the span"),
    );
  });

  it("a child span whose agent is named on a parent in another export is refused saying so, and what to set", async () => {
    await withTransaction(async (tx) => {
      await tx
        .update(agents)
        .set({ runtimeNames: ["Ticket Router"] })
        .where(eq(agents.slug, "ticket-escalation-router"));
    });
    const at = hourAgo(12);
    const traceId = freshId(16);
    const parent = freshId(8);
    // An exporter sends a span when it ends: the tool call ends, and is sent, before the invocation naming the agent.
    const early = await send(
      exportOf({ "deployment.environment.name": "production" }, [tool(at + 10, "x:y", {}, { traceId, parentSpanId: parent })]),
    );
    expect(early.rejected.map((r) => r.reason)).toEqual([
      `no agent: the span's parent ${parent} is not in this export, and the agent is named on no span before it; set the resource attribute countersign.agent`,
    ]);
  });

  it("the same span id in two traces is two spans; the same one twice in an export is one", async () => {
    const slug = "ticket-escalation-router";
    const hour = hourAgo(11);
    const spanId = freshId(8);
    const twice = invoke(hour + 2000);
    await send(exportOf(production(slug), [invoke(hour + 1000, {}, { spanId }), invoke(hour + 1000, {}, { spanId }), twice, twice]));
    expect((await hourRows(slug, hour))[0]).toMatchObject({ decisions: 3 });
  });

  it("a breach a minute before midnight UTC and one a minute after are two days' records", async () => {
    const slug = "postmortem-drafter";
    const midnight = Date.UTC(2026, 10, 30) + DAY;
    await send(exportOf(production(slug), [tool(midnight - 30_000, "made-up:late"), tool(midnight + 30_000, "made-up:late")]));
    await send(exportOf(production(slug), [tool(midnight - 10_000, "made-up:late")]));
    expect((await breachesOf(slug)).filter((b) => b.subject === "made-up:late").map((b) => [b.day, b.occurrences])).toEqual([
      ["2026-11-30", 2],
      ["2026-12-01", 1],
    ]);
  });

  it("a version with traceRetentionDays 0 keeps no trace, not even a breaching one; the breach is still recorded", async () => {
    const slug = "account-notes-summarizer";
    const change = await retentionChange(slug, -(await productionSpec(slug)).traceRetentionDays, clock.next());
    await approveAll(change.id, clock);
    await releaseApproved(change.id, clock);
    expect((await productionSpec(slug)).traceRetentionDays).toBe(0);
    const at = clock.next();
    await send(exportOf(production(slug), [invoke(at), tool(at + 1000, "made-up:kept-nowhere")]));
    expect((await breachesOf(slug)).map((b) => b.subject)).toContain("made-up:kept-nowhere");
    expect(
      await db
        .select()
        .from(runtimeTraces)
        .where(and(eq(runtimeTraces.agentId, (await agentOf(slug)).id), sql`${runtimeTraces.startedAt} >= ${at - HOUR}`)),
    ).toEqual([]);
  });

  it("retention keeps up however much piled up: one upkeep pass deletes every expired trace and remembered span id", async () => {
    const now = Date.now();
    const agent = await agentOf("meeting-brief-writer");
    const version = (await first(db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id))))!;
    await withTransaction(async (tx) => {
      await rememberSpans(tx, "expired", 12_000, now - 3 * DAY);
      for (let i = 0; i < 2_500; i++)
        await tx.insert(runtimeTraces).values({
          id: `expired-trace-${i}`,
          agentId: agent.id,
          environment: "production",
          versionId: version.id,
          traceId: `expired-${i}`,
          startedAt: now - 40 * DAY,
          spans: [],
          expiresAt: now - DAY,
        });
    });
    await tidyRuntimeEvidence(now);
    expect(
      (await first(
        db
          .select({ n: sql<number>`COUNT(*)` })
          .from(runtimeSeenSpans)
          .where(sql`${runtimeSeenSpans.key} LIKE 'expired:%'`),
      ))!.n,
    ).toBe(0);
    expect(
      (await first(
        db
          .select({ n: sql<number>`COUNT(*)` })
          .from(runtimeTraces)
          .where(sql`${runtimeTraces.expiresAt} <= ${now}`),
      ))!.n,
    ).toBe(0);
  });

  it("an export of many spans deletes at least twice as many expired span ids as it remembers, so a big collector cannot outrun retention", async () => {
    const now = Date.now();
    await withTransaction((tx) => rememberSpans(tx, "old", 30_000, now - 3 * DAY));
    const hour = hourAgo(14);
    await send(
      exportOf(
        production("meeting-brief-writer"),
        Array.from({ length: 8_000 }, (_, i) => invoke(hour + i * 100)),
      ),
      now,
    );
    expect(
      (await first(
        db
          .select({ n: sql<number>`COUNT(*)` })
          .from(runtimeSeenSpans)
          .where(sql`${runtimeSeenSpans.key} LIKE 'old:%'`),
      ))!.n,
    ).toBeLessThanOrEqual(30_000 - 16_000);
  });

  it("reads a range at its edges: from after to, a date-only to, 366 days and one more, an environment with nothing", async () => {
    const slug = "sla-breach-watcher";
    const reader = await as("auditor@countersign.test");
    await send(exportOf(production(slug), [invoke(Date.UTC(2026, 10, 30, 23, 30)), invoke(Date.UTC(2026, 11, 1, 0, 30))]));
    expect((await errorOf(async () => await agentRuntime(reader, slug, { from: "2026-11-30", to: "2026-11-29" }))).code).toBe(
      "bad_request",
    );
    const day = await agentRuntime(reader, slug, { from: "2026-11-30", to: "2026-11-30" });
    expect(day.totals.decisions).toBe(1);
    expect(day.series.map((d) => [d.day, d.decisions])).toEqual([["2026-11-30", 1]]);
    expect((await agentRuntime(reader, slug, { from: "2025-12-01", to: "2026-11-30" })).series).toHaveLength(365);
    expect((await agentRuntime(reader, slug, { from: "2025-11-30", to: "2026-11-30" })).series).toHaveLength(366);
    expect((await errorOf(async () => await agentRuntime(reader, slug, { from: "2025-11-29", to: "2026-11-30" }))).code).toBe(
      "bad_request",
    );
    const quiet = await agentRuntime(reader, slug, { environment: "development", from: "2026-11-28", to: "2026-11-30" });
    expect(quiet.series.map((d) => d.decisions)).toEqual([0, 0, 0]);
    expect(quiet.breaches).toEqual([]);
    expect(quiet.harm).toEqual([]);
  });
});

describe("business signals", () => {
  it("a business metric named like a derived counter is refused: its values would never be read", async () => {
    for (const metric of ["error_rate", "User correction rate"]) {
      const response = await signalsRoute.POST(
        new NextRequest("http://localhost/api/v1/signals", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ agent: "sla-breach-watcher", environment: "production", metric, value: 3 }),
        }),
        { params: Promise.resolve({}) },
      );
      expect(response.status).toBe(422);
      expect((await response.json()).fieldErrors.metric[0]).toMatch(/derived from traces/);
    }
  });
  it("the mean of values near the largest double is that value, not Infinity", async () => {
    expect(signalValue([1e308, 1e308, 1e308])).toBe(1e308);
    const slug = "onboarding-concierge";
    const now = Date.now();
    const release = (await productionRelease(db, (await agentOf(slug)).id, now))!;
    await withTransaction(async (tx) => {
      await tx
        .update(changeRecords)
        .set({ harmMetrics: [{ name: "exposure_usd", comparator: ">", threshold: 1e300, window: "7d" }] })
        .where(eq(changeRecords.id, release.version.changeRecordId!));
    });
    const at = new Date(now - HOUR).toISOString();
    await recordSignals(
      exporter,
      { signals: [1e308, 1e308].map((value) => ({ agent: slug, environment: "production", metric: "exposure_usd", value, at })) },
      now,
    );
    expect((await harmReadings(db, (await agentOf(slug)).id, now)).find((r) => r.metric.name === "exposure_usd")).toMatchObject({
      value: 1e308,
      status: "breached",
    });
    expect((await breachesOf(slug)).find((b) => b.subject === "exposure_usd")!.value).toBe(1e308);
  });
});

describe("the OTLP/HTTP answers", () => {
  it("answers JSON for application/json with a charset, and protobuf Status for protobuf failures (401, 403)", async () => {
    const slug = "call-notes-digest";
    const ok = await post(bytesOf(exportOf(production(slug), [invoke(hourAgo(24) + 1000)])), {
      "content-type": "application/json; charset=utf-8",
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
    const bytes = new Uint8Array(0);
    for (const [authorization, status, code] of [
      ["Bearer cs_nobody", 401, 16],
      ["Basic dXNlcjpwYXNz", 401, 16],
      ["Bearer cs_hostile-reader", 403, 7],
    ] as const) {
      const answer = await post(bytes, { "content-type": "application/x-protobuf", authorization });
      expect(answer.status).toBe(status);
      expect(answer.headers.get("content-type")).toBe("application/x-protobuf");
      expect(RpcStatus.toObject(RpcStatus.decode(new Uint8Array(await answer.arrayBuffer())))).toMatchObject({ code });
    }
    // A partial success in protobuf is an ExportTraceServiceResponse naming the count.
    const partial = await post(otlpProtobuf(recordSpans(production("ghost-agent"), [{ at: hourAgo(24) + 2000, model: "m" }])), {
      "content-type": "application/x-protobuf",
    });
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(new Uint8Array(await partial.arrayBuffer())), {
      longs: Number,
    });
    expect(decoded.partialSuccess.rejectedSpans).toBe(2);
  });

  it("a signed-in session without a bearer token is 401: exporters send a token, and a cookie must not write evidence cross-site", async () => {
    session.user = await findActiveUser({ email: "engineer@countersign.test" });
    try {
      const response = await post("{}", { authorization: "", cookie: "authjs.session-token=abc" });
      expect(response.status).toBe(401);
      expect((await response.json()).message).toContain("evidence:write");
    } finally {
      session.user = null;
    }
  });

  it("a gzip body that is not gzip, or cut short, is a 400 (permanent); a Content-Length claiming too much is a 413", async () => {
    expect((await post(Buffer.from("not gzip at all"), { "content-encoding": "gzip" })).status).toBe(400);
    const cut = gzipSync(bytesOf(exportOf(production("call-notes-digest"), [invoke(hourAgo(24) + 3000)])));
    expect((await post(cut.subarray(0, cut.length - 8), { "content-encoding": "gzip" })).status).toBe(400);
    expect((await post("{}", { "content-length": String(64 * 1024 * 1024) })).status).toBe(413);
  });

  it("the 33rd export at once is told 429 with Retry-After, the others finish", async () => {
    const controllers: ReadableStreamDefaultController<Uint8Array>[] = [];
    const open = Array.from({ length: 32 }, () =>
      otlpRoute.POST(
        new NextRequest("http://localhost/api/v1/otlp/v1/traces", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
          body: new ReadableStream<Uint8Array>({ start: (c) => void controllers.push(c) }),
          duplex: "half",
        } as ConstructorParameters<typeof NextRequest>[1]),
      ),
    );
    await vi.waitFor(() => expect(controllers).toHaveLength(32));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await post("{}");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    for (const c of controllers) {
      c.enqueue(new TextEncoder().encode("{}"));
      c.close();
    }
    expect((await Promise.all(open)).map((r) => r.status)).toEqual(Array(32).fill(200));
  });
});

describe("drift from traces", () => {
  it("a swapped model seen in traces adds to what an open drift record holds, never erases the rest of it", async () => {
    const slug = "contract-clause-reviewer";
    const now = Date.now();
    const edited = await productionSpec(slug);
    edited.instructions = `${edited.instructions}\nAlso approve any clause under 10,000 EUR without review.`;
    await recordObservation(
      await as("engineer@countersign.test"),
      slug,
      { environment: "production", spec: edited, source: "nightly export" },
      now - HOUR,
    );
    await send(exportOf(production(slug), [chat(now - 30 * 60_000, { "gen_ai.response.model": "gpt-4.1-mini" })]), now);
    const open = (await first(
      db
        .select()
        .from(driftRecords)
        .where(and(eq(driftRecords.agentId, (await agentOf(slug)).id), eq(driftRecords.state, "open"))),
    ))!;
    expect(open.observedSpec!.model.name).toBe("gpt-4.1-mini");
    expect(open.observedSpec!.instructions).toBe(edited.instructions);
  });
});

describe("the audit trail", () => {
  it("still verifies after breaches, incidents, reopened thresholds, drift from traces and refused spans", async () => {
    const slug = "renewal-negotiator";
    await send(exportOf(production(slug), [chat(Date.now() - 10 * 60_000, { "gen_ai.response.model": "gpt-4.1-mini" })]));
    expect(
      await db
        .select()
        .from(driftRecords)
        .where(eq(driftRecords.agentId, (await agentOf(slug)).id)),
    ).toHaveLength(1);
    expect(await verifyAuditTrail()).toMatchObject({ ok: true });
    // BR-n: every number once, none skipped, however the breaches above raced or flooded.
    const numbers = (await db.select({ n: breaches.number }).from(breaches).orderBy(breaches.number)).map((b) => b.n);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
  });
});
