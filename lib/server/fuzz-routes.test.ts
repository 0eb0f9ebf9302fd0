import { sql, type SQL } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { rows, type DB } from "@/db";
import { LIMITS } from "@/lib/domain/input-limits";
import { DEFAULT_POLICY } from "@/lib/domain/signoff-policy";
import { specHash, type AgentSpec } from "@/lib/domain/spec";
import { isAppError, refusalIn } from "@/lib/errors";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, attested, productionSpec, testClock } from "@/lib/testing/release-fixtures";
import { issueToken } from "./api-tokens";
import { updateFromProduction } from "./change-update";
import { editChange, getChange, proposeChange, submitChange, withdrawChange } from "./changes";
import { recordEvalRun } from "./evals";
import { openIncident, updateIncident } from "./incidents";
import { publishPolicy } from "./policy";
import { promote } from "./promotion";
import { rollback } from "./rollback";
import { signOff } from "./signoffs";

/**
 * Hostile input against every mutating use case, as a caller allowed to use it: whatever is sent, the
 * answer is a value or an AppError (never another exception, which the API would answer 500), nothing
 * stored is larger than the limits, and every change the run created can still be read, quickly.
 */

let db: DB;
const clock = testClock();
const engineer = () => as("engineer@countersign.test");

function nested(depth: number, leaf: unknown = 1, wrap: "array" | "object" = "array"): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = wrap === "array" ? [value] : { a: value };
  return value;
}

/** The one row a query answers. */
async function one<T>(query: SQL): Promise<T> {
  return (await rows<T>(query, db))[0]!;
}

/**
 * The length of the longest JSON document in a column, as the compact JSON it was sent as: SQLite keeps that text,
 * PostgreSQL's jsonb prints itself with spaces, so the longest few are measured again here.
 */
async function longestJson(table: string, column: string): Promise<number> {
  const longest = await rows<{ value: unknown }>(
    sql.raw(`select ${column} as value from ${table} order by length(cast(${column} as text)) desc limit 20`),
    db,
  );
  return Math.max(0, ...longest.map((r) => (typeof r.value === "string" ? r.value : JSON.stringify(r.value)).length));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("finding 1: a spec nested 1,000 or 3,000 levels deep, and megabyte strings", () => {
  it("a 1,000-deep array as an object is refused on spec (422) and nothing is stored", async () => {
    const before = (await one<{ n: number }>(sql`select count(*) as n from change_records`)).n;
    const error = await errorOf(async () =>
      proposeChange(await engineer(), { agent: "refund-assistant", spec: { model: nested(1_000) } }, clock.next()),
    );
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors?.spec?.[0]).toMatch(/nested more than 32 levels/);
    expect((await one<{ n: number }>(sql`select count(*) as n from change_records`)).n).toBe(before);
  });

  it("a 3,000-deep value (6 KB as JSON) is refused instead of stored as an 18 MB draft", async () => {
    const spec = { model: nested(3_000, 1, "object") };
    expect(JSON.stringify(spec).length).toBeLessThan(20_000);
    const error = await errorOf(async () => proposeChange(await engineer(), { agent: "refund-assistant", spec }, clock.next()));
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors ?? {})).toEqual(["spec"]);
    const largest = (await one<{ n: number | null }>(sql`select max(length(draft_spec_text)) as n from change_records`)).n ?? 0;
    expect(largest).toBeLessThanOrEqual(LIMITS.specText);
  });

  it("a 1,000-deep array sent as 2 KB of text is kept as sent, and reading the change answers at once with the problem", async () => {
    const text = JSON.stringify({ model: nested(1_000) });
    const draft = await proposeChange(await engineer(), { agent: "refund-assistant", title: "Deep", spec: text }, clock.next());
    const { value, ms } = await timed(async () => getChange(await as("auditor@countersign.test"), draft.id));
    expect(value.specIssues).toEqual([{ path: "spec", message: "The spec is nested more than 32 levels deep" }]);
    expect(ms).toBeLessThan(2_000);
  });

  it("a 1,000-deep array as indented text (2 MB) is refused on spec", async () => {
    const text = JSON.stringify({ model: nested(1_000) }, null, 2);
    const error = await errorOf(async () => proposeChange(await engineer(), { agent: "refund-assistant", spec: text }, clock.next()));
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors?.spec).toEqual(["Keep the spec to 200,000 characters"]);
  });

  it.each([
    ["title", 1_000_000],
    ["rationale", 2_000_000],
    ["rollbackPlan", 5_000_000],
    ["monitoring", 1_000_000],
  ])("a %s of %i characters is a 422 naming the field", async (field, size) => {
    const error = await errorOf(async () =>
      proposeChange(await engineer(), { agent: "refund-assistant", [field]: "x".repeat(size) }, clock.next()),
    );
    expect(error.code).toBe("validation_failed");
    expect(Object.keys(error.details.fieldErrors ?? {})).toEqual([field]);
  });

  it("instructions over 50,000 characters are a 422 naming spec.instructions; a 1 MB spec is refused as a whole", async () => {
    const propose = (instructions: string, submit: boolean) =>
      errorOf(async () =>
        proposeChange(
          await engineer(),
          { agent: "refund-assistant", spec: { ...(await productionSpec("refund-assistant")), instructions }, ...attested, submit },
          clock.next(),
        ),
      );
    expect((await propose("x".repeat(60_000), true)).details.fieldErrors?.["spec.instructions"]).toEqual([
      "Keep the instructions to 50,000 characters",
    ]);
    expect((await propose("x".repeat(1_000_000), false)).details.fieldErrors?.spec).toEqual(["Keep the spec to 200,000 characters"]);
  });
});

