import { gt, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as agentRoute from "@/app/api/v1/agents/[slug]/route";
import { first, type DB } from "@/db";
import { auditEvents } from "@/db/schema";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, attested, limitRaise, productionSpec, SIGNER, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { signOff } from "./signoffs";
import { canEditAgentDetails, getAgentDetails, updateAgentDetails } from "./agent-details";
import { changeJson } from "./change-json";
import { editChange, getChange, proposeChange } from "./changes";
import { findActiveUser, type CurrentUser } from "./users";
import { createWorkflow } from "./workflows";

// The session cookie belongs to next-auth, which needs a live request; the signed-in person is set here instead.
const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));

let db: DB;
const clock = testClock();
const admin = () => as("admin@countersign.test");
const engineer = () => as("engineer@countersign.test"); // refund-assistant's engineering owner
const reader = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  await createWorkflow(await admin(), {
    name: "Payments",
    owner: "owner@countersign.test",
    riskClass: "critical",
    riskReason: "moves money out",
  });
  await createWorkflow(await admin(), {
    name: "Internal notes",
    owner: "owner2@countersign.test",
    riskClass: "low",
    riskReason: "read-only notes",
  });
});

const lastSeq = async () => (await first(db.select({ seq: sql<number>`MAX(${auditEvents.seq})` }).from(auditEvents)))!.seq;
const eventsSince = async (seq: number) => await db.select().from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(auditEvents.seq);

describe("agent details", () => {
  it("the engineering owner edits name, description and owners; one agent.updated event holds what changed, before and after", async () => {
    const before = await lastSeq();
    const now = clock.next();
    const view = await updateAgentDetails(
      await engineer(),
      "refund-assistant",
      {
        name: "Refund Assistant (EU)",
        description: "Issues refunds in the EU.",
        rollbackOwner: "engineer2@countersign.test",
        engineeringOwner: "engineer@countersign.test", // already so: not among the changes
      },
      now,
    );
    expect(view).toMatchObject({ name: "Refund Assistant (EU)", description: "Issues refunds in the EU.", reassessed: [] });
    expect(view.rollbackOwner.email).toBe("engineer2@countersign.test");
    const events = await eventsSince(before);
    expect(events.map((e) => e.action)).toEqual(["agent.updated"]);
    expect(events[0]!.payload).toEqual({
      slug: "refund-assistant",
      before: {
        name: "Refund Assistant",
        description: "Drafts and issues refunds for support staff within a per-refund limit.",
        rollbackOwner: "ops@countersign.test",
      },
      after: { name: "Refund Assistant (EU)", description: "Issues refunds in the EU.", rollbackOwner: "engineer2@countersign.test" },
    });
    // Nothing changed: nothing written.
    const again = await lastSeq();
    await updateAgentDetails(await engineer(), "refund-assistant", { name: "Refund Assistant (EU)" }, clock.next());
    expect(await lastSeq()).toBe(again);
  });

  it("an admin edits any agent; owners must be active, the engineering owner an engineer", async () => {
    expect(
      (await updateAgentDetails(await admin(), "refund-assistant", { engineeringOwner: "engineer2@countersign.test" }, clock.next()))
        .engineeringOwner.email,
    ).toBe("engineer2@countersign.test");
    expect(
      (await errorOf(async () => await updateAgentDetails(await admin(), "refund-assistant", { engineeringOwner: "ops@countersign.test" })))
        .details.fieldErrors,
    ).toHaveProperty("engineeringOwner");
    expect(
      (await errorOf(async () => await updateAgentDetails(await admin(), "refund-assistant", { rollbackOwner: "ghost@countersign.test" })))
        .details.fieldErrors,
    ).toHaveProperty("rollbackOwner");
    expect(
      (await errorOf(async () => await updateAgentDetails(await admin(), "refund-assistant", { workflow: "no-such-workflow" }))).details
        .fieldErrors,
    ).toHaveProperty("workflow");
    await updateAgentDetails(await admin(), "refund-assistant", { engineeringOwner: "engineer@countersign.test" }, clock.next());
  });

  it("nobody else edits, whatever they send: refused before their input is read; tokens always", async () => {
    expect(await canEditAgentDetails(await engineer(), "refund-assistant")).toBe(true);
    expect(await canEditAgentDetails(await as("engineer2@countersign.test"), "refund-assistant")).toBe(false);
    for (const email of ["auditor@countersign.test", "engineer2@countersign.test", "owner@countersign.test", "ops@countersign.test"])
      expect((await errorOf(async () => await updateAgentDetails(await as(email), "refund-assistant", { junk: [1, 2, 3] }))).code).toBe(
        "forbidden",
      );
    const token = await tokenWith(db, "details-writer", ["read", "changes:write", "deploy"]);
    expect((await errorOf(async () => await updateAgentDetails(token, "refund-assistant", { name: "By a pipeline" }))).code).toBe(
      "forbidden",
    );
    expect((await errorOf(async () => await updateAgentDetails(await admin(), "no-such-agent", { name: "x" }))).code).toBe("not_found");
  });
});

