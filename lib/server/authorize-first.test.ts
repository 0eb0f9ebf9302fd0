import { eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, rows, type DB } from "@/db";
import { agents, auditEvents, breaches, deployments, users } from "@/db/schema";
import type { Role, TokenScope } from "@/lib/domain/terms";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { decodeJsonExport } from "@/lib/otlp/decode";
import { otlpJson, recordSpans } from "@/lib/testing/otel-spans";
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
import * as agentsRoute from "@/app/api/v1/agents/route";
import * as changeRoute from "@/app/api/v1/changes/[id]/route";
import * as promoteRoute from "@/app/api/v1/changes/[id]/promote/route";
import * as retireRoute from "@/app/api/v1/changes/[id]/retire/route";
import * as signoffsRoute from "@/app/api/v1/changes/[id]/signoffs/route";
import * as submitRoute from "@/app/api/v1/changes/[id]/submit/route";
import * as updateRoute from "@/app/api/v1/changes/[id]/update-from-production/route";
import * as withdrawRoute from "@/app/api/v1/changes/[id]/withdraw/route";
import * as changesRoute from "@/app/api/v1/changes/route";
import * as evalsRoute from "@/app/api/v1/evals/route";
import * as incidentRoute from "@/app/api/v1/incidents/[id]/route";
import * as incidentsRoute from "@/app/api/v1/incidents/route";
import * as rollbackRoute from "@/app/api/v1/agents/[slug]/rollback/route";
import * as peopleRoute from "@/app/api/v1/people/route";
import * as personRoute from "@/app/api/v1/people/[email]/route";
import * as resetRoute from "@/app/api/v1/people/[email]/reset/route";
import * as observationsRoute from "@/app/api/v1/agents/[slug]/observations/route";
import * as resolveDriftRoute from "@/app/api/v1/drift/[id]/resolve/route";
import * as otlpTracesRoute from "@/app/api/v1/otlp/v1/traces/route";
import * as runtimeRoute from "@/app/api/v1/agents/[slug]/runtime/route";
import * as signalsRoute from "@/app/api/v1/signals/route";
import { issueToken, revokeToken } from "./api-tokens";
import { tokenCaller, type Caller } from "./caller";
import { proposeChange } from "./changes";
import { getIncident, openIncident } from "./incidents";
import { recordObservation } from "./observations";
import { agentRuntime } from "./runtime-evidence";
import { ingestTraces } from "./runtime-ingest";
import { recordSignals } from "./signals";
import { publishPolicy } from "./policy";
import { getAgentRecord } from "./registry";
import { findActiveUser, type CurrentUser } from "./users";

/**
 * Who before what, everywhere: every write refuses a caller who may not make it before it reads what
 * they sent, so an auditor's or a leader's request is a 403 whatever its body, never a 422 or a 400
 * that discusses the content. Tested through the route handlers, so the status codes are the API's own.
 */

// The session cookie belongs to next-auth, which needs a live request; the signed-in person is set here instead.
const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));

let db: DB;
const clock = testClock();

type RouteHandler = (request: NextRequest, context: { params: Promise<never> }) => Promise<Response>;
type Who = { person: string } | { token: string } | { header: string } | "anonymous";

const NOT_JSON = "{ this is not json";

async function send(handler: unknown, method: string, path: string, params: Record<string, string>, who: Who, body?: unknown) {
  const headers = new Headers();
  session.user = null;
  if (typeof who === "object" && "person" in who) session.user = (await findActiveUser({ email: who.person }))!;
  if (typeof who === "object" && "token" in who) headers.set("authorization", `Bearer cs_${who.token}`);
  if (typeof who === "object" && "header" in who) headers.set("authorization", who.header);
  // As a browser on Countersign's own pages and a JSON client send it: JSON, from the app's own origin.
  headers.set("origin", "http://countersign.test");
  if (body !== undefined) headers.set("content-type", "application/json");
  const init = body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) };
  const request = new NextRequest(new URL(path, "http://countersign.test"), { method, headers, ...init });
  const response = await (handler as RouteHandler)(request, { params: Promise.resolve(params) as Promise<never> });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const auditCount = async () => (await first(db.select({ n: sql<number>`COUNT(*)` }).from(auditEvents)))!.n;

/** Tokens, each named for what it holds; the secret is `cs_<name>`. */
const TOKENS: Record<string, TokenScope[]> = {
  "all-but-changes": ["read", "evals:write", "deploy"],
  "all-but-evals": ["read", "changes:write", "deploy"],
  "all-but-deploy": ["read", "changes:write", "evals:write"],
  everything: ["read", "changes:write", "evals:write", "deploy"],
  "changes-only": ["changes:write"],
  "evals-only": ["evals:write"],
  "deploy-only": ["deploy"],
  "evidence-only": ["evidence:write"],
};

const ids = { draft: "", inReview: "", incident: "", drift: "" };