describe("a published policy is bounded too", () => {
  it("a template named with 1 MB of text is a 422, and nothing is published", async () => {
    const before = (await one<{ n: number }>(sql`select count(*) as n from policies`)).n;
    const template = { id: "huge", name: "x".repeat(1_000_000), domains: ["semantics"], autonomy: ["read_only"], maxTier: "low" };
    const error = await errorOf(
      async () => await publishPolicy(await as("admin@countersign.test"), { ...DEFAULT_POLICY, standardChanges: [template] }, clock.next()),
    );
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors?.body).toEqual(["Keep the policy to 100,000 characters"]);
    expect((await one<{ n: number }>(sql`select count(*) as n from policies`)).n).toBe(before);
  });

  it("a prototype-named key in a policy is a 422 naming it, where it used to be silently dropped", async () => {
    const document = withKey("constructor", { polluted: true }, structuredClone(DEFAULT_POLICY) as unknown as Record<string, unknown>);
    const error = await errorOf(async () => await publishPolicy(await as("admin@countersign.test"), document, clock.next()));
    expect(error.details.fieldErrors?.constructor).toEqual(['"constructor" is not allowed as a field name']);
  });
});

// --- The fuzz suite -------------------------------------------------------------------------------

const BIG = ["x".repeat(LIMITS.text + 1), "y".repeat(60_000), "z".repeat(1_200_000)];
const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty"];

const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -1, -0, 1e308, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 1),
  fc.constantFrom("", " ", "NaN", "1e999", "42", "-1", "true", "null", "CR-1", "CR-99999", "../../etc/passwd", "<script>alert(1)</script>"),
  fc.constantFrom("\u0000", "\uD800", "\u202Eevil", "𝓤𝓷𝓲𝓬𝓸𝓭𝓮 👩‍👩‍👧", "staging", "production", "approve", "security"),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(...BIG),
);

/** An object whose own key names prototype machinery (as JSON.parse makes it), holding `value`. */
function withKey(key: string, value: unknown, into: Record<string, unknown> = {}): Record<string, unknown> {
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  return into;
}

const deepValue = fc
  .record({ depth: fc.integer({ min: 30, max: 3_000 }), wrap: fc.constantFrom("array" as const, "object" as const), leaf: hostileScalar })
  .map(({ depth, wrap, leaf }) => nested(depth, leaf, wrap));
const prototypeObject = fc.tuple(fc.constantFrom(...PROTO_KEYS), hostileScalar).map(([key, value]) => withKey(key, value));

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileScalar },
  { weight: 2, arbitrary: deepValue },
  { weight: 2, arbitrary: prototypeObject },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3, maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 201, max: 1_000 }).map((n) => Array.from({ length: n }, () => ({ role: "r" }))) },
);

/**
 * A body: each known field mostly plausible and sometimes hostile, now and then a prototype-named extra
 * key, and now and then no object at all; mostly plausible so that the cases also reach past validation.
 */
