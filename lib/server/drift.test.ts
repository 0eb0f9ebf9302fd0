import { and, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { DB } from "@/db";
import { agents, driftRecords, notifications, users } from "@/db/schema";
import * as observationsRoute from "@/app/api/v1/agents/[slug]/observations/route";
import { fixtureFiles } from "@/lib/importers/fixture-files";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, DAY, limitRaise, productionSpec, releaseApproved, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { verifyAuditTrail } from "./audit";
import { getChange, withdrawChange } from "./changes";
import { getDrift, listDrift, parseDriftFilters, resolveDrift } from "./drift";
import type { Caller } from "./caller";
import { recordObservation } from "./observations";
import { rollback } from "./rollback";

/** What runs, against what was approved: observations, the drift records they open, and how owners resolve them. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const clock = testClock();
const observer = () => tokenWith(db, `observer-${clock.next()}`, ["observe"]);
const reader = () => as("auditor@countersign.test");
const security = () => as("security@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "nightly-export", ["observe"]);
});

const observe = async (slug: string, spec: unknown, extra: Record<string, unknown> = {}, caller?: Caller) =>
  recordObservation(
    caller ?? (await observer()),
    slug,
    { environment: "production", spec, source: "nightly export", ...extra },
    clock.next(),
  );

const openDrift = (slug: string) =>
  db
    .select()
    .from(driftRecords)
    .innerJoin(agents, eq(agents.id, driftRecords.agentId))
    .where(and(eq(agents.slug, slug), eq(driftRecords.state, "open")));

describe("observing what runs", () => {
  it("an observation equal to what production runs is in sync: no drift, the agent observed", async () => {
    const result = await observe("call-notes-digest", await productionSpec("call-notes-digest"));
    expect(result.observation.inSync).toBe(true);
    expect(result.drift).toBeNull();
    expect(result.comparedWith?.specHash).toBe(result.observation.specHash);
    expect(await openDrift("call-notes-digest")).toHaveLength(0);
  });

  it("the model's version silently swapped opens a drift record, medium, and tells the owners and security", async () => {
    const swapped = await productionSpec("meeting-brief-writer");
    swapped.model.version = "2025-08-07";
    const result = await observe("meeting-brief-writer", swapped);
    expect(result.observation.inSync).toBe(false);
    expect(result.drift).toMatchObject({ state: "open", severity: "medium", environment: "production", observationCount: 1 });
    expect(result.drift!.diff.map((i) => i.kind)).toEqual(["model_version_changed"]);
    const told = (
      await db
        .select({ email: users.email })
        .from(notifications)
        .innerJoin(users, eq(users.id, notifications.userId))
        .where(eq(notifications.driftRecordId, result.drift!.id))
    )
      .map((n) => n.email)
      .sort();
    expect(told).toContain("security@countersign.test");
    expect(told.length).toBeGreaterThanOrEqual(2);
    expect(new Set(told).size).toBe(told.length);
  });

  it("a tool added on the platform attaches to the open record and raises its severity", async () => {
    const added = await productionSpec("meeting-brief-writer");
    added.model.version = "2025-08-07";
    added.tools.push({ system: "gmail", actions: [{ name: "messages.send", access: "write", approval: "none" }] });
    const result = await observe("meeting-brief-writer", added);
    expect(await openDrift("meeting-brief-writer")).toHaveLength(1);
    expect(result.drift).toMatchObject({ severity: "high", observationCount: 2 });
    expect(result.drift!.diff[0]).toMatchObject({ direction: "escalation" });
  });

  it("back in sync closes the record as returned to approved", async () => {
    const result = await observe("meeting-brief-writer", await productionSpec("meeting-brief-writer"));
    expect(result.observation.inSync).toBe(true);
    expect(result.drift).toMatchObject({ state: "closed", closedReason: "returned_to_approved", observationCount: 3 });
    expect(await openDrift("meeting-brief-writer")).toHaveLength(0);
  });

  it("is compared with what was deployed at observedAt: a version rolled back since was in sync then", async () => {
    const before = await productionSpec("refund-assistant");
    const change = await limitRaise(60, clock.next());
    await approveAll(change.id, clock);
    await releaseApproved(change.id, clock);
    const released = await productionSpec("refund-assistant");
    const runningSince = clock.next();
    await rollback(
      await as("ops@countersign.test"),
      "refund-assistant",
      { environment: "production", reason: "Refunds doubled" },
      clock.next(),
    );
    expect(await productionSpec("refund-assistant")).toEqual(before);

    const then = await observe("refund-assistant", released, { observedAt: new Date(runningSince).toISOString() });
    expect(then.observation.inSync).toBe(true);
    const now = await observe("refund-assistant", released);
    expect(now.observation.inSync).toBe(false);
    expect(now.drift!.diff[0]).toMatchObject({ kind: "limit_raised", direction: "escalation" });
  });

  it("reads the platform's own files through the importers", async () => {
    const files = fixtureFiles("copilot-studio/travel-desk");
    const result = await recordObservation(
      await observer(),
      "contract-clause-reviewer",
      { environment: "staging", files, source: "solution export" },
      clock.next(),
    );
    expect(result.observation.inSync).toBe(false);
    expect(result.drift!.observedSpec!.tools.map((t) => t.system)).toContain("office365");
    const foreign = await errorOf(
      async () =>
        await recordObservation(await observer(), "contract-clause-reviewer", {
          environment: "staging",
          files: [{ path: "notes.txt", content: "hi" }],
          source: "x",
        }),
    );
    expect(foreign.code).toBe("validation_failed");
    expect(foreign.message).toContain("notes.txt");
  });
});

describe("observations that arrive late, or report an absence", () => {
  it("an older observation arriving after a newer one is kept as history and changes nothing", async () => {
    const base = clock.next();
    const added = await productionSpec("onboarding-concierge");
    added.tools.push({ system: "gmail", actions: [{ name: "messages.send", access: "write", approval: "none" }] });
    const current = await observe("onboarding-concierge", added, { observedAt: new Date(base).toISOString() });
    expect(current.drift).toMatchObject({ state: "open" });
    const severity = current.drift!.severity;
    // Older and in sync: it does not close current drift.
    const olderInSync = await observe("onboarding-concierge", await productionSpec("onboarding-concierge"), {
      observedAt: new Date(base - 60_000).toISOString(),
    });
    expect(olderInSync.drift).toMatchObject({ id: current.drift!.id, state: "open", severity });
    // Older and milder: it does not make the record look milder.
    const milder = await productionSpec("onboarding-concierge");
    milder.model.version = "2030-01-01";
    const olderMilder = await observe("onboarding-concierge", milder, { observedAt: new Date(base - 30_000).toISOString() });
    expect(olderMilder.drift).toMatchObject({ state: "open", severity, observedSpecHash: current.drift!.observedSpecHash });
    expect(olderMilder.drift!.observationCount).toBe(3);
  });

  it("refuses an observation from before the agent was registered", async () => {
    const error = await errorOf(
      async () => await observe("sla-breach-watcher", await productionSpec("sla-breach-watcher"), { observedAt: "2001-01-01T00:00:00Z" }),
    );
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors?.observedAt?.[0]).toMatch(/before sla-breach-watcher was registered/);
  });

  it("an agent reported absent where a version runs is drift, low, with nothing to adopt; present again, it closes", async () => {
    const absent = await recordObservation(
      await observer(),
      "crm-record-updater",
      { environment: "production", absent: true, source: "nightly" },
      clock.next(),
    );
    expect(absent.observation).toMatchObject({ inSync: false, specHash: null });
    expect(absent.drift).toMatchObject({ state: "open", severity: "low", observedSpec: null, diff: [] });
    expect(absent.drift!.reasons[0]).toMatch(/^low: not found in production, where v\d+ is deployed$/);
    expect(
      (await errorOf(async () => await resolveDrift(await security(), absent.drift!.id, { action: "adopt", reason: "x" }, clock.next())))
        .message,
    ).toMatch(/no spec to adopt/);
    expect((await observe("crm-record-updater", await productionSpec("crm-record-updater"))).drift).toMatchObject({ state: "closed" });
  });

  it("absent where nothing is deployed is in sync", async () => {
    const result = await recordObservation(
      await observer(),
      "crm-record-updater",
      { environment: "development", absent: true, source: "x" },
      clock.next(),
    );
    expect(result.observation.inSync).toBe(result.comparedWith === null);
  });
});

describe("who may observe, and what they must send", () => {
  it("a token without the observe scope, an auditor and security are refused before their input is read", async () => {
    for (const caller of [await tokenWith(db, "reader-only", ["read"]), await reader(), await security()])
      expect((await errorOf(async () => await recordObservation(caller, "call-notes-digest", { junk: true }, clock.next()))).code).toBe(
        "forbidden",
      );
  });

  it("engineering and operations people observe too", async () => {
    for (const who of ["engineer@countersign.test", "ops@countersign.test"])
      expect((await observe("call-notes-digest", await productionSpec("call-notes-digest"), {}, await as(who))).observation.inSync).toBe(
        true,
      );
  });

  it("refuses a spec and files together, neither, an invalid spec, a future time, an unknown agent", async () => {
    const spec = await productionSpec("call-notes-digest");
    const bad = [
      { environment: "production", source: "x" },
      { environment: "production", source: "x", spec, files: [{ path: "a", content: "b" }] },
      { environment: "production", source: "x", spec: { model: "nope" } },
      { environment: "production", source: "", spec },
      { environment: "qa", source: "x", spec },
      { environment: "production", source: "x", spec, observedAt: new Date(clock.next() + DAY).toISOString() },
    ];
    for (const input of bad)
      expect((await errorOf(async () => await recordObservation(await observer(), "call-notes-digest", input, clock.next()))).code).toBe(
        "validation_failed",
      );
    expect((await errorOf(() => observe("no-such-agent", spec))).code).toBe("not_found");
    // A NUL character (PostgreSQL cannot store one) is refused naming the field, wherever it is.
    for (const [field, extra] of [
      ["source", { source: "nightly\u0000export" }],
      ["spec.instructions", { spec: { ...spec, instructions: `${spec.instructions}\u0000` } }],
    ] as const)
      expect(await errorOf(() => observe("call-notes-digest", spec, extra))).toMatchObject({
        code: "validation_failed",
        details: { fieldErrors: { [field]: [expect.stringMatching(/NUL character/)] } },
      });
  });

  it("20 parallel observations of the same drift: one record, twenty observations on it", async () => {
    const swapped = await productionSpec("call-notes-digest");
    swapped.model.name = "claude-sonnet";
    const post = async () => {
      const request = new NextRequest(new URL("/api/v1/agents/call-notes-digest/observations", "http://countersign.test"), {
        method: "POST",
        headers: { authorization: "Bearer cs_nightly-export", "content-type": "application/json" },
        body: JSON.stringify({ environment: "production", spec: swapped, source: "burst" }),
      });
      const response = await observationsRoute.POST(request, { params: Promise.resolve({ slug: "call-notes-digest" }) });
      return { status: response.status, json: (await response.json()) as { drift: { id: string } } };
    };
    const answers = await Promise.all(Array.from({ length: 20 }, post));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.json.drift.id)).size).toBe(1);
    expect(await openDrift("call-notes-digest")).toHaveLength(1);
    expect((await getDrift(await reader(), answers[0]!.json.drift.id)).observationCount).toBe(20);
  });
});

describe("resolving drift", () => {
  async function drifting(slug: string) {
    const spec = await productionSpec(slug);
    spec.instructions += "\nAlso mention the weather.";
    spec.model.version = "";
    return (await observe(slug, spec)).drift!;
  }

  it("security adopts it as a change: a change record proposing the observed spec; the drift stays open until it runs", async () => {
    const drift = await drifting("account-notes-summarizer");
    const { drift: adopted, change } = await resolveDrift(
      await security(),
      drift.label,
      { action: "adopt", reason: "The unpinned model is fine for notes" },
      clock.next(),
    );
    expect(adopted.state).toBe("open");
    expect(adopted.resolution).toMatchObject({ action: "adopt", by: "security@countersign.test", change: change!.number });
    const proposed = await getChange(await reader(), change!.id);
    expect(proposed.spec).toEqual(drift.observedSpec);
    expect(proposed.title).toContain(drift.label);
    expect(
      (await errorOf(async () => await resolveDrift(await security(), drift.label, { action: "adopt", reason: "again" }, clock.next())))
        .code,
    ).toBe("conflict");
  });

  it("restore waits for an in-sync observation, then closes as restored", async () => {
    const drift = await drifting("sla-breach-watcher");
    await resolveDrift(
      await as("ops@countersign.test"),
      drift.id,
      { action: "restore", reason: "Put v1 back in the console" },
      clock.next(),
    );
    expect(await getDrift(await reader(), drift.id)).toMatchObject({ state: "open", resolution: { action: "restore" } });
    const synced = await observe("sla-breach-watcher", await productionSpec("sla-breach-watcher"));
    expect(synced.drift).toMatchObject({ state: "closed", closedReason: "restored" });
  });

  it("accepting the risk needs an expiry within 90 days; once it passes, the record is open again", async () => {
    const drift = await drifting("ticket-escalation-router");
    const now = clock.next();
    const error = await errorOf(
      async () => await resolveDrift(await security(), drift.id, { action: "accept", reason: "Vendor fix" }, now),
    );
    expect(error.details.fieldErrors?.expiresAt).toBeDefined();
    expect(
      (
        await errorOf(
          async () =>
            await resolveDrift(
              await security(),
              drift.id,
              { action: "accept", reason: "r", expiresAt: new Date(now + 91 * DAY).toISOString() },
              now,
            ),
        )
      ).code,
    ).toBe("validation_failed");
    const expiresAt = now + 2 * DAY;
    await resolveDrift(
      await security(),
      drift.id,
      { action: "accept", reason: "Vendor fix due Friday", expiresAt: new Date(expiresAt).toISOString() },
      now,
    );
    expect((await getDrift(await reader(), drift.id, now + DAY)).resolution).toMatchObject({ action: "accept", acceptedUntil: expiresAt });
    const lapsed = await getDrift(await reader(), drift.id, expiresAt + 1);
    expect(lapsed.resolution).toBeNull();
    expect(lapsed.acceptanceLapsedAt).toBe(expiresAt);
    expect((await listDrift(await reader(), { state: "open" }, expiresAt + 1)).items.find((d) => d.id === drift.id)?.resolution).toBeNull();
    // The next differing observation lifts the lapsed acceptance for good.
    const again = await recordObservation(
      await observer(),
      "ticket-escalation-router",
      { environment: "production", spec: drift.observedSpec, source: "nightly export" },
      expiresAt + 2,
    );
    expect(again.drift).toMatchObject({ id: drift.id, state: "open", resolution: null, acceptanceLapsedAt: null });
  });

  it("adopted, but the change was withdrawn: it can be adopted again, and an in-sync observation closes it as returned, not adopted", async () => {
    const drift = await drifting("renewal-negotiator");
    const first = await resolveDrift(await security(), drift.id, { action: "adopt", reason: "First try" }, clock.next());
    await withdrawChange(await security(), first.change!.id, { reason: "Wrong approach" }, clock.next());
    const second = await resolveDrift(await security(), drift.id, { action: "adopt", reason: "Second try" }, clock.next());
    expect(second.change!.number).not.toBe(first.change!.number);
    await resolveDrift(await security(), drift.id, { action: "restore", reason: "Put it back after all" }, clock.next());
    expect((await getDrift(await reader(), drift.id)).resolution).toMatchObject({ action: "restore", change: null });
    await withdrawChange(await security(), second.change!.id, {}, clock.next());
  });

  it("a resolution made from a stale page is refused with 409, naming what happened", async () => {
    const drift = await drifting("incident-triage-bot");
    const seen = await getDrift(await reader(), drift.id);
    expect(seen.resolution).toBeNull();
    await resolveDrift(
      await as("ops@countersign.test"),
      drift.id,
      { action: "restore", reason: "Ops put it back", seenResolvedAt: null },
      clock.next(),
    );
    const stale = await errorOf(
      async () =>
        await resolveDrift(await security(), drift.id, {
          action: "accept",
          reason: "x",
          expiresAt: new Date(clock.next() + DAY).toISOString(),
          seenResolvedAt: null,
        }),
    );
    expect(stale.code).toBe("conflict");
    expect(stale.message).toMatch(/resolved by someone else meanwhile/);
  });

  it("only engineering, security and operations people resolve, never a token; who before what", async () => {
    const drift = await drifting("vip-escalation-agent");
    for (const caller of [
      await observer(),
      await tokenWith(db, "deployer", ["deploy", "changes:write"]),
      await reader(),
      await as("owner@countersign.test"),
    ])
      expect((await errorOf(async () => await resolveDrift(caller, drift.id, { junk: true }, clock.next()))).code).toBe("forbidden");
    expect(
      (await errorOf(async () => await resolveDrift(await security(), drift.id, { action: "ignore", reason: "x" }, clock.next()))).code,
    ).toBe("validation_failed");
    expect(
      (await errorOf(async () => await resolveDrift(await security(), "DR-99999", { action: "restore", reason: "x" }, clock.next()))).code,
    ).toBe("not_found");
    expect(
      await errorOf(
        async () => await resolveDrift(await security(), drift.id, { action: "restore", reason: "put\u0000back" }, clock.next()),
      ),
    ).toMatchObject({ code: "validation_failed", details: { fieldErrors: { reason: [expect.stringMatching(/NUL character/)] } } });
  });

  it("lists filter by state, agent and environment", async () => {
    const open = await listDrift(await reader(), { state: "open", agent: "vip-escalation-agent" });
    expect(open.items.map((d) => d.agent.slug)).toEqual(["vip-escalation-agent"]);
    expect((await listDrift(await reader(), { state: "closed", agent: "meeting-brief-writer" })).total).toBe(1);
    expect((await listDrift(await reader(), { environment: "staging" })).items.map((d) => d.agent.slug)).toEqual([
      "contract-clause-reviewer",
    ]);
    // A filter holding a NUL character is a bad request naming it, not a database error.
    expect(await errorOf(() => parseDriftFilters({ agent: "vip\u0000agent" }))).toMatchObject({
      code: "bad_request",
      details: { parameter: "agent" },
    });
  });

  it("leaves an intact audit trail", async () => {
    expect((await verifyAuditTrail()).ok).toBe(true);
  });
});
