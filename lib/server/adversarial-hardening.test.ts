import { and, eq, sql } from "drizzle-orm";
import { testStore } from "@/lib/testing/test-store";
import { NextRequest } from "next/server";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { first, type DB } from "@/db";
import { auditEvents, changeRecords, deployments, incidents, loginAttempts } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import {
  approveAll,
  as,
  attested,
  limitRaise,
  productionSpec,
  releaseApproved,
  retentionChange,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import * as changesRoute from "@/app/api/v1/changes/route";
import * as changeRoute from "@/app/api/v1/changes/[id]/route";
import * as submitRoute from "@/app/api/v1/changes/[id]/submit/route";
import * as withdrawRoute from "@/app/api/v1/changes/[id]/withdraw/route";
import * as updateRoute from "@/app/api/v1/changes/[id]/update-from-production/route";
import * as evalsRoute from "@/app/api/v1/evals/route";
import * as incidentsRoute from "@/app/api/v1/incidents/route";
import * as incidentRoute from "@/app/api/v1/incidents/[id]/route";
import * as rollbackRoute from "@/app/api/v1/agents/[slug]/rollback/route";
import { verifyAuditTrail } from "./audit";
import { editChange, getChange, proposeChange, submitChange } from "./changes";
import { ACCOUNT_THRESHOLD } from "./login-attempts";
import { getAgentRecord, getAgentVersion } from "./registry";
import { endSession, startSession } from "./sessions";
import { signOff } from "./signoffs";
import { findActiveUser, type CurrentUser } from "./users";

/**
 * An adversarial pass over issue 13's hardening, through the real route handlers: Idempotency-Key scoping
 * and replay, bodies refused at the edge, content types, Origin checks, server-side sessions, sign-in
 * throttling, prototype keys spelled with escapes, and the audit replay after ordinary flows.
 * Each defect it found is now fixed; its test says what was seen, and guards against its return.
 */

// Routes read the signed-in person through currentUser; next-auth itself is replaced by a stub that
// captures the configuration auth.ts hands it, so its real authorize/jwt/signOut callbacks can be driven.
const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
const nextAuth = vi.hoisted(() => ({ config: null as null | Record<string, any> })); // eslint-disable-line @typescript-eslint/no-explicit-any
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));
vi.mock("next-auth", () => {
  class CredentialsSignin extends Error {
    type = "CredentialsSignin";
    code = "credentials";
  }
  return {
    default: (config: Record<string, unknown>) => {
      nextAuth.config = config;
      return { handlers: {}, auth: async () => null, signIn: async () => undefined, signOut: async () => undefined };
    },
    CredentialsSignin,
  };
});
vi.mock("next-auth/providers/credentials", () => ({ default: (options: Record<string, unknown>) => ({ id: "credentials", ...options }) }));

let db: DB;
const clock = testClock();
const ORIGIN = "http://countersign.test";
const json = { "content-type": "application/json" };

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
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: (text ? JSON.parse(text) : {}) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const auditCount = async () => (await first(db.select({ n: sql<number>`COUNT(*)` }).from(auditEvents)))!.n;
const productionVersion = async (slug: string) =>
  (await getAgentRecord(await as("auditor@countersign.test"), slug)).environments.production?.version ?? null;

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "adv-deploy-a", ["read", "deploy"]);
  await tokenWith(db, "adv-deploy-b", ["read", "deploy"]);
  await tokenWith(db, "adv-read", ["read"]);
  await tokenWith(db, "adv-changes", ["read", "changes:write"]);
  await tokenWith(db, "adv-evals", ["read", "evals:write"]);
});

afterEach(() => {
  session.user = null;
});