beforeAll(async () => {
  db = await seedDemoEstate();
  for (const [name, scopes] of Object.entries(TOKENS)) await tokenWith(db, name, scopes);
  const spec = await productionSpec("refund-assistant");
  spec.traceRetentionDays += 1;
  ids.draft = (
    await proposeChange(
      await as("engineer@countersign.test"),
      { agent: "refund-assistant", title: "A draft", spec, ...attested },
      clock.next(),
    )
  ).id;
  ids.inReview = (await retentionChange("refund-assistant", 3, clock.next())).id;
  ids.incident = (
    await openIncident(
      await as("ops@countersign.test"),
      { agent: "refund-assistant", severity: "sev3", title: "Refunds look odd" },
      clock.next(),
    )
  ).id;
  const drifted = await productionSpec("refund-assistant");
  drifted.model.version = "";
  ids.drift = (
    await recordObservation(
      await tokenWith(db, "nightly-observer", ["observe"]),
      "refund-assistant",
      { environment: "production", spec: drifted, source: "nightly export" },
      clock.next(),
    )
  ).drift!.id;
});

type WriteRoute = {
  name: string;
  handler: unknown;
  path: () => string;
  params: () => Record<string, string>;
  /** A body that fails validation. */
  invalid: unknown;
  /** A token that may do everything but this. */
  lackingToken: string;
  /** Someone who may make this write: the same invalid body gets them a 422, a body that is not JSON a 400. */
  allowed?: string;
  /** Why this route still reads a body that is not JSON before it authorizes (the test stays, expected to fail, until fixed). */
};

const WRITES: WriteRoute[] = [
  {
    name: "POST /agents (register)",
    handler: agentsRoute.POST,
    path: () => "/api/v1/agents",
    params: () => ({}),
    invalid: { slug: "Not A Slug", platform: "the-moon" },
    lackingToken: "all-but-changes",
    allowed: "engineer@countersign.test",
  },
  {
    name: "POST /changes (propose)",
    handler: changesRoute.POST,
    path: () => "/api/v1/changes",
    params: () => ({}),
    invalid: { agent: "refund-assistant", title: 42 },
    lackingToken: "all-but-changes",
    allowed: "engineer@countersign.test",
  },
  {
    name: "PATCH /changes/{id} (edit)",
    handler: changeRoute.PATCH,
    path: () => `/api/v1/changes/${ids.draft}`,
    params: () => ({ id: ids.draft }),
    invalid: { title: 42 },
    lackingToken: "all-but-changes",
    allowed: "engineer@countersign.test",
  },
  {
    name: "POST /changes/{id}/submit",
    handler: submitRoute.POST,
    path: () => `/api/v1/changes/${ids.draft}/submit`,
    params: () => ({ id: ids.draft }),
    invalid: { unexpected: true },
    lackingToken: "all-but-changes",
  },
  {
    name: "POST /changes/{id}/withdraw",
    handler: withdrawRoute.POST,
    path: () => `/api/v1/changes/${ids.draft}/withdraw`,
    params: () => ({ id: ids.draft }),
    invalid: { reason: 42 },
    lackingToken: "all-but-changes",
  },
  {
    name: "POST /changes/{id}/signoffs",
    handler: signoffsRoute.POST,
    path: () => `/api/v1/changes/${ids.inReview}/signoffs`,
    params: () => ({ id: ids.inReview }),
    // A rejection without a comment: "say why".
    invalid: { role: "operations", decision: "reject" },
    // Tokens never sign, whatever they hold.
    lackingToken: "everything",
    allowed: "ops@countersign.test",
  },
  {
    name: "POST /changes/{id}/promote",
    handler: promoteRoute.POST,
    path: () => `/api/v1/changes/${ids.inReview}/promote`,
    params: () => ({ id: ids.inReview }),
    invalid: { environment: "the-moon" },
    lackingToken: "all-but-deploy",
    allowed: "engineer2@countersign.test",
  },
  {
    name: "POST /changes/{id}/retire",
    handler: retireRoute.POST,
    path: () => `/api/v1/changes/${ids.inReview}/retire`,
    params: () => ({ id: ids.inReview }),
    invalid: { unexpected: true },
    lackingToken: "all-but-deploy",
    allowed: "engineer2@countersign.test",
  },
  {
    name: "POST /agents/{slug}/rollback",
    handler: rollbackRoute.POST,
    path: () => "/api/v1/agents/refund-assistant/rollback",
    params: () => ({ slug: "refund-assistant" }),
    // A reason too short to be one: "say why you roll back".
    invalid: { environment: "production", reason: "x" },
    lackingToken: "all-but-deploy",
    allowed: "ops@countersign.test",
  },
  {
    name: "POST /evals",
    handler: evalsRoute.POST,
    path: () => "/api/v1/evals",
    params: () => ({}),
    invalid: { agent: "refund-assistant", suite: "", passed: -1 },
    lackingToken: "all-but-evals",
    allowed: "engineer2@countersign.test",
  },
  {
    name: "POST /incidents (open)",
    handler: incidentsRoute.POST,
    path: () => "/api/v1/incidents",
    params: () => ({}),
    invalid: { agent: "refund-assistant", severity: "sev9" },
    lackingToken: "all-but-deploy",
    allowed: "ops@countersign.test",
  },
  {
    name: "PATCH /incidents/{id} (update, resolve)",
    handler: incidentRoute.PATCH,
    path: () => `/api/v1/incidents/${ids.incident}`,
    params: () => ({ id: ids.incident }),
    invalid: { resolution: "magic" },
    lackingToken: "all-but-deploy",
    allowed: "ops@countersign.test",
  },
  {
    name: "POST /agents/{slug}/observations",
    handler: observationsRoute.POST,
    path: () => "/api/v1/agents/refund-assistant/observations",
    params: () => ({ slug: "refund-assistant" }),
    invalid: { environment: "the-moon", source: "" },
    // "everything" is every scope but observe.
    lackingToken: "everything",
    allowed: "ops@countersign.test",
  },
  {
    name: "POST /drift/{id}/resolve",
    handler: resolveDriftRoute.POST,
    path: () => `/api/v1/drift/${ids.drift}/resolve`,
    params: () => ({ id: ids.drift }),
    invalid: { action: "ignore", reason: "" },
    // Drift is resolved by people; no token may, whatever its scopes.
    lackingToken: "everything",
    allowed: "security@countersign.test",
  },
  {
    name: "POST /signals",
    handler: signalsRoute.POST,
    path: () => "/api/v1/signals",
    params: () => ({}),
    invalid: { agent: "refund-assistant", environment: "the-moon", metric: "", value: "high" },
    // "everything" is every scope but evidence:write.
    lackingToken: "everything",
    allowed: "engineer2@countersign.test",
  },
  // People are managed by admins signed in as themselves; no token may, whatever its scopes.
  {
    name: "POST /people (add)",
    handler: peopleRoute.POST,
    path: () => "/api/v1/people",
    params: () => ({}),
    invalid: { email: "not an email", roles: ["wizard"] },
    lackingToken: "everything",
    allowed: "admin@countersign.test",
  },
  {
    name: "PATCH /people/{email} (change)",
    handler: personRoute.PATCH,
    path: () => "/api/v1/people/ops%40countersign.test",
    params: () => ({ email: "ops%40countersign.test" }),
    invalid: { disabled: "yes" },
    lackingToken: "everything",
    allowed: "admin@countersign.test",
  },
  {
    name: "POST /people/{email}/reset (reset link)",
    handler: resetRoute.POST,
    path: () => "/api/v1/people/ops%40countersign.test/reset",
    params: () => ({ email: "ops%40countersign.test" }),
    invalid: { anything: true },
    lackingToken: "everything",
  },
];

