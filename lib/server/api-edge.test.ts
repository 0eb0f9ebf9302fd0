import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { agents, auditEvents, deployments, idempotencyKeys, incidents } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import {
  approveAll,
  as,
  attested,
  productionSpec,
  releaseApproved,
  retentionChange,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import * as changesRoute from "@/app/api/v1/changes/route";
import * as incidentsRoute from "@/app/api/v1/incidents/route";
import * as rollbackRoute from "@/app/api/v1/agents/[slug]/rollback/route";
import * as signoffsRoute from "@/app/api/v1/changes/[id]/signoffs/route";
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from "./api";
import { getAgentRecord } from "./registry";
import { findActiveUser, type CurrentUser } from "./users";

/**
 * The API's edge, through the real route handlers: bodies are bounded in size and depth and refused with
 * prototype-named keys (issue 13, findings 1 and 8), JSON only and no cross-site writes with the session
 * cookie (finding 4), and a retried rollback never rolls back twice (finding 2).
 */

const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));

let db: DB;
const clock = testClock();
const ORIGIN = "http://countersign.test";

type Route = (request: NextRequest, context: { params: Promise<never> }) => Promise<Response>;
type Send = {
  person?: string;
  token?: string;
  method?: string;
  params?: Record<string, string>;
  body?: string | object;
  headers?: Record<string, string>;
};

async function send(handler: unknown, path: string, { person, token, method = "POST", params = {}, body, headers = {} }: Send) {
  session.user = person ? (await findActiveUser({ email: person }))! : null;
  const all = new Headers(headers);
  if (token) all.set("authorization", `Bearer cs_${token}`);
  const init = body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) };
  const request = new NextRequest(new URL(path, ORIGIN), { method, headers: all, ...init });
  const response = await (handler as Route)(request, { params: Promise.resolve(params) as Promise<never> });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

const json = { "content-type": "application/json" };
const sameOrigin = { ...json, origin: ORIGIN };
const auditCount = async () => (await first(db.select({ n: sql<number>`COUNT(*)` }).from(auditEvents)))!.n;
const productionVersion = async (slug: string) =>
  (await getAgentRecord(await as("auditor@countersign.test"), slug)).environments.production!.version;

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "edge-changes", ["read", "changes:write"]);
  await tokenWith(db, "edge-deploy", ["deploy"]);
  await tokenWith(db, "edge-deploy-2", ["deploy"]);
});

async function proposal(title: string) {
  const spec = await productionSpec("meeting-brief-writer");
  spec.traceRetentionDays += 1;
  return { agent: "meeting-brief-writer", title, spec, ...attested };
}