describe("Idempotency-Key", () => {
  const incident = (title: string) => ({ agent: "meeting-brief-writer", severity: "sev4", title });

  it("is scoped to its caller: another token's identical request under the same key runs afresh and never sees the first answer", async () => {
    const key = "shared-key-0001";
    const a = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-a",
      body: incident("Key reuse"),
      headers: { ...json, "idempotency-key": key },
    });
    const b = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-b",
      body: incident("Key reuse"),
      headers: { ...json, "idempotency-key": key },
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(b.json.id).not.toBe(a.json.id);
    // A's own retry gets A's answer, byte for byte, marked as a replay; nothing new is written.
    const before = await auditCount();
    const again = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-a",
      body: incident("Key reuse"),
      headers: { ...json, "idempotency-key": key },
    });
    expect({ status: again.status, replayed: again.headers.get("idempotent-replayed"), text: again.text }).toEqual({
      status: 201,
      replayed: "true",
      text: a.text,
    });
    expect(await auditCount()).toBe(before);
  });

  it("is scoped to its path: the same caller's key on another route runs that route and does not replay the first", async () => {
    const key = "path-key-0001";
    const opened = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-a",
      body: incident("Path scope"),
      headers: { ...json, "idempotency-key": key },
    });
    expect(opened.status).toBe(201);
    const patched = await send(incidentRoute.PATCH, `/api/v1/incidents/${opened.json.id}`, {
      token: "adv-deploy-a",
      method: "PATCH",
      params: { id: opened.json.id },
      body: { title: "Path scope, renamed" },
      headers: { ...json, "idempotency-key": key },
    });
    expect(patched.status).toBe(200);
    expect(patched.headers.get("idempotent-replayed")).toBeNull();
    expect(patched.json.title).toBe("Path scope, renamed");
  });

  it("the same key with a different body is a 422 and writes nothing; a failed request frees its key for a corrected retry", async () => {
    const key = "body-key-0001";
    const first = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-a",
      body: incident("Body A"),
      headers: { ...json, "idempotency-key": key },
    });
    expect(first.status).toBe(201);
    const before = await auditCount();
    const other = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-a",
      body: incident("Body B"),
      headers: { ...json, "idempotency-key": key },
    });
    expect({ status: other.status, error: other.json.error }).toEqual({ status: 422, error: "validation_failed" });
    expect(await auditCount()).toBe(before);

    const failKey = "fail-key-0001";
    const bad = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-a",
      body: { ...incident("x"), severity: "apocalyptic" },
      headers: { ...json, "idempotency-key": failKey },
    });
    expect(bad.status).toBe(422);
    const fixed = await send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-deploy-a",
      body: incident("Fixed"),
      headers: { ...json, "idempotency-key": failKey },
    });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("idempotent-replayed")).toBeNull();
  });

  it("refuses malformed keys (empty, too long, non-ASCII-visible) with 400 before anything is written", async () => {
    const before = await auditCount();
    for (const key of ["", "k".repeat(256), "has space"]) {
      const r = await send(incidentsRoute.POST, "/api/v1/incidents", {
        token: "adv-deploy-a",
        body: incident("Bad key"),
        headers: { ...json, "idempotency-key": key },
      });
      expect({ key: key.slice(0, 10), status: r.status }).toEqual({ key: key.slice(0, 10), status: 400 });
    }
    expect(await auditCount()).toBe(before);
  });

  it("twelve simultaneous rollbacks under one key (no expectedVersion) roll back exactly once, and every answer is the same", async () => {
    const slug = "meeting-brief-writer";
    const version = (await productionVersion(slug))!;
    const deploymentsBefore = (await first(db.select({ n: sql<number>`COUNT(*)` }).from(deployments)))!.n;
    const body = { environment: "production", reason: "Adversarial retry storm" };
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        send(rollbackRoute.POST, `/api/v1/agents/${slug}/rollback`, {
          token: "adv-deploy-a",
          params: { slug },
          body,
          headers: { ...json, "idempotency-key": "storm-0001" },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(11);
    expect((await first(db.select({ n: sql<number>`COUNT(*)` }).from(deployments)))!.n).toBe(deploymentsBefore + 1);
    expect(await productionVersion(slug)).not.toBe(version);
    // Without a key, expectedVersion is required, so a plain retry cannot roll back a second time.
    const plain = await send(rollbackRoute.POST, `/api/v1/agents/${slug}/rollback`, {
      token: "adv-deploy-a",
      params: { slug },
      body,
      headers: json,
    });
    expect(plain.status).toBe(422);
  });
});