const REFUSED: { label: string; who: (route: WriteRoute) => Who }[] = [
  { label: "an auditor", who: () => ({ person: "auditor@countersign.test" }) },
  { label: "a leader", who: () => ({ person: "leader@countersign.test" }) },
  { label: "a token without the scope", who: (route) => ({ token: route.lackingToken }) },
];

describe.each(WRITES)("$name", (route) => {
  const call = (who: Who, body?: unknown) => send(route.handler, route.name.split(" ")[0]!, route.path(), route.params(), who, body);

  it.each(REFUSED)("refuses $label with 403 before reading an invalid body", async ({ who }) => {
    const before = await auditCount();
    const { status, json } = await call(who(route), route.invalid);
    expect({ status, error: json.error }).toEqual({ status: 403, error: "forbidden" });
    expect(json).not.toHaveProperty("fieldErrors");
    expect(await auditCount()).toBe(before);
  });

  it.each(REFUSED)("refuses $label with 403 before reading a body that is not JSON", async ({ who }) => {
    const before = await auditCount();
    const { status, json } = await call(who(route), NOT_JSON);
    expect({ status, error: json.error }).toEqual({ status: 403, error: "forbidden" });
    expect(await auditCount()).toBe(before);
  });

  it("answers 401 to a request nobody signed, whatever its body", async () => {
    for (const who of ["anonymous", { token: "no-such-token" }, { header: "Basic YWRtaW46YWRtaW4=" }] as Who[]) {
      for (const body of [route.invalid, NOT_JSON]) {
        const { status, json } = await call(who, body);
        expect({ status, error: json.error }).toEqual({ status: 401, error: "unauthenticated" });
      }
    }
  });

  if (route.allowed) {
    const allowed = { person: route.allowed };
    // The refusals above prove something only if these bodies are refused on their content when the caller may ask.
    it("answers 422 with field errors when someone who may write sends the same invalid body, and writes nothing", async () => {
      const before = await auditCount();
      const { status, json } = await call(allowed, route.invalid);
      expect({ status, error: json.error }).toEqual({ status: 422, error: "validation_failed" });
      expect(Object.keys(json.fieldErrors as object).length).toBeGreaterThan(0);
      expect(await auditCount()).toBe(before);
    });

    it("answers 400 when someone who may write sends a body that is not JSON, and writes nothing", async () => {
      const before = await auditCount();
      for (const body of [NOT_JSON, "[1, 2]", "42", "null"]) {
        const { status, json } = await call(allowed, body);
        expect({ body, status, error: json.error }).toEqual({ body, status: 400, error: "bad_request" });
      }
      expect(await auditCount()).toBe(before);
    });
  }
});