function body(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const mixed = Object.fromEntries(
    Object.entries(fields).map(([key, plausible]) => [
      key,
      fc.oneof({ weight: 12, arbitrary: plausible }, { weight: 1, arbitrary: hostile }),
    ]),
  );
  const extraKey = fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROTO_KEYS), hostile) },
  );
  const object = fc
    .tuple(fc.record(mixed, { requiredKeys: [] }), extraKey)
    .map(([record, extra]) => (extra ? withKey(extra[0], extra[1], { ...record }) : record));
  return fc.oneof({ weight: 10, arbitrary: object }, { weight: 1, arbitrary: hostile });
}

const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 3, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...BIG) },
);
const ENVIRONMENTS = fc.constantFrom("development", "staging", "production");

type Outcome = { cases: number; values: number; appErrors: number; crashes: { useCase: string; error: string }[]; slowestMs: number };
const outcomes = new Map<string, Outcome>();

/** A crash, briefly: a failed query's message is its SQL, so the database's reason (its cause) comes first. */
function crashOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message.slice(0, 200)})` : "";
  return `${error.name}${cause}: ${error.message.slice(0, 200)}`;
}

async function run(useCase: string, call: () => Promise<unknown>) {
  const outcome = outcomes.get(useCase) ?? { cases: 0, values: 0, appErrors: 0, crashes: [], slowestMs: 0 };
  outcomes.set(useCase, outcome);
  outcome.cases++;
  const start = performance.now();
  try {
    await call();
    outcome.values++;
  } catch (error) {
    // A refusal the store makes itself (PostgreSQL refuses text with a NUL character) reaches the API wrapped.
    if (isAppError(refusalIn(error))) outcome.appErrors++;
    else outcome.crashes.push({ useCase, error: crashOf(error) });
  } finally {
    outcome.slowestMs = Math.max(outcome.slowestMs, performance.now() - start);
  }
}

describe("fuzz: hostile bodies against every mutating use case", () => {
  const RUNS = 300;
  let changesBefore = 0;
  let slugs: string[] = [];
  let refs: string[] = [];
  let incidentId = "";
  /** Each agent's production spec before the run: arbitraries cannot await, so they draw from these. */
  let specs = new Map<string, AgentSpec>();

  beforeAll(async () => {
    changesBefore = (await one<{ n: number }>(sql`select max(number) as n from change_records`)).n;
    slugs = (await rows<{ slug: string }>(sql`select slug from agents order by slug`, db)).map((a) => a.slug);
    specs = new Map();
    for (const slug of slugs) specs.set(slug, await productionSpec(slug));
    const drafts: string[] = [];
    for (const [i, slug] of ["refund-assistant", "refund-assistant", slugs[0]!].entries())
      drafts.push(
        (await proposeChange(await engineer(), { agent: slug, title: `Fuzz draft ${i}`, spec: await productionSpec(slug) }, clock.next()))
          .id,
      );
    const spec = await productionSpec("refund-assistant");
    spec.traceRetentionDays += 7;
    const inReview = await proposeChange(
      await engineer(),
      { agent: "refund-assistant", title: "Fuzz review", spec, ...attested, submit: true },
      clock.next(),
    );
    refs = [...drafts, inReview.id, inReview.label, "CR-1", "CR-999999"];
    incidentId = (
      await openIncident(
        await as("ops@countersign.test"),
        { agent: "refund-assistant", severity: "sev3", title: "Fuzz incident" },
        clock.next(),
      )
    ).id;
  });

  const ref = () => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...refs) }, { weight: 1, arbitrary: hostileScalar.map(String) });
  const slug = () => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...slugs) }, { weight: 1, arbitrary: hostileScalar.map(String) });
  const specOf = (slug: string) => structuredClone(specs.get(slug)!);
  const specInput = () =>
    fc.oneof(
      fc.constantFrom(...slugs).map((s) => specOf(s)),
      fc.constantFrom(...slugs).map((s) => JSON.stringify(specOf(s))),
      fc.constantFrom(...slugs).chain((s) =>
        fc
          .record({ field: fc.constantFrom("instructions", "model", "tools", "forbidden", "autonomy"), value: hostile })
          .map(({ field, value }) => ({
            ...specOf(s),
            [field]: value,
          })),
      ),
    );
  const changeFields = () => ({
    title: text,
    rationale: text,
    spec: specInput(),
    roleImpacts: fc.constant([{ role: "Tier-2 lead", impact: "gains", description: "Reviews larger refunds" }]),
    harmMetrics: fc.constant(attested.harmMetrics),
    evidence: fc.constant({ pullRequest: "https://example.com/pr/1" }),
    rollbackPlan: text,
    rollbackOwner: fc.constantFrom("ops@countersign.test", "ops@countersign.test", "nobody@example.com"),
    monitoring: text,
    emergency: fc.oneof(
      fc.constant(null),
      text.map((justification) => ({ justification })),
    ),
    raiseTier: fc.constant(null),
  });

  const cases: [string, () => fc.Arbitrary<() => Promise<unknown>>][] = [
    [
      "proposeChange",
      () =>
        body({ agent: slug(), ...changeFields(), submit: fc.boolean() }).map(
          (input) => async () => proposeChange(await engineer(), input, clock.next()),
        ),
    ],
    [
      "editChange",
      () =>
        fc.tuple(ref(), body(changeFields())).map(
          ([r, input]) =>
            async () =>
              editChange(await engineer(), r, input, clock.next()),
        ),
    ],
    [
      "signOff",
      () =>
        fc
          .tuple(
            ref(),
            body({
              role: fc.constantFrom("security", "workflow_owner"),
              decision: fc.constantFrom("approve", "reject", "request_changes"),
              comment: text,
              contentHash: fc.constantFrom(undefined, "0".repeat(64)),
              comparedWithVersion: fc.constantFrom(undefined, 1),
            }),
          )
          .map(
            ([r, input]) =>
              async () =>
                await signOff(await as("security@countersign.test"), r, input, clock.next()),
          ),
    ],
    [
      "promote",
      () =>
        fc.tuple(ref(), body({ environment: ENVIRONMENTS })).map(
          ([r, input]) =>
            async () =>
              await promote(await as("engineer2@countersign.test"), r, input, clock.next()),
        ),
    ],
    [
      "recordEvalRun",
      () =>
        fc
          .constantFrom(...slugs)
          .chain((agent) =>
            body({
              agent: fc.constant(agent),
              specHash: fc.constant(specHash(specOf(agent))),
              environment: ENVIRONMENTS,
              suite: text,
              passed: fc.nat(100),
              failed: fc.nat(3),
              regressions: fc.constantFrom(undefined, 0),
              reportUrl: fc.constantFrom("https://example.com/r", "https://example.com/r2", `https://example.com/${BIG[2]}`),
              change: fc.constantFrom(undefined, undefined, ...refs),
            }),
          )
          .map((input) => async () => await recordEvalRun(await as("engineer2@countersign.test"), input, clock.next())),
    ],
    [
      "updateFromProduction",
      () =>
        fc
          .tuple(
            ref(),
            body({ resolutions: fc.dictionary(fc.string({ maxLength: 20 }), fc.constantFrom("ours", "theirs"), { maxKeys: 3 }) }),
          )
          .map(
            ([r, input]) =>
              async () =>
                updateFromProduction(await engineer(), r, input, clock.next()),
          ),
    ],

    ["submitChange", () => ref().map((r) => async () => submitChange(await engineer(), r, clock.next()))],
    [
      "withdrawChange",
      () =>
        fc.tuple(ref(), body({ reason: text })).map(
          ([r, input]) =>
            async () =>
              withdrawChange(await engineer(), r, input, clock.next()),
        ),
    ],
    [
      "rollback",
      () =>
        fc
          .tuple(
            slug(),
            body({
              environment: ENVIRONMENTS,
              reason: text,
              severity: fc.constantFrom("sev1", "sev4"),
              incident: text,
              expectedVersion: fc.integer(),
            }),
          )
          .map(
            ([s, input]) =>
              async () =>
                await rollback(await as("ops@countersign.test"), s, input, clock.next()),
          ),
    ],
    [
      "openIncident",
      () =>
        body({
          agent: slug(),
          deploymentId: fc.constantFrom(undefined, null),
          severity: fc.constantFrom("sev1", "sev2"),
          title: text,
          detectedAt: fc.constantFrom(undefined, "2026-03-01T12:00:00Z"),
        }).map((input) => async () => await openIncident(await as("ops@countersign.test"), input, clock.next())),
    ],
    [
      "updateIncident",
      () =>
        fc
          .tuple(
            fc.oneof(fc.constant(incidentId), hostileScalar.map(String)),
            body({
              severity: fc.constantFrom("sev2"),
              title: text,
              resolution: fc.constantFrom("no_action"),
              fixChange: fc.constantFrom(undefined, ...refs),
              resolvedAt: fc.constantFrom(undefined),
            }),
          )
          .map(
            ([id, input]) =>
              async () =>
                await updateIncident(await as("ops@countersign.test"), id, input, clock.next()),
          ),
    ],
    [
      "issueToken",
      () =>
        body({
          name: text,
          scopes: fc.constant(["read"]),
          expiresInDays: fc.integer({ min: 1, max: 400 }),
          expiresOn: fc.constantFrom(undefined, "2099-01-31"),
        }).map((input) => async () => await issueToken(await as("admin@countersign.test"), input, clock.next())),
    ],
    [
      "publishPolicy",
      () =>
        body(Object.fromEntries(Object.entries(DEFAULT_POLICY).map(([key, value]) => [key, fc.constant(structuredClone(value))]))).map(
          (input) => async () => await publishPolicy(await as("admin@countersign.test"), input, clock.next()),
        ),
    ],
  ];

  it.each(cases.map(([name, arbitrary], i) => ({ name, arbitrary, seed: 1_300 + i })))(
    "$name: every answer is a value or an AppError",
    async ({ name, arbitrary, seed }) => {
      await fc.assert(
        fc.asyncProperty(arbitrary(), (call) => run(name, call)),
        { seed, numRuns: RUNS },
      );
      expect(outcomes.get(name)!.crashes).toEqual([]);
    },
  );

  it("nothing stored is larger than the limits, and every change created can still be read quickly", async () => {
    const largest = await one<Record<string, number | null>>(sql`
      select max(length(draft_spec_text)) as draft, max(length(title)) as title, max(length(rationale)) as rationale,
             max(length(rollback_plan)) as "rollbackPlan", max(length(monitoring)) as monitoring
      from change_records where number > ${changesBefore}`);
    expect(largest.draft ?? 0).toBeLessThanOrEqual(LIMITS.specText);
    expect(largest.title ?? 0).toBeLessThanOrEqual(LIMITS.title);
    for (const field of ["rationale", "rollbackPlan", "monitoring"]) expect(largest[field] ?? 0).toBeLessThanOrEqual(LIMITS.text);
    const policy = await longestJson("policies", "document");
    expect(policy).toBeLessThanOrEqual(LIMITS.policyText);
    const versions = await longestJson("agent_versions", "spec");
    expect(versions).toBeLessThanOrEqual(LIMITS.specText + 1_000);
    for (const table of ["incidents", "eval_runs", "api_tokens"]) {
      const column = table === "incidents" ? "title" : table === "eval_runs" ? "suite" : "name";
      const n = (await one<{ n: number | null }>(sql.raw(`select max(length(${column})) as n from ${table}`))).n ?? 0;
      expect(n, `${table}.${column}`).toBeLessThanOrEqual(LIMITS.name);
    }

    const auditPayload = await longestJson("audit_events", "payload");
    expect(auditPayload).toBeLessThanOrEqual(3 * LIMITS.specText);

    const created = await rows<{ id: string }>(sql`select id from change_records where number > ${changesBefore}`, db);
    let slowest = 0;
    for (const { id } of created) {
      const { ms } = await timed(async () => getChange(await as("auditor@countersign.test"), id));
      slowest = Math.max(slowest, ms);
    }
    expect(slowest).toBeLessThan(2_000);

    const totals = [...outcomes.values()].reduce(
      (sum, o) => ({ cases: sum.cases + o.cases, appErrors: sum.appErrors + o.appErrors, crashes: sum.crashes + o.crashes.length }),
      { cases: 0, appErrors: 0, crashes: 0 },
    );
    console.info(
      `fuzz: ${totals.cases} cases, ${totals.appErrors} AppErrors, ${totals.crashes} non-AppError (5xx); ${created.length} changes created, slowest read ${Math.round(slowest)} ms, largest audit payload ${auditPayload} characters`,
      Object.fromEntries(
        [...outcomes].map(([name, o]) => [
          name,
          `${o.cases} cases, ${o.values} ok, ${o.appErrors} refused, slowest ${Math.round(o.slowestMs)} ms`,
        ]),
      ),
    );
    expect(totals.crashes).toBe(0);
  });
});