describe("bodies refused at the edge", () => {
  const draftOf = async (title: string) => {
    const spec = await productionSpec("meeting-brief-writer");
    spec.traceRetentionDays += 2;
    return await proposeChange(
      await as("engineer@countersign.test"),
      { agent: "meeting-brief-writer", title, spec, ...attested },
      clock.next(),
    );
  };

  it.each([
    ["__proto__", '{"__proto__":{"polluted":true}}'],
    ["__proto__ spelled with escapes", '{"\\u005f\\u005fproto__":{"polluted":true}}'],
    ["constructor spelled with escapes", '{"\\u0063onstructor":{"polluted":true}}'],
  ])("a prototype key (%s) on a route that validates its body is a 422 naming it", async (_name, body) => {
    const draft = await draftOf("Proto withdraw");
    const r = await send(withdrawRoute.POST, `/api/v1/changes/${draft.id}/withdraw`, {
      person: "engineer@countersign.test",
      params: { id: draft.id },
      body,
      headers: { ...json, origin: ORIGIN },
    });
    expect({ status: r.status, error: r.json.error }).toEqual({ status: 422, error: "validation_failed" });
    expect(Object.keys(r.json.fieldErrors)[0]).toMatch(/^(__proto__|constructor)$/);
    expect((await getChange(await as("auditor@countersign.test"), draft.id)).state).toBe("draft");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a prototype key spelled with escapes inside the spec is a 422 naming its path, and nothing is stored", async () => {
    const before = await auditCount();
    const spec = await productionSpec("meeting-brief-writer");
    const body = JSON.stringify({ agent: "meeting-brief-writer", title: "Escaped proto", spec, ...attested }).replace(
      '"traceRetentionDays":',
      '"\\u005f\\u005fproto__":{"admin":true},"traceRetentionDays":',
    );
    const r = await send(changesRoute.POST, "/api/v1/changes", { token: "adv-changes", body, headers: json });
    expect({ status: r.status, fieldErrors: r.json.fieldErrors }).toEqual({
      status: 422,
      fieldErrors: { "spec.__proto__": ['"__proto__" is not allowed as a field name'] },
    });
    expect(await auditCount()).toBe(before);
  });

  it("a spec sent as YAML text with a __proto__ key, or nested past the limit through aliases, is kept as a draft's text with its issue, never parsed into a spec, and cannot be submitted", async () => {
    const yamlProto = `__proto__:\n  admin: true\n`;
    let aliases = "a0: &a0 [x]\n";
    for (let i = 1; i <= 40; i++) aliases += `a${i}: &a${i} [*a${i - 1}]\n`;
    for (const spec of [yamlProto, aliases]) {
      const before = await auditCount();
      const submitted = await send(changesRoute.POST, "/api/v1/changes", {
        token: "adv-changes",
        body: { agent: "meeting-brief-writer", title: "YAML tricks", spec, ...attested, submit: true },
        headers: json,
      });
      expect(submitted.status).toBe(422);
      expect(await auditCount()).toBe(before);
      const draft = await send(changesRoute.POST, "/api/v1/changes", {
        token: "adv-changes",
        body: { agent: "meeting-brief-writer", title: "YAML tricks", spec, ...attested },
        headers: json,
      });
      expect({ status: draft.status, spec: draft.json.spec, issues: draft.json.specIssues.length > 0 }).toEqual({
        status: 201,
        spec: null,
        issues: true,
      });
      const read = await send(changeRoute.GET, `/api/v1/changes/${draft.json.id}`, {
        token: "adv-changes",
        method: "GET",
        params: { id: draft.json.id },
      });
      expect({ status: read.status, spec: read.json.spec }).toEqual({ status: 200, spec: null });
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  // Found by trying to break it, and fixed: apiRoute hands a refused body (REFUSED_BODY) to the handler and only substitutes the refusal
  // when the handler throws validation_failed. POST /changes/{id}/submit never read its body, so a body
  // the README says is a 422 (a `__proto__` field) — or is not JSON at all (400) — is ignored and the
  // draft was submitted: 200. Submission now takes an empty object only (submitSchema).
  it("a route that ignores its body still refuses a body holding a prototype key (submit)", async () => {
    const draft = await draftOf("Proto submit");
    const r = await send(submitRoute.POST, `/api/v1/changes/${draft.id}/submit`, {
      person: "engineer@countersign.test",
      params: { id: draft.id },
      body: '{"__proto__":{"polluted":true}}',
      headers: { ...json, origin: ORIGIN },
    });
    expect(r.status).toBe(422);
  });

  it("a route that ignores its body still refuses a body that is not JSON (submit)", async () => {
    const draft = await draftOf("Garbage submit");
    const r = await send(submitRoute.POST, `/api/v1/changes/${draft.id}/submit`, {
      person: "engineer@countersign.test",
      params: { id: draft.id },
      body: "{ this is not json",
      headers: { ...json, origin: ORIGIN },
    });
    expect(r.status).toBe(400);
  });

  it("numbers JSON cannot round-trip (1e400 is Infinity) or absurd counts are refused or stored without a 5xx", async () => {
    const reader = await as("auditor@countersign.test");
    const hash = (await getAgentVersion(reader, "meeting-brief-writer", (await productionVersion("meeting-brief-writer"))!)).specHash;
    for (const raw of [
      '{"passed":1e400,"failed":0}',
      '{"passed":1e300,"failed":0}',
      '{"passed":-1,"failed":0}',
      '{"passed":1.5,"failed":0}',
    ]) {
      const body = raw.replace(
        "{",
        `{"agent":"meeting-brief-writer","specHash":${JSON.stringify(hash)},"environment":"staging","suite":"adv",`,
      );
      const r = await send(evalsRoute.POST, "/api/v1/evals", { token: "adv-evals", body, headers: json });
      expect({ raw, status: r.status < 500 }).toEqual({ raw, status: true });
    }
  });
});

describe("content types", () => {
  // A read-only token reaches the use case (403 for the missing scope) only once the edge accepted the body.
  const attempt = (contentType: string | null, body = '{"agent":"meeting-brief-writer","severity":"low","title":"CT"}') =>
    send(incidentsRoute.POST, "/api/v1/incidents", {
      token: "adv-read",
      body,
      headers: contentType === null ? {} : { "content-type": contentType },
    });

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "application/JSON",
    "Application/Json;charset=UTF-8",
    " application/json ",
  ])("accepts %j", async (type) => {
    expect((await attempt(type)).status).toBe(403);
  });

  it.each([
    "application/json-patch+json",
    "application/jsonp",
    "application/vnd.api+json",
    "text/json",
    "text/plain; application/json",
    "text/plain",
  ])("refuses %j with 415", async (type) => {
    expect((await attempt(type)).status).toBe(415);
  });

  it("a missing content type is refused with a body, and an empty body needs none", async () => {
    expect((await attempt(null)).status).toBe(415);
    expect((await attempt(null, "")).status).toBe(403);
    expect((await attempt("text/plain", "   \n")).status).toBe(403);
  });
});

describe("Origin and Sec-Fetch-Site on cookie writes", () => {
  // The auditor may not open incidents: a write that passes the CSRF check is still a 403, with another message.
  const write = (headers: Record<string, string>) =>
    send(incidentsRoute.POST, "/api/v1/incidents", {
      person: "auditor@countersign.test",
      body: { agent: "meeting-brief-writer", severity: "sev4", title: "CSRF" },
      headers: { ...json, ...headers },
    });
  const crossSite = (r: { status: number; json: Record<string, unknown> }) =>
    r.status === 403 && /^Cross-site request refused/.test(String(r.json.message));
  const savedAuthUrl = process.env.AUTH_URL;
  afterEach(() => {
    if (savedAuthUrl === undefined) delete process.env.AUTH_URL;
    else process.env.AUTH_URL = savedAuthUrl;
  });

  it("refuses Origin null, another port, a look-alike host, and same-site or cross-site fetches without Origin", async () => {
    delete process.env.AUTH_URL;
    for (const headers of [
      { origin: "null" },
      { origin: "http://countersign.test:3001" },
      { origin: "http://countersign.test.evil.example" },
      { origin: "http://evil.countersign.test" },
      { origin: "not a url" },
      { "sec-fetch-site": "same-site" },
      { "sec-fetch-site": "cross-site" },
      { origin: "https://evil.example", "sec-fetch-site": "same-origin" },
    ] as Record<string, string>[]) {
      expect({ headers, refused: crossSite(await write(headers)) }).toEqual({ headers, refused: true });
    }
  });

  it("passes its own origin (default port spelled out too), same-origin or none fetches, and header-less clients", async () => {
    delete process.env.AUTH_URL;
    for (const headers of [
      { origin: ORIGIN },
      { origin: "http://countersign.test:80" },
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      {},
    ] as Record<string, string>[]) {
      const r = await write(headers);
      expect({ headers, status: r.status, crossSite: crossSite(r) }).toEqual({ headers, status: 403, crossSite: false });
    }
  });

  it("with AUTH_URL set, only its exact origin passes: another scheme on the same host is refused", async () => {
    process.env.AUTH_URL = "https://countersign.test";
    expect(crossSite(await write({ origin: "http://countersign.test" }))).toBe(true);
    expect(crossSite(await write({ origin: "https://countersign.test" }))).toBe(false);
  });

  // Found by trying to break it, and fixed: without AUTH_URL, isOwnOrigin (lib/server/api.ts) compares only the host, not the scheme,
  // so a page served over plain http on the same host (e.g. injected by a network attacker into an http://
  // response) passes as the app's own origin when the app is served over https. Expected 403; actual passes.
  // Fix: compare `sent.origin` with `${proto}://${host}` where proto is X-Forwarded-Proto or request.nextUrl.protocol.
  it("without AUTH_URL, an http:// Origin is not the own origin of an app served over https", async () => {
    delete process.env.AUTH_URL;
    session.user = (await findActiveUser({ email: "auditor@countersign.test" }))!;
    const request = new NextRequest(new URL("/api/v1/incidents", "https://countersign.test"), {
      method: "POST",
      headers: { ...json, origin: "http://countersign.test" },
      body: JSON.stringify({ agent: "meeting-brief-writer", severity: "sev4", title: "Scheme" }),
    });
    const response = await (incidentsRoute.POST as unknown as Route)(request, { params: Promise.resolve({}) as Promise<never> });
    expect(crossSite({ status: response.status, json: (await response.json()) as Record<string, unknown> })).toBe(true);
  });
});

describe("sessions and sign-in, through auth.ts's own callbacks", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let config: Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let authorize: (credentials: Record<string, unknown>, request: Request) => Promise<any>;
  beforeAll(async () => {
    await vi.importActual("@/lib/server/auth");
    config = nextAuth.config!;
    authorize = config.providers[0].authorize;
  });
  const fromAddress = (address: string) =>
    new Request("http://countersign.test/api/auth/callback/credentials", { headers: { "x-forwarded-for": address } });

  it("a revoked session's token is refused when reused, and sign-out revokes it", async () => {
    const sid = await startSession("usr_engineer");
    const token = { uid: "usr_engineer", sid };
    expect(await config.callbacks.jwt({ token })).toEqual(token);
    await config.events.signOut({ token });
    expect(await config.callbacks.jwt({ token })).toBeNull();
  });

  it("a token naming another person's live session, or no session, is refused", async () => {
    const sid = await startSession("usr_ops");
    expect(await config.callbacks.jwt({ token: { uid: "usr_engineer", sid } })).toBeNull();
    expect(await config.callbacks.jwt({ token: { uid: "usr_engineer" } })).toBeNull();
    await endSession(sid);
  });

  it("varying an email's case and whitespace does not escape the account's lockout", async () => {
    const variants = [
      "owner2@countersign.test",
      " OWNER2@countersign.test",
      "Owner2@Countersign.Test\t",
      "owner2@COUNTERSIGN.TEST ",
      "\nowner2@countersign.test",
    ];
    for (const [i, email] of variants.entries()) {
      await expect(authorize({ email, password: "wrong" }, fromAddress(`203.0.113.${i + 1}`))).rejects.toMatchObject({
        type: "CredentialsSignin",
      });
    }
    await expect(
      authorize({ email: "OWNER2@countersign.test", password: "countersign-demo" }, fromAddress("203.0.113.99")),
    ).rejects.toMatchObject({ code: "throttled" });
  });

  // Found by trying to break it, and fixed: authorize (lib/server/auth.ts) checks retryAfterSeconds, then awaits the scrypt check, and only
  // then records the failure. Concurrent attempts all pass the check before any failure is recorded, so
  // a burst of N parallel guesses gets N password checks (seen: 12 of 12) instead of at most 5 before the
  // lockout. Fix: record the attempt (e.g. as "pending", counted as a failure) in the same synchronous step
  // as the check, before awaiting verifyCredentials, and update its outcome afterwards.
  it("a burst of parallel wrong passwords gets no more password checks than the threshold", async () => {
    const email = "compliance@countersign.test";
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => authorize({ email, password: `guess-${i}` }, fromAddress("198.51.100.7"))),
    );
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    const checked = (await first(
      db
        .select({ n: sql<number>`COUNT(*)` })
        .from(loginAttempts)
        .where(and(eq(loginAttempts.email, email), eq(loginAttempts.outcome, "failure"))),
    ))!.n;
    expect(checked).toBeLessThanOrEqual(ACCOUNT_THRESHOLD);
  });
});