/**
 * The OTLP receiver answers as OTLP/HTTP has exporters expect, a google.rpc.Status `{code, message}` (7
 * PERMISSION_DENIED, 16 UNAUTHENTICATED, 3 INVALID_ARGUMENT) instead of the API's `{error}`, and takes a bearer
 * token only; the order is the same: who first, then what.
 */
describe("POST /otlp/v1/traces (runtime evidence)", () => {
  const path = "/api/v1/otlp/v1/traces";
  const call = (who: Who, body: unknown) => send(otlpTracesRoute.POST, "POST", path, {}, who, body);
  /** Everything an export writes: audit events, hourly sums, breaches, kept traces, remembered span ids. */
  const written = async () =>
    (
      await rows<{ n: number }>(
        sql`SELECT (SELECT COUNT(*) FROM audit_events) + (SELECT COUNT(*) FROM runtime_hours) + (SELECT COUNT(*) FROM breaches)
          + (SELECT COUNT(*) FROM runtime_traces) + (SELECT COUNT(*) FROM runtime_seen_spans) AS n`,
      )
    )[0]!.n;
  /** A real export, as the OpenTelemetry SDK writes it: a forbidden call in production, a breach and an incident if taken. */
  const breaching = async () => {
    const { name, version } = (await productionSpec("refund-assistant")).model;
    const spans = recordSpans({ "deployment.environment.name": "production", "countersign.agent": "refund-assistant" }, [
      { at: clock.next(), model: `${name}-${version}`, tools: [{ tool: "stripe:customers.delete" }] },
    ]);
    return JSON.parse(new TextDecoder().decode(otlpJson(spans))) as unknown;
  };
  const bodies = async (): Promise<[string, unknown][]> => [
    ["an export that would breach", await breaching()],
    ["a body that is not JSON", NOT_JSON],
    ["JSON that is not an export", { resourceSpans: 42 }],
  ];

  it.each(["everything", "deploy-only", "changes-only"])(
    "refuses a token without evidence:write (%s) with 403, whatever the body",
    async (token) => {
      const before = await written();
      for (const [what, body] of await bodies()) {
        const { status, json } = await call({ token }, body);
        expect({ what, status, code: json.code }).toEqual({ what, status: 403, code: 7 });
      }
      expect(await written()).toBe(before);
    },
  );

  it("refuses a signed-in person, even one who may send evidence, with 401 before the body: exporters send a token", async () => {
    const before = await written();
    for (const person of ["auditor@countersign.test", "leader@countersign.test", "engineer2@countersign.test"])
      for (const [what, body] of await bodies()) {
        const { status, json } = await call({ person }, body);
        expect({ person, what, status, code: json.code }).toEqual({ person, what, status: 401, code: 16 });
      }
    expect(await written()).toBe(before);
  });

  it("answers 401 to a request nobody signed, whatever its body", async () => {
    for (const who of ["anonymous", { token: "no-such-token" }, { header: "Basic YWRtaW46YWRtaW4=" }] as Who[])
      for (const [what, body] of await bodies()) {
        const { status, json } = await call(who, body);
        expect({ what, status, code: json.code }).toEqual({ what, status: 401, code: 16 });
      }
  });

  it("answers 400 when a token with evidence:write sends a body that is not an export, and writes nothing", async () => {
    const before = await written();
    for (const body of [NOT_JSON, { resourceSpans: 42 }, "[1, 2]", "null"]) {
      const { status, json } = await call({ token: "evidence-only" }, body);
      expect({ body, status, code: json.code }).toEqual({ body, status: 400, code: 3 });
    }
    expect(await written()).toBe(before);
  });

  it("ingestTraces itself refuses an auditor, a leader and a token without evidence:write before reading the export", async () => {
    const decoded = decodeJsonExport(new TextEncoder().encode(JSON.stringify(await breaching())));
    const before = await written();
    for (const [who, caller] of [
      ["auditor", await as("auditor@countersign.test")],
      ["leader", await as("leader@countersign.test")],
      ["owner", await as("owner@countersign.test")],
      ["token with every other scope", (await tokenCaller("cs_everything"))!],
    ] as [string, Caller][])
      expect({ who, code: (await errorOf(() => ingestTraces(caller, decoded, clock.next()))).code }).toEqual({ who, code: "forbidden" });
    expect(await written()).toBe(before);
    // …and someone who may send it is answered on what they sent: here, spans that name no environment are rejected.
    const unplaced = decodeJsonExport(
      otlpJson(recordSpans({ "countersign.agent": "refund-assistant" }, [{ at: clock.peek(), model: "gpt-4.1", tools: [] }])),
    );
    const result = await ingestTraces(await as("engineer2@countersign.test"), unplaced, clock.next());
    expect(result.accepted).toBe(0);
    expect(new Set(result.rejected.map((r) => r.reason))).toEqual(new Set(["no deployment.environment.name on the resource"]));
    expect(await written()).toBe(before);
  });

  it("recordSignals itself refuses an auditor, a leader and a token without evidence:write before reading the signal", async () => {
    const garbage = { signals: "lots" };
    for (const [who, caller] of [
      ["auditor", await as("auditor@countersign.test")],
      ["leader", await as("leader@countersign.test")],
      ["token with every other scope", (await tokenCaller("cs_everything"))!],
    ] as [string, Caller][])
      expect({ who, code: (await errorOf(() => recordSignals(caller, garbage))).code }).toEqual({ who, code: "forbidden" });
    expect((await errorOf(async () => recordSignals(await as("ops@countersign.test"), garbage))).code).toBe("validation_failed");
  });
});