describe("body limits (findings 1 and 8)", () => {
  it("refuses a body over the limit with 413, whatever its declared length, and writes nothing", async () => {
    const before = await auditCount();
    const big = JSON.stringify({ ...(await proposal("Big")), rationale: "x".repeat(MAX_BODY_BYTES) });
    const declared = await send(changesRoute.POST, "/api/v1/changes", { token: "edge-changes", body: big, headers: json });
    expect({ status: declared.status, error: declared.json.error }).toEqual({ status: 413, error: "payload_too_large" });
    expect(declared.json.message).toMatch(/larger than 1,000,000 bytes/);

    // A streamed body declares no length: it is still cut off at the limit.
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        if (pulled > 50 * MAX_BODY_BYTES) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const request = new NextRequest(new URL("/api/v1/changes", ORIGIN), {
      method: "POST",
      headers: { ...json, authorization: "Bearer cs_edge-changes" },
      body: stream,
      duplex: "half",
    } as ConstructorParameters<typeof NextRequest>[1]);
    const streamed = await (changesRoute.POST as unknown as Route)(request, { params: Promise.resolve({}) as Promise<never> });
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(MAX_BODY_BYTES + 4 * chunk.byteLength);
    expect(await auditCount()).toBe(before);
  });

  it("refuses JSON nested deeper than the limit with 422, even 100,000 levels deep, without a crash", async () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 1_000, 100_000]) {
      const body = `{"agent":"meeting-brief-writer","spec":{"model":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
      const { status, json: answer } = await send(changesRoute.POST, "/api/v1/changes", { token: "edge-changes", body, headers: json });
      expect({ depth, status, error: answer.error }).toEqual({ depth, status: 422, error: "validation_failed" });
      expect(answer.fieldErrors).toEqual({ body: [`The request body is nested more than ${MAX_JSON_DEPTH} levels deep`] });
    }
  });

  it("counts brackets inside strings as text, not nesting", async () => {
    const { status, json: answer } = await send(changesRoute.POST, "/api/v1/changes", {
      token: "edge-changes",
      body: { ...(await proposal(`Brackets ${"[{".repeat(40)}`)), rationale: `\\"${"[".repeat(200)}` },
      headers: json,
    });
    expect({ status, fieldErrors: answer.fieldErrors }).toEqual({ status: 201, fieldErrors: undefined });
  });

  it.each(["__proto__", "constructor", "prototype"])("refuses a field named %s anywhere with 422 naming its path", async (key) => {
    const before = await auditCount();
    const spec = (await productionSpec("meeting-brief-writer")) as unknown as { tools: object[] };
    const body = JSON.stringify({ ...(await proposal("Sneaky")), spec: { ...spec, tools: [{ system: "x", actions: [] }] } }).replace(
      '"system":"x"',
      `"system":"x","${key}":{"polluted":true}`,
    );
    const { status, json: answer } = await send(changesRoute.POST, "/api/v1/changes", { token: "edge-changes", body, headers: json });
    expect({ status, error: answer.error }).toEqual({ status: 422, error: "validation_failed" });
    expect(answer.fieldErrors).toEqual({ [`spec.tools.0.${key}`]: [`"${key}" is not allowed as a field name`] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await auditCount()).toBe(before);
  });

  it("still decides who may ask first: a token without the scope gets 403 for a refused body", async () => {
    const { status } = await send(changesRoute.POST, "/api/v1/changes", {
      token: "edge-deploy",
      body: '{"__proto__":{"x":1}}',
      headers: json,
    });
    expect(status).toBe(403);
  });
});