describe("text no one means to send", () => {
  it("half of a UTF-16 surrogate pair in a spec: kept as sent on SQLite, refused as invalid input on PostgreSQL, never a 500", async () => {
    const slug = "refund-assistant";
    const x = await retentionChange(slug, 29, clock.next());
    const spec = await productionSpec(slug);
    spec.instructions = `${spec.instructions}Answer in English \ud800 only.\n`;
    const edited = await send(changeRoute.PATCH, `/api/v1/changes/${x.id}`, {
      person: "engineer@countersign.test",
      method: "PATCH",
      params: { id: x.id },
      body: { spec },
      headers: { ...json, origin: ORIGIN },
    });
    const after = await getChange(await as("auditor@countersign.test"), x.id);
    if (testStore === "postgres") {
      expect(edited.status).toBe(422);
      expect(edited.json).toMatchObject({ error: "validation_failed", reason: "unpaired_surrogate" });
      expect(after.spec!.instructions).not.toContain("\ud800");
    } else {
      expect(edited.status).toBe(200);
      expect(after.spec!.instructions).toContain("\ud800");
    }
  });
});

describe("the audit replay after ordinary flows", () => {
  it("propose → edit in review → request changes → edit → resubmit → update from production → release → rollback → resolve: the trail verifies", async () => {
    const slug = "refund-assistant";
    const engineer = "engineer@countersign.test";
    const x = await retentionChange(slug, 30, clock.next());
    // Edit in review: the sign-offs asked on the old content hash are dismissed.
    const spec = await productionSpec(slug);
    spec.traceRetentionDays += 31;
    const edit = (title: string) =>
      send(changeRoute.PATCH, `/api/v1/changes/${x.id}`, {
        person: engineer,
        method: "PATCH",
        params: { id: x.id },
        body: { spec, title },
        headers: { ...json, origin: ORIGIN },
      });
    const hostile = "Keep traces a month longer \ud800 and a NUL \u0000 too";
    let edited = await edit(hostile);
    if (testStore === "postgres") {
      // PostgreSQL cannot hold a NUL character: the edit is refused as invalid input, nothing changed; without it, it is taken.
      expect(edited.status).toBe(422);
      expect(edited.json).toMatchObject({ error: "validation_failed", reason: "nul_character" });
      edited = await edit(hostile.replace("\u0000", ""));
    }
    expect(edited.status).toBe(200);
    const pending = (await getChange(await as("auditor@countersign.test"), x.id)).signoffs.find((s) => s.status === "pending")!;
    const signer = {
      workflow_owner: "owner@countersign.test",
      security: "security@countersign.test",
      engineering: "engineer2@countersign.test",
      operations: "ops@countersign.test",
      compliance: "compliance@countersign.test",
    }[pending.role as string]!;
    await signOff(await as(signer), x.id, { role: pending.role, decision: "request_changes", comment: "Say why" }, clock.next());
    expect((await getChange(await as("auditor@countersign.test"), x.id)).state).toBe("draft");
    await editChange(await as(engineer), x.id, { rationale: "Investigations need a month of traces." }, clock.next());
    const resubmitted = await send(submitRoute.POST, `/api/v1/changes/${x.id}/submit`, {
      person: engineer,
      params: { id: x.id },
      headers: { origin: ORIGIN },
    });
    expect(resubmitted.status).toBe(200);

    // Meanwhile another change is released: x is now behind production.
    const y = await limitRaise(55, clock.next());
    await approveAll(y.id, clock);
    await releaseApproved(y.id, clock);
    const updated = await send(updateRoute.POST, `/api/v1/changes/${x.id}/update-from-production`, {
      person: engineer,
      params: { id: x.id },
      body: {},
      headers: { ...json, origin: ORIGIN, "idempotency-key": "update-x-1" },
    });
    expect(updated.status).toBe(200);
    await approveAll(x.id, clock);
    await releaseApproved(x.id, clock);
    const released = (await productionVersion(slug))!;

    const rolled = await send(rollbackRoute.POST, `/api/v1/agents/${slug}/rollback`, {
      person: "ops@countersign.test",
      params: { slug },
      body: { environment: "production", reason: "Traces too large", expectedVersion: released },
      headers: { ...json, origin: ORIGIN },
    });
    expect(rolled.status).toBe(200);
    expect((await first(db.select().from(changeRecords).where(eq(changeRecords.id, x.id))))!.state).toBe("rolled_back");
    const incidentId = rolled.json.incident.id as string;
    const resolved = await send(incidentRoute.PATCH, `/api/v1/incidents/${incidentId}`, {
      person: "ops@countersign.test",
      method: "PATCH",
      params: { id: incidentId },
      body: { resolution: "rolled_back" },
      headers: { ...json, origin: ORIGIN },
    });
    expect(resolved.status).toBeLessThan(500);

    // And a withdrawn draft, for good measure.
    const w = await proposeChange(
      await as(engineer),
      { agent: "meeting-brief-writer", title: "To withdraw", spec: await productionSpec("meeting-brief-writer"), ...attested },
      clock.next(),
    );
    const withdrawn = await send(withdrawRoute.POST, `/api/v1/changes/${w.id}/withdraw`, {
      person: engineer,
      params: { id: w.id },
      body: { reason: "Not needed" },
      headers: { ...json, origin: ORIGIN },
    });
    expect(withdrawn.status).toBeLessThan(500);

    const verified = await verifyAuditTrail();
    expect({ ok: verified.ok, reason: verified.reason, mismatches: verified.mismatches ?? [] }).toEqual({
      ok: true,
      reason: null,
      mismatches: [],
    });
    expect(
      (await first(
        db
          .select({ n: sql<number>`COUNT(*)` })
          .from(incidents)
          .where(eq(incidents.id, incidentId)),
      ))!.n,
    ).toBe(1);
  });

  it("a submit through the API after an ordinary propose leaves the trail verifying too", async () => {
    const c = await proposeChange(
      await as("engineer@countersign.test"),
      {
        agent: "meeting-brief-writer",
        title: "Plain",
        spec: { ...(await productionSpec("meeting-brief-writer")), traceRetentionDays: 99 },
        ...attested,
      },
      clock.next(),
    );
    await submitChange(await as("engineer@countersign.test"), c.id, clock.next());
    expect((await verifyAuditTrail()).ok).toBe(true);
  });
});