describe("GET /agents/{slug}/runtime (a read)", () => {
  const call = (who: Who, query: string) =>
    send(runtimeRoute.GET, "GET", `/api/v1/agents/refund-assistant/runtime${query}`, { slug: "refund-assistant" }, who);

  it("refuses a token without the read scope with 403 before its parameters; a reader with bad parameters gets 400", async () => {
    for (const token of ["evidence-only", "deploy-only"]) {
      const { status, json } = await call({ token }, "?environment=the-moon&from=yesterday");
      expect({ token, status, error: json.error }).toEqual({ token, status: 403, error: "forbidden" });
    }
    const { status, json } = await call({ token: "everything" }, "?environment=the-moon");
    expect({ status, error: json.error }).toEqual({ status: 400, error: "bad_request" });
    expect(
      (await errorOf(async () => agentRuntime((await tokenCaller("cs_evidence-only"))!, "refund-assistant", { environment: "the-moon" })))
        .code,
    ).toBe("forbidden");
  });

  it("answers an auditor and a leader, who read everything", async () => {
    for (const person of ["auditor@countersign.test", "leader@countersign.test"]) {
      const { status, json } = await call({ person }, "?environment=production");
      expect({ person, status, agent: json.agent, environment: json.environment }).toEqual({
        person,
        status: 200,
        agent: "refund-assistant",
        environment: "production",
      });
    }
  });
});

describe("use cases without a route refuse the wrong caller before reading their input", () => {
  const people = ["auditor@countersign.test", "leader@countersign.test", "engineer@countersign.test"];
  const callers = async (): Promise<[string, Caller][]> => [
    ...(await Promise.all(people.map(async (email): Promise<[string, Caller]> => [email, await as(email)]))),
    ["a token with every scope", (await tokenCaller("cs_everything"))!],
  ];

  it.each([
    ["issuing an API token", (c: Caller) => issueToken(c, { name: "", scopes: ["root"] })],
    ["revoking an API token", (c: Caller) => revokeToken(c, "no-such-token")],
    ["publishing the sign-off policy", (c: Caller) => publishPolicy(c, { domains: "everyone signs" })],
  ])("%s", async (_what, write) => {
    for (const [who, caller] of await callers()) {
      expect({ who, code: (await errorOf(() => write(caller))).code }).toEqual({ who, code: "forbidden" });
    }
    // …and an admin, who may, is told what is wrong with it.
    expect((await errorOf(async () => write(await as("admin@countersign.test")))).code).not.toBe("forbidden");
  });
});

