import { and, eq, gt, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, type DB } from "@/db";
import { auditEvents } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, attested, limitRaise, productionSpec, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { changeJson } from "./change-json";
import { editChange, getChange, proposeChange, submitChange } from "./changes";
import * as workflowRoute from "@/app/api/v1/workflows/[slug]/route";
import * as workflowsRoute from "@/app/api/v1/workflows/route";
import { findActiveUser, type CurrentUser } from "./users";
import { createWorkflow, getWorkflow, listWorkflows, updateWorkflow, workflowOwnerCandidates } from "./workflows";

const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));

let db: DB;
const clock = testClock();
const admin = () => as("admin@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

const eventsSince = (seq: number) =>
  db
    .select()
    .from(auditEvents)
    .where(and(gt(auditEvents.seq, seq), eq(auditEvents.entityType, "workflow")))
    .orderBy(auditEvents.seq);
const lastSeq = async () => (await first(db.select({ seq: sql<number>`MAX(${auditEvents.seq})` }).from(auditEvents)))!.seq;

describe("workflows, managed by admins", () => {
  it("lists every workflow with its owner, class, reason and number of agents", async () => {
    const { items, total } = await listWorkflows(await as("auditor@countersign.test"));
    expect(total).toBe(8);
    const refunds = items.find((w) => w.slug === "refunds")!;
    expect(refunds).toMatchObject({ name: "Refunds", riskClass: "high", riskReason: "moves money back to customers" });
    expect(refunds.owner.email).toBe("owner@countersign.test");
    expect(refunds.agents).toBeGreaterThan(0);
    expect((await listWorkflows(await as("auditor@countersign.test"), { page: 2, pageSize: 5 })).items).toHaveLength(3);
  });

  it("creates a workflow with a slug from its name, -2 on collision, and audits it", async () => {
    const before = await lastSeq();
    const now = clock.next();
    const payments = await createWorkflow(
      await admin(),
      { name: "Payments & Payouts", owner: "Owner2@countersign.test", riskClass: "critical", riskReason: "moves money out" },
      now,
    );
    expect(payments).toMatchObject({ slug: "payments-payouts", riskClass: "critical", agents: 0, createdAt: now });
    expect(payments.owner.email).toBe("owner2@countersign.test");
    const again = await createWorkflow(await admin(), {
      name: "Payments: payouts",
      owner: "owner@countersign.test",
      riskClass: "low",
      riskReason: "x",
    });
    expect(again.slug).toBe("payments-payouts-2");
    const events = await eventsSince(before);
    expect(events.map((e) => e.action)).toEqual(["workflow.created", "workflow.created"]);
    expect(events[0]!.payload).toEqual({
      slug: "payments-payouts",
      name: "Payments & Payouts",
      owner: "owner2@countersign.test",
      riskClass: "critical",
      riskReason: "moves money out",
    });
  });

  it("refuses an owner who is not an active workflow owner, and a missing reason, field by field", async () => {
    const notOwner = await errorOf(async () =>
      createWorkflow(await admin(), { name: "X", owner: "engineer@countersign.test", riskClass: "low", riskReason: "r" }),
    );
    expect(notOwner.code).toBe("validation_failed");
    expect(notOwner.details.fieldErrors!.owner![0]).toMatch(/does not hold the workflow owner role/);
    const unknown = await errorOf(async () =>
      createWorkflow(await admin(), { name: "X", owner: "nobody@countersign.test", riskClass: "low", riskReason: "r" }),
    );
    expect(unknown.details.fieldErrors!.owner![0]).toMatch(/No active person/);
    const noReason = await errorOf(async () =>
      createWorkflow(await admin(), { name: "X", owner: "owner@countersign.test", riskClass: "low", riskReason: " " }),
    );
    expect(Object.keys(noReason.details.fieldErrors!)).toEqual(["riskReason"]);
    expect(
      (await errorOf(async () => updateWorkflow(await admin(), "refunds", { owner: "security@countersign.test" }))).details.fieldErrors,
    ).toHaveProperty("owner");
  });

  it("renames (the slug stays), changes owner, and changes class only with a reason, each audited", async () => {
    const wf = await createWorkflow(await admin(), {
      name: "Claims",
      owner: "owner@countersign.test",
      riskClass: "medium",
      riskReason: "pays claims",
    });
    const before = await lastSeq();
    const renamed = await updateWorkflow(await admin(), wf.slug, { name: "Insurance claims" }, clock.next());
    expect(renamed).toMatchObject({ slug: "claims", name: "Insurance claims" });
    await updateWorkflow(await admin(), wf.slug, { owner: "owner2@countersign.test" }, clock.next());
    const noReason = await errorOf(async () => updateWorkflow(await admin(), wf.slug, { riskClass: "high" }));
    expect(noReason.code).toBe("validation_failed");
    expect(noReason.details.fieldErrors).toHaveProperty("riskReason");
    const raised = await updateWorkflow(await admin(), wf.slug, { riskClass: "high", riskReason: "pays large claims" }, clock.next());
    expect(raised).toMatchObject({ riskClass: "high", riskReason: "pays large claims" });
    expect((await getWorkflow(await as("leader@countersign.test"), "claims")).owner.email).toBe("owner2@countersign.test");
    // Sending what is already there changes nothing and records nothing.
    await updateWorkflow(await admin(), wf.slug, { name: "Insurance claims", riskClass: "high" }, clock.next());
    const events = await eventsSince(before);
    expect(events.map((e) => [e.action, e.payload])).toEqual([
      ["workflow.renamed", { slug: "claims", from: "Claims", to: "Insurance claims" }],
      ["workflow.owner_changed", { slug: "claims", from: "owner@countersign.test", to: "owner2@countersign.test" }],
      ["workflow.risk_class_changed", { slug: "claims", from: "medium", to: "high", reason: "pays large claims" }],
    ]);
  });

  it("refuses non-admins before looking at their input, and tokens whatever their scopes", async () => {
    for (const email of ["auditor@countersign.test", "owner@countersign.test", "engineer@countersign.test"]) {
      expect((await errorOf(async () => createWorkflow(await as(email), { junk: true }))).code).toBe("forbidden");
      expect((await errorOf(async () => updateWorkflow(await as(email), "refunds", "not even an object"))).code).toBe("forbidden");
    }
    const token = await tokenWith(db, "wf-writer", ["read", "changes:write", "deploy"]);
    expect(
      (await errorOf(() => createWorkflow(token, { name: "T", owner: "owner@countersign.test", riskClass: "low", riskReason: "r" }))).code,
    ).toBe("forbidden");
    expect((await errorOf(() => updateWorkflow(token, "refunds", { name: "Hijacked" }))).code).toBe("forbidden");
    expect((await listWorkflows(token)).total).toBeGreaterThan(0);
    expect((await errorOf(async () => listWorkflows(await tokenWith(db, "wf-no-read", ["deploy"])))).code).toBe("forbidden");
  });

  it("offers only active workflow owners as owners", async () => {
    expect((await workflowOwnerCandidates(await admin())).map((p) => p.email).sort()).toEqual([
      "owner2@countersign.test",
      "owner@countersign.test",
    ]);
  });
});

describe("a new risk class applies to changes assessed afterwards", () => {
  it("a change in review keeps its tier and says the class changed since; one submitted after follows the new class", async () => {
    const inReview = await limitRaise(1201, clock.next());
    expect(inReview.riskTier).toBe("high");
    const spec = await productionSpec("refund-assistant");
    spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit = { amount: 1202, unit: "USD" };
    const draft = await proposeChange(
      await as("engineer@countersign.test"),
      { agent: "refund-assistant", title: "Limit 1202", spec, ...attested },
      clock.next(),
    );
    const changedAt = clock.next();
    await updateWorkflow(
      await admin(),
      "refunds",
      { riskClass: "critical", riskReason: "moves money; regulators watch refunds" },
      changedAt,
    );

    const kept = await getChange(await as("auditor@countersign.test"), inReview.id);
    expect(kept.riskTier).toBe("high");
    expect(kept.signoffs.map((s) => s.role)).not.toContain("compliance");
    expect(kept.workflowClassChangedSince).toEqual({ workflow: "Refunds", assessedUnder: "high", now: "critical", since: changedAt });
    expect(changeJson(kept).workflowClassChangedSince).toEqual({
      workflow: "Refunds",
      assessedUnder: "high",
      now: "critical",
      since: new Date(changedAt).toISOString(),
    });

    const after = await limitRaise(1203, clock.next());
    expect(after.riskTier).toBe("critical");
    expect(after.signoffs.map((s) => s.role)).toContain("compliance");
    expect(after.workflowClassChangedSince).toBeNull();

    // A draft is assessed when submitted: under the class of that moment.
    expect((await getChange(await as("auditor@countersign.test"), draft.id)).workflowClassChangedSince).toBeNull();
    const submitted = await submitChange(await as("engineer@countersign.test"), draft.id, clock.next());
    expect(submitted.riskTier).toBe("critical");

    // Editing the change in review re-assesses it: under the new class, and the note goes.
    const edited = await editChange(await as("engineer@countersign.test"), inReview.id, { rationale: "Bigger orders" }, clock.next());
    expect(edited.riskTier).toBe("critical");
    expect(edited.workflowClassChangedSince).toBeNull();
    expect(edited.signoffs.filter((s) => s.status === "pending").map((s) => s.role)).toContain("compliance");
  });
});

describe("the workflows API", () => {
  type Route = (request: NextRequest, context: { params: Promise<never> }) => Promise<Response>;
  async function send(
    handler: unknown,
    path: string,
    opts: { person?: string; token?: string; method?: string; slug?: string; body?: object },
  ) {
    session.user = opts.person ? (await findActiveUser({ email: opts.person }))! : null;
    const headers = new Headers({ "content-type": "application/json", origin: "http://countersign.test" });
    if (opts.token) headers.set("authorization", `Bearer cs_${opts.token}`);
    const request = new NextRequest(new URL(path, "http://countersign.test"), {
      method: opts.method ?? "GET",
      headers,
      ...(opts.body && { body: JSON.stringify(opts.body) }),
    });
    const response = await (handler as Route)(request, { params: Promise.resolve({ slug: opts.slug }) as Promise<never> });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it("lists for any person or a read token, as {items, total}", async () => {
    await tokenWith(db, "wf-api-read", ["read"]);
    const list = await send(workflowsRoute.GET, "/api/v1/workflows?pageSize=2", { token: "wf-api-read" });
    expect(list.status).toBe(200);
    expect((list.json.items as unknown[]).length).toBe(2);
    expect(list.json.total).toBeGreaterThanOrEqual(8);
    const one = await send(workflowRoute.GET, "/api/v1/workflows/account-notes", {
      person: "leader@countersign.test",
      slug: "account-notes",
    });
    expect(one.json).toMatchObject({
      slug: "account-notes",
      owner: "owner2@countersign.test",
      riskClass: "low",
      agents: expect.any(Number),
    });
  });

  it("creates (201 with its slug) and changes a workflow for an admin; refuses a token with 403 and a missing reason with 422", async () => {
    const body = { name: "Chargebacks", owner: "owner@countersign.test", riskClass: "high", riskReason: "disputes card payments" };
    const created = await send(workflowsRoute.POST, "/api/v1/workflows", { person: "admin@countersign.test", method: "POST", body });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ slug: "chargebacks", owner: "owner@countersign.test", riskClass: "high" });
    await tokenWith(db, "wf-api-write", ["read", "changes:write", "evals:write", "deploy"]);
    const byToken = await send(workflowsRoute.POST, "/api/v1/workflows", { token: "wf-api-write", method: "POST", body });
    expect(byToken.status).toBe(403);
    const patch = (person: string, patchBody: object) =>
      send(workflowRoute.PATCH, "/api/v1/workflows/chargebacks", { person, method: "PATCH", slug: "chargebacks", body: patchBody });
    expect((await patch("admin@countersign.test", { riskClass: "critical" })).json).toMatchObject({
      error: "validation_failed",
      fieldErrors: { riskReason: [expect.any(String)] },
    });
    expect((await patch("auditor@countersign.test", { riskClass: 7 })).status).toBe(403);
    const changed = await patch("admin@countersign.test", { riskClass: "critical", riskReason: "disputes and refunds cards" });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ slug: "chargebacks", riskClass: "critical", riskReason: "disputes and refunds cards" });
  });
});
