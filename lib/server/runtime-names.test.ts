import { eq, gt, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as agentRoute from "@/app/api/v1/agents/[slug]/route";
import { first, type DB } from "@/db";
import { agents, auditEvents, runtimeHours } from "@/db/schema";
import { decodeJsonExport } from "@/lib/otlp/decode";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { otlpJson, recordSpans } from "@/lib/testing/otel-spans";
import { as, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { getAgentDetails, updateAgentDetails } from "./agent-details";
import { ingestTraces } from "./runtime-ingest";
import { findActiveUser, type CurrentUser } from "./users";

/** The names an agent's runtime gives it in traces: edited with its details, one agent per name, audited. */

const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));

let db: DB;
const clock = testClock();
const owner = () => as("engineer@countersign.test"); // refund-assistant's engineering owner
const admin = () => as("admin@countersign.test");
const lastSeq = async () => (await first(db.select({ seq: sql<number>`MAX(${auditEvents.seq})` }).from(auditEvents)))!.seq;

beforeAll(async () => {
  db = await seedDemoEstate();
});

describe("runtime names", () => {
  it("the engineering owner sets them; one agent.updated event holds the list before and after; a repeat is kept once", async () => {
    const seq = await lastSeq();
    const view = await updateAgentDetails(
      await owner(),
      "refund-assistant",
      { runtimeNames: [" Refund Bot ", "refunds:eu-1.2", "Refund Bot"] },
      clock.next(),
    );
    expect(view.runtimeNames).toEqual(["Refund Bot", "refunds:eu-1.2"]);
    expect((await getAgentDetails(await as("auditor@countersign.test"), "refund-assistant")).runtimeNames).toEqual([
      "Refund Bot",
      "refunds:eu-1.2",
    ]);
    const events = await db.select().from(auditEvents).where(gt(auditEvents.seq, seq));
    expect(events.map((e) => e.action)).toEqual(["agent.updated"]);
    expect(events[0]!.payload).toEqual({
      slug: "refund-assistant",
      before: { runtimeNames: [] },
      after: { runtimeNames: ["Refund Bot", "refunds:eu-1.2"] },
    });
    // The same list again changes nothing and records nothing.
    const again = await lastSeq();
    await updateAgentDetails(await owner(), "refund-assistant", { runtimeNames: ["Refund Bot", "refunds:eu-1.2"] }, clock.next());
    expect(await lastSeq()).toBe(again);
  });

  it("a span naming the agent by a runtime name is counted on it", async () => {
    const at = clock.next();
    const spans = recordSpans({ "deployment.environment.name": "production" }, [
      { at, model: "gpt-4.1-2025-04-14", agentName: "Refund Bot" },
    ]);
    const result = await ingestTraces(await tokenWith(db, "runtime", ["evidence:write"]), decodeJsonExport(otlpJson(spans)), at + 1000);
    expect(result.rejected).toEqual([]);
    const agent = (await first(db.select().from(agents).where(eq(agents.slug, "refund-assistant"))))!;
    const decisions = (await first(
      db
        .select({ n: sql<number>`SUM(${runtimeHours.decisions})` })
        .from(runtimeHours)
        .where(eq(runtimeHours.agentId, agent.id)),
    ))!.n;
    expect(decisions).toBe(1);
  });

  it("a name that leads to another agent is refused with a conflict on the field, and nothing is written", async () => {
    const seq = await lastSeq();
    const taken = await errorOf(
      async () => await updateAgentDetails(await admin(), "chargeback-responder", { runtimeNames: ["Chargebacks", "Refund Bot"] }),
    );
    expect(taken.code).toBe("conflict");
    expect(taken.details.fieldErrors).toEqual({ runtimeNames: ['"Refund Bot" already names agent refund-assistant in traces'] });
    const slug = await errorOf(
      async () => await updateAgentDetails(await admin(), "chargeback-responder", { runtimeNames: ["refund-assistant"] }),
    );
    expect(slug.code).toBe("conflict");
    expect(slug.details.fieldErrors).toEqual({ runtimeNames: ['"refund-assistant" is the slug of agent refund-assistant'] });
    expect((await getAgentDetails(await admin(), "chargeback-responder")).runtimeNames).toEqual([]);
    expect(await lastSeq()).toBe(seq);
    // Its own slug, or names it already holds, are no conflict.
    expect(
      (await updateAgentDetails(await owner(), "refund-assistant", { runtimeNames: ["refund-assistant", "Refund Bot"] })).runtimeNames,
    ).toEqual(["refund-assistant", "Refund Bot"]);
  });

  it("each name is 1–100 letters, digits, spaces and _ . - :, at most 20 of them", async () => {
    const problems = async (runtimeNames: unknown) =>
      (await errorOf(async () => await updateAgentDetails(await owner(), "refund-assistant", { runtimeNames }))).details.fieldErrors;
    expect(await problems(["ok", "no/slash"])).toEqual({
      "runtimeNames.1": ["A runtime name holds letters, digits, spaces and _ . - : only"],
    });
    expect(await problems(["  "])).toEqual({ "runtimeNames.0": ["A runtime name cannot be empty"] });
    expect(await problems(["x".repeat(101)])).toHaveProperty("runtimeNames.0");
    expect(await problems(Array.from({ length: 21 }, (_, i) => `name ${i}`))).toEqual({ runtimeNames: ["List at most 20 runtime names"] });
    expect(await problems("Refund Bot")).toHaveProperty("runtimeNames");
    expect((await updateAgentDetails(await owner(), "refund-assistant", { runtimeNames: ["Agent_ÉQUIPE 2"] })).runtimeNames).toEqual([
      "Agent_ÉQUIPE 2",
    ]);
  });

  it("who before what: a reader or another engineer is refused whatever the names; a token always", async () => {
    for (const email of ["auditor@countersign.test", "engineer2@countersign.test", "security@countersign.test"])
      expect(
        (await errorOf(async () => await updateAgentDetails(await as(email), "refund-assistant", { runtimeNames: [42, "a/b"] }))).code,
      ).toBe("forbidden");
    const token = await tokenWith(db, "names-writer", ["read", "evidence:write"]);
    expect((await errorOf(async () => await updateAgentDetails(token, "refund-assistant", { runtimeNames: ["x"] }))).code).toBe(
      "forbidden",
    );
  });
});

describe("the API", () => {
  async function call(method: "GET" | "PATCH", slug: string, body?: unknown) {
    session.user = (await findActiveUser({ email: "admin@countersign.test" }))!;
    const request = new NextRequest(new URL(`/api/v1/agents/${slug}`, "http://countersign.test"), {
      method,
      headers: { "content-type": "application/json", origin: "http://countersign.test" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const response = await agentRoute[method](request, { params: Promise.resolve({ slug }) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it("PATCH answers the names, a taken one with 409 and its field; GET shows them", async () => {
    expect((await call("PATCH", "store-credit-issuer", { runtimeNames: ["Store credit"] })).json.runtimeNames).toEqual(["Store credit"]);
    const taken = await call("PATCH", "chargeback-responder", { runtimeNames: ["Store credit"] });
    expect(taken.status).toBe(409);
    expect(taken.json).toMatchObject({
      error: "conflict",
      fieldErrors: { runtimeNames: [expect.stringContaining("store-credit-issuer")] },
    });
    expect((await call("GET", "store-credit-issuer")).json.runtimeNames).toEqual(["Store credit"]);
  });
});