describe("a write that succeeds answers with its result, without asking for the read scope", () => {
  const productionVersion = async (slug: string) =>
    (await getAgentRecord(await as("auditor@countersign.test"), slug)).environments.production!.version;

  it("a changes:write token proposes, edits, submits and withdraws; an evals:write token records; a deploy token promotes", async () => {
    const spec = await productionSpec("meeting-brief-writer");
    spec.traceRetentionDays += 2;
    const proposed = await send(
      changesRoute.POST,
      "POST",
      "/api/v1/changes",
      {},
      { token: "changes-only" },
      {
        agent: "meeting-brief-writer",
        title: "Keep traces two days longer",
        spec,
        ...attested,
      },
    );
    expect(proposed.status).toBe(201);
    const id = proposed.json.id as string;
    expect(proposed.json).toMatchObject({ state: "draft", title: "Keep traces two days longer" });

    const edited = await send(
      changeRoute.PATCH,
      "PATCH",
      `/api/v1/changes/${id}`,
      { id },
      { token: "changes-only" },
      { title: "Keep traces longer" },
    );
    expect({ status: edited.status, title: edited.json.title }).toEqual({ status: 200, title: "Keep traces longer" });

    const promoted = await send(
      promoteRoute.POST,
      "POST",
      `/api/v1/changes/${id}/promote`,
      { id },
      { token: "deploy-only" },
      {
        environment: "development",
      },
    );
    expect(promoted.status).toBe(200);
    expect(promoted.json.deployment).toMatchObject({ agent: "meeting-brief-writer", environment: "development", kind: "promote" });

    const specHash = edited.json.specHash as string;
    const evaluated = await send(
      evalsRoute.POST,
      "POST",
      "/api/v1/evals",
      {},
      { token: "evals-only" },
      {
        agent: "meeting-brief-writer",
        specHash,
        environment: "development",
        suite: "smoke",
        passed: 10,
        failed: 0,
      },
    );
    expect(evaluated.status).toBe(201);
    expect(evaluated.json).toMatchObject({ specHash, environment: "development", recordedBy: "token:evals-only" });

    const submitted = await send(submitRoute.POST, "POST", `/api/v1/changes/${id}/submit`, { id }, { token: "changes-only" });
    expect({ status: submitted.status, state: submitted.json.state }).toEqual({ status: 200, state: "in_review" });

    const withdrawn = await send(
      withdrawRoute.POST,
      "POST",
      `/api/v1/changes/${id}/withdraw`,
      { id },
      { token: "changes-only" },
      {
        reason: "superseded",
      },
    );
    expect({ status: withdrawn.status, state: withdrawn.json.state }).toEqual({ status: 200, state: "withdrawn" });
  });

  it("a deploy token opens an incident and gets it back (201), then resolves it (200)", async () => {
    const before = await auditCount();
    const opened = await send(
      incidentsRoute.POST,
      "POST",
      "/api/v1/incidents",
      {},
      { token: "deploy-only" },
      {
        agent: "postmortem-drafter",
        severity: "sev2",
        title: "Drafts cite the wrong incident",
      },
    );
    expect(opened.status).toBe(201);
    expect(opened.json).toMatchObject({ agent: "postmortem-drafter", severity: "sev2", openedBy: "token:deploy-only", resolvedAt: null });
    expect(await auditCount()).toBe(before + 1);
    const id = opened.json.id as string;

    const resolved = await send(
      incidentRoute.PATCH,
      "PATCH",
      `/api/v1/incidents/${id}`,
      { id },
      { token: "deploy-only" },
      {
        resolution: "no_action",
      },
    );
    expect(resolved.status).toBe(200);
    expect(resolved.json).toMatchObject({ id, resolution: "no_action" });
    expect((await getIncident(await as("auditor@countersign.test"), id)).resolution).toBe("no_action");
  });

  it("a deploy token rolls production back and gets the deployment, the rolled-back change and the incident (200)", async () => {
    const slug = "ticket-escalation-router";
    const previous = await productionVersion(slug);
    const change = await retentionChange(slug, 5, clock.next());
    await approveAll(change.id, clock);
    const released = await releaseApproved(change.id, clock);

    const { status, json } = await send(
      rollbackRoute.POST,
      "POST",
      `/api/v1/agents/${slug}/rollback`,
      { slug },
      { token: "deploy-only" },
      {
        environment: "production",
        reason: "Escalations go to the wrong queue",
        expectedVersion: released.version,
      },
    );
    expect(status).toBe(200);
    expect(json).toMatchObject({
      deployment: { agent: slug, environment: "production", kind: "rollback", version: previous, replacedVersion: released.version },
      rolledBackChange: change.label,
      incident: { agent: slug, deploymentId: released.id, resolvedAt: null },
    });
    const agent = (await first(db.select().from(agents).where(eq(agents.slug, slug))))!;
    const rollbacks = await db.select().from(deployments).where(eq(deployments.agentId, agent.id));
    expect(rollbacks.filter((d) => d.kind === "rollback" && d.deployedByTokenId === "tok_deploy-only")).toHaveLength(1);
    expect(await productionVersion(slug)).toBe(previous);
  });

  it("an evidence:write token sends traces (200, {}) and business signals (201) without the read scope", async () => {
    const breachCount = async () => (await first(db.select({ n: sql<number>`COUNT(*)` }).from(breaches)))!.n;
    const before = await breachCount();
    const { name, version } = (await productionSpec("refund-assistant")).model;
    const spans = recordSpans({ "deployment.environment.name": "production", "countersign.agent": "refund-assistant" }, [
      { at: clock.next(), model: `${name}-${version}`, tools: [{ tool: "stripe:customers.delete" }] },
    ]);
    const body = JSON.parse(new TextDecoder().decode(otlpJson(spans))) as unknown;
    const traces = await send(otlpTracesRoute.POST, "POST", "/api/v1/otlp/v1/traces", {}, { token: "evidence-only" }, body);
    expect({ status: traces.status, json: traces.json }).toEqual({ status: 200, json: {} });
    expect(await breachCount()).toBe(before + 1);

    const at = new Date(clock.next()).toISOString();
    const signal = { agent: "refund-assistant", environment: "staging", metric: "CSAT", value: 4.5, at };
    const signals = await send(signalsRoute.POST, "POST", "/api/v1/signals", {}, { token: "evidence-only" }, signal);
    expect(signals.status).toBe(201);
    const staging = (await getAgentRecord(await as("auditor@countersign.test"), "refund-assistant")).environments.staging!.version;
    expect(signals.json).toEqual({
      recorded: [{ agent: "refund-assistant", environment: "staging", metric: "csat", value: 4.5, at, version: staging }],
    });
  });
});

/**
 * The authorization matrix: every principal × every API write, each cell's status stated here from the
 * policy (README's API section and DESIGN.md), not from the code under test. Every body is invalid on
 * purpose, so a caller who may write is answered 422 on its content and nothing is ever written; one who
 * may not is answered 403 before the body is read; nobody signed is answered 401.
 */