describe("JSON only, and no cross-site writes with the session cookie (finding 4)", () => {
  it("refuses a body that is not sent as application/json with 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null]) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const request = new NextRequest(new URL("/api/v1/changes", ORIGIN), {
        method: "POST",
        headers: { ...headers, authorization: "Bearer cs_edge-changes" },
        body: new TextEncoder().encode(JSON.stringify(await proposal("Plain"))),
      });
      const response = await (changesRoute.POST as unknown as Route)(request, { params: Promise.resolve({}) as Promise<never> });
      expect({ type, status: response.status }).toEqual({ type, status: 415 });
    }
    const charset = await send(changesRoute.POST, "/api/v1/changes", {
      token: "edge-changes",
      body: await proposal("With a charset"),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(charset.status).toBe(201);
  });

  it("refuses a signed-in write from another origin — another port of the same host included — and records nothing", async () => {
    const signoff = await retentionChange("refund-assistant", 7, clock.next());
    const before = await auditCount();
    const attempts: Record<string, string>[] = [
      { origin: "http://countersign.test:8080" },
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "same-site" },
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of attempts) {
      const { status, json: answer } = await send(signoffsRoute.POST, `/api/v1/changes/${signoff.id}/signoffs`, {
        person: "ops@countersign.test",
        params: { id: signoff.id },
        body: { role: "operations", decision: "approve" },
        headers: { ...json, ...headers },
      });
      expect({ headers, status, error: answer.error, message: answer.message }).toEqual({
        headers,
        status: 403,
        error: "forbidden",
        message: expect.stringMatching(/^Cross-site request refused/),
      });
    }
    expect(await auditCount()).toBe(before);

    const same = await send(signoffsRoute.POST, `/api/v1/changes/${signoff.id}/signoffs`, {
      person: "ops@countersign.test",
      params: { id: signoff.id },
      body: { role: "operations", decision: "approve" },
      headers: { ...sameOrigin, "sec-fetch-site": "same-origin" },
    });
    expect(same.status).toBe(200);
  });

  it("allows a same-origin write by Origin, by Sec-Fetch-Site alone, and a request from no browser at all", async () => {
    const cases: Record<string, string>[] = [{ origin: ORIGIN }, { "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none" }, {}];
    for (const headers of cases) {
      const { status } = await send(incidentsRoute.POST, "/api/v1/incidents", {
        person: "ops@countersign.test",
        body: { agent: "postmortem-drafter", severity: "sev4", title: `Checked with ${JSON.stringify(headers)}` },
        headers: { ...json, ...headers },
      });
      expect({ headers, status }).toEqual({ headers, status: 201 });
    }
  });

  it("takes the host a reverse proxy forwarded (X-Forwarded-Host) as the app's own", async () => {
    const post = (origin: string) =>
      send(incidentsRoute.POST, "/api/v1/incidents", {
        person: "ops@countersign.test",
        body: { agent: "postmortem-drafter", severity: "sev4", title: `Proxied from ${origin}` },
        headers: { ...json, origin, host: "127.0.0.1:3000", "x-forwarded-host": "countersign.example.com", "x-forwarded-proto": "https" },
      });
    expect((await post("https://countersign.example.com")).status).toBe(201);
    expect((await post("http://127.0.0.1:3000")).status).toBe(403);
  });

  it("compares Origin with AUTH_URL when it is set", async () => {
    vi.stubEnv("AUTH_URL", "https://countersign.example.com/");
    try {
      const post = (origin: string) =>
        send(incidentsRoute.POST, "/api/v1/incidents", {
          person: "ops@countersign.test",
          body: { agent: "postmortem-drafter", severity: "sev4", title: `From ${origin}` },
          headers: { ...json, origin },
        });
      expect((await post("https://countersign.example.com")).status).toBe(201);
      expect((await post(ORIGIN)).status).toBe(403);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("does not hold a bearer token to Origin: it carries no ambient credential", async () => {
    const { status } = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "edge-deploy",
      body: { agent: "postmortem-drafter", severity: "sev4", title: "From CI" },
      headers: { ...json, origin: "https://ci.example", "sec-fetch-site": "cross-site" },
    });
    expect(status).toBe(201);
  });
});