describe("moving an agent to a workflow of another risk class", () => {
  it("to a higher class: a change in review is re-assessed, new roles asked and approvals dismissed; an approved one goes back to review; a draft is marked", async () => {
    const inReview = await limitRaise(1301, clock.next());
    expect(inReview.riskTier).toBe("high");
    await signOff(await as(SIGNER.security!), inReview.id, { role: "security", decision: "approve" }, clock.next());
    const approved = await limitRaise(1302, clock.next());
    for (const s of approved.signoffs)
      await signOff(await as(SIGNER[s.role]!), approved.id, { role: s.role, decision: "approve" }, clock.next());
    expect((await getChange(await reader(), approved.id)).state).toBe("approved");
    const spec = await productionSpec("refund-assistant");
    spec.traceRetentionDays += 3;
    const draft = await proposeChange(
      await engineer(),
      { agent: "refund-assistant", title: "Longer traces", spec, ...attested },
      clock.next(),
    );

    const before = await lastSeq();
    const movedAt = Date.UTC(2026, 11, 2, 10);
    const view = await updateAgentDetails(await admin(), "refund-assistant", { workflow: "payments" }, movedAt);
    expect(view.workflow).toEqual({ slug: "payments", name: "Payments", riskClass: "critical" });
    expect(view.reassessed).toEqual(expect.arrayContaining([inReview.label, approved.label, draft.label]));

    const r = await getChange(await reader(), inReview.id);
    expect(r.state).toBe("in_review");
    expect(r.riskTier).toBe("critical");
    expect(r.signoffs.filter((s) => s.status === "pending").map((s) => s.role)).toContain("compliance");
    const security = r.signoffs.filter((s) => s.role === "security");
    expect(security.find((s) => s.dismissedStatus === "approved")?.dismissedReason).toMatch(/moved to workflow Payments \(critical\)/);
    expect(security.some((s) => s.status === "approved")).toBe(false);
    expect(r.reassessmentReason).toBe(
      "The agent moved to workflow Payments (critical) on 2026-12-02: re-assessed as critical, and its sign-offs asked again.",
    );
    expect(r.workflowClassChangedSince).toBeNull();
    expect(changeJson(r).reassessmentReason).toBe(r.reassessmentReason);

    const a = await getChange(await reader(), approved.id);
    expect(a.state).toBe("in_review");
    expect(a.approvedAt).toBeNull();
    expect(a.signoffs.filter((s) => s.status === "approved")).toEqual([]);

    const d = await getChange(await reader(), draft.id);
    expect(d.state).toBe("draft");
    expect(d.reassessmentReason).toMatch(
      /^The agent moved to workflow Payments \(critical\) on 2026-12-02: it is assessed under that class when submitted/,
    );

    const events = await eventsSince(before);
    expect(events[0]!.action).toBe("agent.updated");
    expect(events[0]!.payload).toMatchObject({ after: { workflow: "payments" }, riskClass: { from: "high", to: "critical" } });
    const reassessed = events.filter((e) => e.action === "change.reassessed");
    expect(reassessed).toHaveLength(view.reassessed.length);
    expect(reassessed.find((e) => e.entityId === inReview.id)!.payload).toMatchObject({
      previousRiskTier: "high",
      riskTier: "critical",
      newRoles: ["compliance"],
      signoffsAskedAgain: true,
    });

    // The next edit answers the mark.
    expect(
      (await editChange(await engineer(), draft.id, { rationale: "Keep traces for the audit" }, clock.next())).reassessmentReason,
    ).toBeNull();
  });

  it("to an equal or lower class: open changes are left as they are", async () => {
    const change = await getChange(await reader(), (await limitRaise(1303, clock.next())).id);
    expect(change.riskTier).toBe("critical");
    await signOff(await as(SIGNER.security!), change.id, { role: "security", decision: "approve" }, clock.next());
    const before = await getChange(await reader(), change.id);
    const seq = await lastSeq();
    const view = await updateAgentDetails(await admin(), "refund-assistant", { workflow: "internal-notes" }, clock.next());
    expect(view.reassessed).toEqual([]);
    const after = await getChange(await reader(), change.id);
    expect(after.riskTier).toBe("critical");
    expect(after.signoffs).toEqual(before.signoffs);
    expect(after.state).toBe("in_review");
    expect(after.reassessmentReason).toBeNull();
    expect((await eventsSince(seq)).map((e) => e.action)).toEqual(["agent.updated"]);
    expect(after.workflowClassChangedSince).toEqual({ workflow: "Internal notes", assessedUnder: "critical", now: "low", since: null });
    expect((await getAgentDetails(await reader(), "refund-assistant")).workflow.slug).toBe("internal-notes");
  });
});

describe("PATCH /api/v1/agents/{slug}", () => {
  async function patch(slug: string, body: unknown, who: { person: string } | { token: string }) {
    session.user = "person" in who ? (await findActiveUser({ email: who.person }))! : null;
    const headers = new Headers({ "content-type": "application/json", origin: "http://countersign.test" });
    if ("token" in who) headers.set("authorization", `Bearer cs_${who.token}`);
    const request = new NextRequest(new URL(`/api/v1/agents/${slug}`, "http://countersign.test"), {
      method: "PATCH",
      headers,
      body: JSON.stringify(body),
    });
    const response = await agentRoute.PATCH(request, { params: Promise.resolve({ slug }) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it("edits for the engineering owner, answers people by email and the workflow by slug", async () => {
    const done = await patch("refund-assistant", { description: "Refunds, by the API" }, { person: "engineer@countersign.test" });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({
      slug: "refund-assistant",
      description: "Refunds, by the API",
      engineeringOwner: "engineer@countersign.test",
      workflow: { slug: "internal-notes", riskClass: "low" },
      reassessedChanges: [],
    });
    expect((await patch("refund-assistant", { engineeringOwner: 42 }, { person: "engineer@countersign.test" })).status).toBe(422);
  });

  it("refuses a token (403) and anyone else before reading the body", async () => {
    await tokenWith(db, "details-api", ["read", "changes:write", "deploy"]);
    expect((await patch("refund-assistant", { name: "x" }, { token: "details-api" })).status).toBe(403);
    expect((await patch("refund-assistant", { junk: true }, { person: "auditor@countersign.test" })).status).toBe(403);
    expect((await patch("refund-assistant", "not an object", { person: "engineer2@countersign.test" })).status).toBe(403);
  });
});
