import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as agentsRoute from "@/app/api/v1/agents/route";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { tokenWith } from "@/lib/testing/release-fixtures";

/** POST /api/v1/agents registers an agent through review; GET /api/v1/agents filters by status. */

// Only tokens call here: no session is ever read.
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

beforeAll(async () => {
  const db = await seedDemoEstate();
  await tokenWith(db, "registrar", ["changes:write", "read"]);
});

async function call(method: "GET" | "POST", path: string, body?: unknown) {
  const headers = new Headers({ authorization: "Bearer cs_registrar", "content-type": "application/json" });
  const request = new NextRequest(new URL(path, "http://countersign.test"), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const handler = method === "GET" ? agentsRoute.GET : agentsRoute.POST;
  const response = await handler(request, { params: Promise.resolve({}) as Promise<never> });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const body = {
  slug: "api-registered",
  name: "API registered",
  platform: "langgraph",
  workflow: "incident-triage",
  engineeringOwner: "engineer@countersign.test",
  rollbackOwner: "ops@countersign.test",
  spec: [
    "model: { provider: openai, name: gpt-4.1, version: '2025-04-14' }",
    "instructions: Sort incoming alerts by severity.",
    "autonomy: read_only",
    "tools: [{ system: pagerduty, actions: [{ name: incidents.read, access: read, approval: none }] }]",
    "traceRetentionDays: 30",
  ].join("\n"),
  rollbackPlan: "Turn the agent off in the triage channel.",
  harmMetrics: [{ name: "missed sev1 rate", comparator: ">", threshold: 0, window: "7d" }],
  submit: true,
};

describe("POST /api/v1/agents", () => {
  it("answers 201 with the proposed agent and its change in review", async () => {
    const { status, json } = await call("POST", "/api/v1/agents", body);
    expect(status).toBe(201);
    expect(json.agent).toMatchObject({
      slug: "api-registered",
      status: "proposed",
      workflow: "incident-triage",
      engineeringOwner: "engineer@countersign.test",
    });
    expect(json.change).toMatchObject({ state: "in_review", title: "Register API registered", riskTier: "medium" });
  });

  it("answers 422 naming the slug when it is taken", async () => {
    const { status, json } = await call("POST", "/api/v1/agents", body);
    expect(status).toBe(422);
    expect(Object.keys(json.fieldErrors as object)).toEqual(["slug"]);
  });
});

describe("GET /api/v1/agents", () => {
  it("lists active and proposed agents by default, one status when asked, with each agent's status", async () => {
    const all = await call("GET", "/api/v1/agents?pageSize=500");
    const items = all.json.items as { slug: string; status: string; registration: string | null }[];
    expect(items.find((a) => a.slug === "api-registered")).toMatchObject({
      status: "proposed",
      registration: expect.stringMatching(/^CR-/),
    });
    expect(new Set(items.map((a) => a.status))).toEqual(new Set(["active", "proposed"]));
    const proposed = await call("GET", "/api/v1/agents?status=proposed");
    expect((proposed.json.items as { slug: string }[]).map((a) => a.slug)).toEqual(["api-registered"]);
  });

  it("answers 400 to an unknown status, naming the allowed ones", async () => {
    const { status, json } = await call("GET", "/api/v1/agents?status=sleeping");
    expect(status).toBe(400);
    expect(json.message).toContain("status must be one of: proposed, active, withdrawn, retired, all");
  });
});