describe("a retried rollback never rolls back twice (finding 2)", () => {
  const released = async (slug: string, days: number) => {
    const change = await retentionChange(slug, days, clock.next());
    await approveAll(change.id, clock);
    return await releaseApproved(change.id, clock);
  };
  const agentId = async (slug: string) => (await first(db.select().from(agents).where(eq(agents.slug, slug))))!.id;
  const rollbacksOf = async (slug: string) =>
    await db
      .select()
      .from(deployments)
      .where(and(eq(deployments.agentId, await agentId(slug)), eq(deployments.kind, "rollback")));
  const incidentsOf = async (slug: string) =>
    await db
      .select()
      .from(incidents)
      .where(eq(incidents.agentId, await agentId(slug)));
  const rollBack = (slug: string, body: object, headers: Record<string, string> = {}, token = "edge-deploy") =>
    send(rollbackRoute.POST, `/api/v1/agents/${slug}/rollback`, { token, params: { slug }, body, headers: { ...json, ...headers } });

  it("requires the version the caller saw (expectedVersion) when no Idempotency-Key is sent", async () => {
    const { status, json: answer } = await rollBack("refund-assistant", { environment: "production", reason: "Refunds doubled" });
    expect({ status, error: answer.error }).toEqual({ status: 422, error: "validation_failed" });
    expect(answer.fieldErrors).toHaveProperty("expectedVersion");
  });

  it("50 parallel rollbacks naming the same version: exactly one rollback and one incident, the rest 409", async () => {
    const slug = "sla-breach-watcher";
    const release = await released(slug, 9);
    const [rollbacksBefore, incidentsBefore] = [(await rollbacksOf(slug)).length, (await incidentsOf(slug)).length];
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        rollBack(slug, { environment: "production", reason: "Missed breaches", expectedVersion: release.version }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect((await rollbacksOf(slug)).length - rollbacksBefore).toBe(1);
    expect((await incidentsOf(slug)).length - incidentsBefore).toBe(1);
  });

  it("retries with the same Idempotency-Key, sequential or 50 at once, replay the first answer and roll back once", async () => {
    const slug = "gdpr-request-handler";
    const release = await released(slug, 11);
    const before = await productionVersion(slug);
    expect(before).toBe(release.version);
    const rollbacksBefore = (await rollbacksOf(slug)).length;
    const body = { environment: "production", reason: "Erasure requests stalled" };
    const key = { "idempotency-key": "rollback-2026-12-01-gdpr" };

    const answers = await Promise.all(Array.from({ length: 50 }, () => rollBack(slug, body, key)));
    const first = answers.find((a) => a.headers.get("idempotent-replayed") === null)!;
    expect(first.status).toBe(200);
    expect(answers.every((a) => a.status === 200 && JSON.stringify(a.json) === JSON.stringify(first.json))).toBe(true);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(49);

    const later = await rollBack(slug, body, key);
    expect({ status: later.status, replayed: later.headers.get("idempotent-replayed"), json: later.json }).toEqual({
      status: 200,
      replayed: "true",
      json: first.json,
    });
    expect((await rollbacksOf(slug)).length - rollbacksBefore).toBe(1);
    expect(await productionVersion(slug)).toBeLessThan(before);

    // The same key with another body is a mistake, said plainly; the key belongs to its caller, not to everyone.
    const changed = await rollBack(slug, { ...body, reason: "Something else" }, key);
    expect({ status: changed.status, error: changed.json.error }).toEqual({ status: 422, error: "validation_failed" });
    const other = await rollBack(slug, body, key, "edge-deploy-2");
    expect(other.headers.get("idempotent-replayed")).toBeNull();
  });

  it("a failed request keeps no answer: its retry runs afresh", async () => {
    const key = { "idempotency-key": "propose-twice" };
    const refused = await send(changesRoute.POST, "/api/v1/changes", {
      token: "edge-changes",
      body: { ...(await proposal("Keyed")), agent: "no-such-agent" },
      headers: { ...json, ...key },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const body = await proposal("Keyed");
    const created = await send(changesRoute.POST, "/api/v1/changes", { token: "edge-changes", body, headers: { ...json, ...key } });
    // Another body under the same key: the refused request left nothing behind, so this one runs.
    expect(created.status).toBe(201);
    const again = await send(changesRoute.POST, "/api/v1/changes", { token: "edge-changes", body, headers: { ...json, ...key } });
    expect({ status: again.status, id: again.json.id, replayed: again.headers.get("idempotent-replayed") }).toEqual({
      status: 201,
      id: created.json.id,
      replayed: "true",
    });
  });

  it("a first request that never answered (its process died, perhaps after committing) is never run again: the retry is told the outcome is unknown", async () => {
    const body = await proposal("Keyed after a crash");
    const text = JSON.stringify(body);
    await withTransaction(async (tx) => {
      await tx.insert(idempotencyKeys).values({
        id: "idem-abandoned",
        callerId: "token:tok_edge-changes",
        key: "crashed-midway",
        method: "POST",
        path: "/api/v1/changes",
        requestHash: createHash("sha256").update(text).digest("hex"),
        status: null,
        responseBody: null,
        createdAt: Date.now() - 10 * 60_000,
      });
    });
    const before = await auditCount();
    const retry = await send(changesRoute.POST, "/api/v1/changes", {
      token: "edge-changes",
      body: text,
      headers: { ...json, "idempotency-key": "crashed-midway" },
    });
    expect({ status: retry.status, error: retry.json.error }).toEqual({ status: 409, error: "conflict" });
    expect(retry.json.message).toMatch(/outcome is unknown/);
    expect(await auditCount()).toBe(before);
  });

  it("refuses a malformed Idempotency-Key with 400", async () => {
    const { status } = await rollBack(
      "refund-assistant",
      { environment: "production", reason: "Refunds doubled" },
      { "idempotency-key": "x".repeat(256) },
    );
    expect(status).toBe(400);
  });
});