describe("the authorization matrix", () => {
  type Principal = { label: string; who: Who; roles?: Role[]; scopes?: TokenScope[] };
  const person = (email: string, roles: Role[]): Principal => ({ label: email.split("@")[0]!, who: { person: email }, roles });
  const token = (name: string, scopes: TokenScope[]): Principal => ({ label: `token[${scopes.join(",")}]`, who: { token: name }, scopes });
  const PRINCIPALS: Principal[] = [
    { label: "anonymous", who: "anonymous" },
    person("owner@countersign.test", ["workflow_owner"]),
    person("security@countersign.test", ["security"]),
    person("engineer@countersign.test", ["engineering"]), // the author of the changes below
    person("engineer2@countersign.test", ["engineering"]),
    person("ops@countersign.test", ["operations"]),
    person("compliance@countersign.test", ["compliance"]),
    person("leader@countersign.test", ["leader"]),
    person("auditor@countersign.test", ["auditor"]),
    person("admin@countersign.test", ["admin"]),
    token("matrix-read", ["read"]),
    token("matrix-changes", ["changes:write"]),
    token("matrix-evals", ["evals:write"]),
    token("matrix-deploy", ["deploy"]),
    token("matrix-all", ["read", "changes:write", "evals:write", "deploy"]),
    token("matrix-observe", ["observe"]),
    token("matrix-evidence", ["evidence:write"]),
  ];
  const AUTHOR = "engineer";
  const SIGNERS: Role[] = ["workflow_owner", "security", "engineering", "operations", "compliance"];
  const holds = (p: Principal, ...roles: Role[]) => (p.roles ?? []).some((r) => roles.includes(r));
  const scoped = (p: Principal, scope: TokenScope) => (p.scopes ?? []).includes(scope);
  const matrix = { incomplete: "", rollbackOwner: "" };

  type Cell = { route: string; handler: unknown; method: string; path: () => string; params: () => Record<string, string>; body: unknown };
  /** `allowed`: what someone who may write is answered for this invalid body (OTLP calls a body that is not an export a 400). */
  const ROUTES: (Cell & { may: (p: Principal) => boolean; allowed?: number; people?: number })[] = [
    {
      route: "POST /changes",
      handler: changesRoute.POST,
      method: "POST",
      path: () => "/api/v1/changes",
      params: () => ({}),
      body: { agent: "refund-assistant", title: 42 },
      may: (p) => holds(p, ...SIGNERS, "admin") || scoped(p, "changes:write"),
    },
    {
      // Only its author edits, submits, withdraws or updates a change; a token is never the author of a person's change.
      route: "PATCH /changes/{id}",
      handler: changeRoute.PATCH,
      method: "PATCH",
      path: () => `/api/v1/changes/${ids.draft}`,
      params: () => ({ id: ids.draft }),
      body: { title: 42 },
      may: (p) => p.label === AUTHOR,
    },
    {
      route: "POST /changes/{id}/submit",
      handler: submitRoute.POST,
      method: "POST",
      // A draft with no rollback plan: submitting it is refused on its content.
      path: () => `/api/v1/changes/${matrix.incomplete}/submit`,
      params: () => ({ id: matrix.incomplete }),
      body: undefined,
      may: (p) => p.label === AUTHOR,
    },
    {
      route: "POST /changes/{id}/withdraw",
      handler: withdrawRoute.POST,
      method: "POST",
      path: () => `/api/v1/changes/${ids.draft}/withdraw`,
      params: () => ({ id: ids.draft }),
      body: { reason: 42 },
      may: (p) => p.label === AUTHOR,
    },
    {
      route: "POST /changes/{id}/update-from-production",
      handler: updateRoute.POST,
      method: "POST",
      path: () => `/api/v1/changes/${ids.draft}/update-from-production`,
      params: () => ({ id: ids.draft }),
      body: { resolutions: "all mine" },
      may: (p) => p.label === AUTHOR,
    },
    {
      // People holding a signing role; never a token, a leader, an auditor or an admin. The author's own change is
      // refused once the decision is read (signoffs.test.ts): this body is not a decision, so the author gets its 422.
      route: "POST /changes/{id}/signoffs",
      handler: signoffsRoute.POST,
      method: "POST",
      path: () => `/api/v1/changes/${ids.inReview}/signoffs`,
      params: () => ({ id: ids.inReview }),
      body: { decision: "maybe" },
      may: (p) => holds(p, ...SIGNERS),
    },
    {
      route: "POST /changes/{id}/promote",
      handler: promoteRoute.POST,
      method: "POST",
      path: () => `/api/v1/changes/${ids.inReview}/promote`,
      params: () => ({ id: ids.inReview }),
      body: { environment: "the-moon" },
      may: (p) => holds(p, "engineering", "operations") || scoped(p, "deploy"),
    },
    {
      route: "POST /changes/{id}/retire",
      handler: retireRoute.POST,
      method: "POST",
      path: () => `/api/v1/changes/${ids.inReview}/retire`,
      params: () => ({ id: ids.inReview }),
      body: { unexpected: true },
      may: (p) => holds(p, "engineering", "operations") || scoped(p, "deploy"),
    },
    {
      route: "POST /agents/{slug}/rollback",
      handler: rollbackRoute.POST,
      method: "POST",
      path: () => "/api/v1/agents/refund-assistant/rollback",
      params: () => ({ slug: "refund-assistant" }),
      body: { environment: "production", reason: "x" },
      may: (p) => holds(p, "operations") || p.label === matrix.rollbackOwner || scoped(p, "deploy"),
    },
    {
      route: "POST /evals",
      handler: evalsRoute.POST,
      method: "POST",
      path: () => "/api/v1/evals",
      params: () => ({}),
      body: { agent: "refund-assistant", suite: "", passed: -1 },
      may: (p) => holds(p, "engineering", "operations") || scoped(p, "evals:write"),
    },
    {
      route: "POST /incidents",
      handler: incidentsRoute.POST,
      method: "POST",
      path: () => "/api/v1/incidents",
      params: () => ({}),
      body: { agent: "refund-assistant", severity: "sev9" },
      may: (p) => holds(p, ...SIGNERS) || scoped(p, "deploy"),
    },
    {
      route: "PATCH /incidents/{id}",
      handler: incidentRoute.PATCH,
      method: "PATCH",
      path: () => `/api/v1/incidents/${ids.incident}`,
      params: () => ({ id: ids.incident }),
      body: { resolution: "magic" },
      may: (p) => holds(p, ...SIGNERS) || scoped(p, "deploy"),
    },
    {
      route: "POST /agents/{slug}/observations",
      handler: observationsRoute.POST,
      method: "POST",
      path: () => "/api/v1/agents/refund-assistant/observations",
      params: () => ({ slug: "refund-assistant" }),
      body: { environment: "the-moon", source: "" },
      may: (p) => holds(p, "engineering", "operations") || scoped(p, "observe"),
    },
    {
      route: "POST /drift/{id}/resolve",
      handler: resolveDriftRoute.POST,
      method: "POST",
      path: () => `/api/v1/drift/${ids.drift}/resolve`,
      params: () => ({ id: ids.drift }),
      body: { action: "ignore", reason: "" },
      may: (p) => !p.scopes && holds(p, "engineering", "security", "operations"),
    },
    {
      // Runtime evidence is sent by runtimes (a token with evidence:write), or by engineering and operations.
      route: "POST /signals",
      handler: signalsRoute.POST,
      method: "POST",
      path: () => "/api/v1/signals",
      params: () => ({}),
      body: { agent: "refund-assistant", environment: "the-moon", metric: "", value: "high" },
      may: (p) => holds(p, "engineering", "operations") || scoped(p, "evidence:write"),
    },
    {
      route: "POST /otlp/v1/traces",
      handler: otlpTracesRoute.POST,
      method: "POST",
      path: () => "/api/v1/otlp/v1/traces",
      params: () => ({}),
      body: { resourceSpans: 42 },
      may: (p) => scoped(p, "evidence:write"),
      allowed: 400,
      // The receiver takes a bearer token only (as exporters send it): a signed-in person is not authenticated there.
      people: 401,
    },
  ];

  beforeAll(async () => {
    for (const p of PRINCIPALS) if (p.scopes) await tokenWith(db, (p.who as { token: string }).token, p.scopes);
    const spec = await productionSpec("refund-assistant");
    spec.traceRetentionDays += 4;
    matrix.incomplete = (
      await proposeChange(await as("engineer@countersign.test"), { agent: "refund-assistant", title: "No plan yet", spec }, clock.next())
    ).id;
    const agent = (await first(db.select().from(agents).where(eq(agents.slug, "refund-assistant"))))!;
    matrix.rollbackOwner = ((await first(db.select().from(users).where(eq(users.id, agent.rollbackOwnerId!))))?.email ?? "").split("@")[0]!;
  });

  it("answers every principal × every write with the status the policy gives it, and writes nothing", async () => {
    const before = await auditCount();
    const mismatches: { route: string; principal: string; expected: number; got: number; message: unknown }[] = [];
    let cells = 0;
    for (const route of ROUTES) {
      for (const principal of PRINCIPALS) {
        const expected =
          principal.who === "anonymous"
            ? 401
            : route.people && principal.roles
              ? route.people
              : route.may(principal)
                ? (route.allowed ?? 422)
                : 403;
        const { status, json } = await send(route.handler, route.method, route.path(), route.params(), principal.who, route.body);
        cells++;
        if (status !== expected)
          mismatches.push({ route: route.route, principal: principal.label, expected, got: status, message: json.message });
      }
    }
    console.log(
      `authorization matrix: ${PRINCIPALS.length} principals × ${ROUTES.length} writes = ${cells} cells, ${mismatches.length} mismatches`,
    );
    if (mismatches.length) console.table(mismatches);
    expect(cells).toBe(PRINCIPALS.length * ROUTES.length);
    expect(mismatches).toEqual([]);
    expect(await auditCount()).toBe(before);
  });
});
