import { eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { execute, first, rows, type DB } from "@/db";
import { agents } from "@/db/schema";
import * as agentsRoute from "@/app/api/v1/agents/route";
import { errorOf } from "@/lib/testing/app-error";
import { rolledBack, unguard } from "@/lib/testing/audit-tamper";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import {
  approveAll,
  as,
  registration,
  releaseApproved,
  retentionChange,
  retirement,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { getAgentDetails, updateAgentDetails } from "./agent-details";
import { registerAgent } from "./agent-registration";
import { verifyAuditTrail } from "./audit";
import { updateFromProduction } from "./change-update";
import { editChange, getChange, submitChange } from "./changes";
import { promote } from "./promotion";
import { releaseRetirement, retirementStep } from "./retirement";
import { rollback } from "./rollback";
import { signOff } from "./signoffs";
import { updateWorkflow } from "./workflows";

/** A hostile tester on registering, moving and retiring agents: races, stale approvals, retries and odd input. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const clock = testClock();
const engineer = () => as("engineer@countersign.test");
const releaser = () => as("engineer2@countersign.test");
const reader = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "hostile-registrar", ["changes:write", "read"]);
});

const retire = (slug: string) => retirement(slug, clock.next());

const statusOf = async (slug: string) =>
  (await first(db.select({ status: agents.status }).from(agents).where(eq(agents.slug, slug))))?.status;

async function post(body: unknown, key?: string) {
  const headers = new Headers({ authorization: "Bearer cs_hostile-registrar", "content-type": "application/json" });
  if (key) headers.set("idempotency-key", key);
  const request = new NextRequest(new URL("/api/v1/agents", "http://countersign.test"), {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  const response = await agentsRoute.POST(request, { params: Promise.resolve({}) as Promise<never> });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("registering an agent, hostile", () => {
  it("the same slug twice: the second is a field error on the slug, and one agent exists", async () => {
    await registerAgent(await engineer(), registration("twin-notes"), clock.next());
    const error = await errorOf(
      async () => await registerAgent(await as("owner@countersign.test"), registration(" twin-notes "), clock.next()),
    );
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors?.slug?.[0]).toMatch(/taken/);
    expect(await db.select().from(agents).where(eq(agents.slug, "twin-notes"))).toHaveLength(1);
  });

  it("refuses unicode, upper case, a one-letter slug, a very long name and extra fields", async () => {
    for (const input of [
      registration("réfunds"),
      registration("Notes-Bot"),
      registration("n"),
      registration("x".repeat(65)),
      registration("long-name", { name: "n".repeat(10_000) }),
      registration("extra-field", { status: "active" }),
      registration("other-workflow-owner", { engineeringOwner: "owner@countersign.test" }),
    ])
      expect((await errorOf(async () => await registerAgent(await engineer(), input, clock.next()))).code).toBe("validation_failed");
  });

  it("auditors and leaders are refused before their input is read", async () => {
    for (const who of ["auditor@countersign.test", "leader@countersign.test", "admin@countersign.test"])
      expect((await errorOf(async () => await registerAgent(await as(who), { junk: true }, clock.next()))).code).toBe("forbidden");
  });

  it("a retried POST with the same Idempotency-Key answers the first result; without it, the retry is a 422 on the slug", async () => {
    const first = await post(registration("retried-notes"), "reg-retry-1");
    expect(first.status).toBe(201);
    const again = await post(registration("retried-notes"), "reg-retry-1");
    expect(again).toEqual(first);
    const plain = await post(registration("retried-notes"));
    expect(plain.status).toBe(422);
    expect(await db.select().from(agents).where(eq(agents.slug, "retried-notes"))).toHaveLength(1);
  });

  it("goes round trip: changes requested → edited → resubmitted → approved → released, and the agent becomes active", async () => {
    const { change } = await registerAgent(await engineer(), registration("round-trip-notes"), clock.next());
    await signOff(
      await as("ops@countersign.test"),
      change.id,
      { role: "operations", decision: "request_changes", comment: "Name a runbook" },
      clock.next(),
    );
    expect((await getChange(await reader(), change.id)).state).toBe("draft");
    expect(await statusOf("round-trip-notes")).toBe("proposed");
    await editChange(await engineer(), change.id, { rollbackPlan: "Remove the agent from the sidebar; runbook RB-12." }, clock.next());
    await submitChange(await engineer(), change.id, clock.next());
    await approveAll(change.id, clock);
    await releaseApproved(change.id, clock);
    expect(await statusOf("round-trip-notes")).toBe("active");
  });
});

describe("who may change workflows and agent details", () => {
  it("a workflow owner edits no agent's details; a non-admin changes no workflow; both refused before the input", async () => {
    expect(
      (
        await errorOf(
          async () => await updateAgentDetails(await as("owner@countersign.test"), "refund-assistant", { junk: 1 }, clock.next()),
        )
      ).code,
    ).toBe("forbidden");
    for (const who of ["owner@countersign.test", "engineer@countersign.test", "auditor@countersign.test"])
      expect((await errorOf(async () => await updateWorkflow(await as(who), "refunds", { riskClass: "nope" }, clock.next()))).code).toBe(
        "forbidden",
      );
  });
});

describe("moving an agent between workflows", () => {
  // Found here: the engineering owner could move their own agent to a workflow of a lower class, so that its
  // next changes were assessed under that class and signed by another workflow's owner. A lower class is the
  // admins' call, like the class itself.
  it("the engineering owner cannot move their agent to a workflow of a lower class; an admin can", async () => {
    expect((await getAgentDetails(await reader(), "refund-assistant")).engineeringOwner.email).toBe("engineer@countersign.test");
    const error = await errorOf(
      async () => await updateAgentDetails(await engineer(), "refund-assistant", { workflow: "account-notes" }, clock.next()),
    );
    expect(error.code).toBe("forbidden");
    expect(error.message).toMatch(/Only an admin moves refund-assistant to a workflow of a lower risk class \(high → low\)/);
    expect((await getAgentDetails(await reader(), "refund-assistant")).workflow.slug).toBe("refunds");
    const moved = await updateAgentDetails(
      await as("admin@countersign.test"),
      "refund-assistant",
      { workflow: "account-notes" },
      clock.next(),
    );
    expect(moved.workflow.slug).toBe("account-notes");
  });

  it("someone who can own no agent's details is refused before the agent is even looked up", async () => {
    expect((await errorOf(async () => await updateAgentDetails(await reader(), "no-such-agent", { name: "x" }, clock.next()))).code).toBe(
      "forbidden",
    );
  });
});

describe("retiring, while production moves", () => {
  it("an approved retire change whose agent meanwhile got a new production release retires nothing until re-approved", async () => {
    const slug = "store-credit-issuer";
    const other = await retentionChange(slug, 3, clock.next());
    const retiring = await retire(slug);
    await approveAll(retiring.id, clock);
    expect((await retirementStep(await releaser(), retiring.id))!.ready).toBe(true);
    await approveAll(other.id, clock);
    await releaseApproved(other.id, clock);
    // Production now runs a version nobody agreed to retire.
    const error = await errorOf(async () => await releaseRetirement(await releaser(), retiring.id, {}, clock.next()));
    expect(error.code).toBe("gate_failed");
    expect(await statusOf(slug)).toBe("active");
    // Brought up to date, it retires what production runs now, once its signers agree again.
    const updated = await updateFromProduction(await engineer(), retiring.id, {}, clock.next());
    expect(updated.state).toBe("in_review");
    expect(updated.headVersion).toBe((await getChange(await reader(), other.id)).headVersion);
    await approveAll(retiring.id, clock);
    const written = await releaseRetirement(await releaser(), retiring.id, {}, clock.next());
    expect(written.find((d) => d.environment === "production")?.version).toBe(updated.headVersion);
    expect(await statusOf(slug)).toBe("retired");
  });

  it("an approved retire change whose production was rolled back meanwhile does not retire the older version", async () => {
    const slug = "crm-record-updater";
    const retiring = await retire(slug);
    await approveAll(retiring.id, clock);
    await rollback(await as("ops@countersign.test"), slug, { environment: "production", reason: "bad release" }, clock.next());
    expect((await errorOf(async () => await releaseRetirement(await releaser(), retiring.id, {}, clock.next()))).code).toBe("gate_failed");
    expect(await statusOf(slug)).toBe("active");
  });

  it("a retire change released first: the other change, approved, can no longer reach production", async () => {
    const slug = "chargeback-responder";
    const other = await retentionChange(slug, 4, clock.next());
    await approveAll(other.id, clock);
    await promote(await releaser(), other.id, { environment: "development" }, clock.next());
    const retiring = await retire(slug);
    await approveAll(retiring.id, clock);
    await releaseRetirement(await releaser(), retiring.id, {}, clock.next());
    expect((await getChange(await reader(), other.id)).state).toBe("withdrawn");
    expect((await errorOf(async () => await promote(await releaser(), other.id, { environment: "staging" }, clock.next()))).code).toBe(
      "conflict",
    );
  });

  it("a retire change in review, its agent moved to a critical workflow: it is re-assessed critical and asks compliance", async () => {
    const retiring = await retire("alert-deduplicator");
    expect(retiring.riskTier).toBe("medium");
    await updateAgentDetails(await as("admin@countersign.test"), "alert-deduplicator", { workflow: "contract-renewal" }, clock.next());
    const after = await getChange(await reader(), retiring.id);
    expect(after.riskTier).toBe("critical");
    expect(after.signoffs.filter((s) => s.status === "pending").map((s) => s.role)).toContain("compliance");
  });
});

describe("the audit trail after all of this", () => {
  it("its chain holds and it replays cleanly against the tables, retire deployments included", async () => {
    const result = await verifyAuditTrail();
    expect(result.mismatches ?? []).toEqual([]);
    expect(result).toMatchObject({ ok: true, firstBadSeq: null });
  });

  it("a retire deployment pointed at another version afterwards is caught", async () => {
    // Tampered with inside a transaction that is rolled back: verification reads the transaction's own view.
    await rolledBack(async (tx) => {
      await unguard(tx, "deployments");
      const [retired] = await rows<{ id: string; agentId: string; versionId: string }>(
        sql`SELECT id, agent_id AS "agentId", version_id AS "versionId" FROM deployments WHERE kind = 'retire' LIMIT 1`,
        tx,
      );
      const [other] = await rows<{ id: string }>(
        sql`SELECT id FROM agent_versions WHERE agent_id = ${retired!.agentId} AND id <> ${retired!.versionId}
          AND spec_hash <> (SELECT spec_hash FROM agent_versions WHERE id = ${retired!.versionId}) LIMIT 1`,
        tx,
      );
      await execute(sql`UPDATE deployments SET version_id = ${other!.id} WHERE id = ${retired!.id}`, tx);
      const result = await verifyAuditTrail(tx);
      expect(result.ok).toBe(false);
      expect(result.mismatches?.map((m) => m.message).join("\n")).toMatch(new RegExp(`deployment ${retired!.id} deploys spec`));
    });
  });
});
