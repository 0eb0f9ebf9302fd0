import { and, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { DB } from "@/db";
import { agents, changeRecords } from "@/db/schema";
import * as changesRoute from "@/app/api/v1/changes/route";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { approveAll, as, attested, productionSpec, testClock, tokenWith } from "@/lib/testing/release-fixtures";
import { verifyAuditTrail } from "./audit";
import { listChanges, parseChangeFilters } from "./change-queries";
import { getChange, proposeFromSource, withdrawChange } from "./changes";
import { revokeToken } from "./api-tokens";
import { signOff } from "./signoffs";

/** A pipeline proposes from a pull request's branch on every push: one change per agent and branch, kept current. */

vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

let db: DB;
const clock = testClock();
const pipeline = () => tokenWith(db, `ci-${clock.next()}`, ["changes:write", "read"]);
const reader = () => as("auditor@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "branch-pipeline", ["changes:write", "read"]);
});

async function limitSpec(amount: number) {
  const spec = await productionSpec("refund-assistant");
  spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit = { amount, unit: "USD" };
  return spec;
}

const openOn = async (branch: string) =>
  await db
    .select({ number: changeRecords.number, state: changeRecords.state })
    .from(changeRecords)
    .innerJoin(agents, eq(agents.id, changeRecords.agentId))
    .where(and(eq(agents.slug, "refund-assistant"), eq(changeRecords.branch, branch)));

async function post(body: unknown) {
  const request = new NextRequest(new URL("/api/v1/changes", "http://countersign.test"), {
    method: "POST",
    headers: { authorization: "Bearer cs_branch-pipeline", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const response = await changesRoute.POST(request, { params: Promise.resolve({}) as Promise<never> });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("proposing from a branch", () => {
  it("the second proposal from the same branch updates the first change: 201, then 200, one record", async () => {
    const first = await post({ agent: "refund-assistant", branch: "feat/limit-300", title: "Limit 300", spec: await limitSpec(300) });
    expect(first.status).toBe(201);
    expect(first.json.branch).toBe("feat/limit-300");
    const second = await post({
      agent: "refund-assistant",
      branch: "feat/limit-300",
      title: "Limit 350",
      spec: await limitSpec(350),
      evidence: { pullRequest: "https://github.example/acme/agents/pull/7" },
    });
    expect(second.status).toBe(200);
    expect(second.json.number).toBe(first.json.number);
    expect(second.json.title).toBe("Limit 350");
    expect(second.json.evidence).toEqual({ pullRequest: "https://github.example/acme/agents/pull/7" });
    expect(JSON.stringify(second.json.permissionDiff)).toMatch(/350/);
    expect(await openOn("feat/limit-300")).toHaveLength(1);
    const listed = await listChanges(await reader(), parseChangeFilters(new URLSearchParams({ branch: "feat/limit-300" })));
    expect(listed.items.map((c) => c.number)).toEqual([Number(String(first.json.number).slice(3))]);

    // A retried request (same content) changes nothing and still answers with the same change.
    const retried = await post({ agent: "refund-assistant", branch: "feat/limit-300", title: "Limit 350", spec: await limitSpec(350) });
    expect(retried.status).toBe(200);
    expect(retried.json.number).toBe(first.json.number);
    expect(retried.json.updatedAt).toBe(second.json.updatedAt);
    // Links sent once are kept when a later push sends none.
    expect(retried.json.evidence).toEqual({ pullRequest: "https://github.example/acme/agents/pull/7" });
  });

  it("a change in review is updated as its author would edit it: sign-offs given on the old content are dismissed and asked again", async () => {
    const ci = await pipeline();
    const opened = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/review-round", title: "Limit 400", spec: await limitSpec(400), ...attested, submit: true },
      clock.next(),
    );
    expect(opened.created).toBe(true);
    expect(opened.change.state).toBe("in_review");
    await signOff(
      await as("security@countersign.test"),
      opened.change.id,
      { role: "security", decision: "request_changes", comment: "Too high" },
      clock.next(),
    );

    const pushed = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/review-round", title: "Limit 250", spec: await limitSpec(250), submit: true },
      clock.next(),
    );
    expect(pushed.created).toBe(false);
    expect(pushed.change.id).toBe(opened.change.id);
    expect(pushed.change.state).toBe("in_review");
    const security = pushed.change.signoffs.filter((s) => s.role === "security");
    expect(security.map((s) => s.status).sort()).toEqual(["dismissed", "pending"]);
    // The rollback plan and owner sent on the first push are kept: the second sent none.
    expect(pushed.change.rollbackPlan).toBe(attested.rollbackPlan);
  });

  it("a draft is sent to review by a later push with submit; an approved change goes back to review when the branch moves on", async () => {
    const ci = await pipeline();
    const draft = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/later", title: "Limit 120", spec: await limitSpec(120) },
      clock.next(),
    );
    expect(draft.change.state).toBe("draft");
    const submitted = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/later", title: "Limit 120", spec: await limitSpec(120), ...attested, submit: true },
      clock.next(),
    );
    expect(submitted.change.id).toBe(draft.change.id);
    expect(submitted.change.state).toBe("in_review");
    expect((await approveAll(submitted.change.id, clock)).state).toBe("approved");

    const moved = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/later", title: "Limit 130", spec: await limitSpec(130), submit: true },
      clock.next(),
    );
    expect(moved.change.id).toBe(draft.change.id);
    expect(moved.change.state).toBe("in_review");
  });

  it("a closed change frees its branch: the next proposal opens a new change", async () => {
    const ci = await pipeline();
    const first = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/reopen", title: "Limit 90", spec: await limitSpec(90) },
      clock.next(),
    );
    await withdrawChange(ci, first.change.id, { reason: "Superseded" }, clock.next());
    const second = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/reopen", title: "Limit 95", spec: await limitSpec(95) },
      clock.next(),
    );
    expect(second.created).toBe(true);
    expect(second.change.number).not.toBe(first.change.number);
    expect((await openOn("feat/reopen")).map((c) => c.state).sort()).toEqual(["draft", "withdrawn"]);
  });

  it("the same branch name on another agent is another change", async () => {
    const ci = await pipeline();
    const a = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/shared", title: "Limit 60", spec: await limitSpec(60) },
      clock.next(),
    );
    const spec = await productionSpec("meeting-brief-writer");
    spec.traceRetentionDays += 1;
    const b = await proposeFromSource(ci, { agent: "meeting-brief-writer", branch: "feat/shared", title: "Traces", spec }, clock.next());
    expect(b.created).toBe(true);
    expect(b.change.id).not.toBe(a.change.id);
  });

  it("someone else's open change on the branch is refused with 409 naming it, and left as it was", async () => {
    const opened = await proposeFromSource(
      await pipeline(),
      { agent: "refund-assistant", branch: "feat/owned", title: "Limit 70", spec: await limitSpec(70) },
      clock.next(),
    );
    for (const other of [await pipeline(), await as("engineer@countersign.test")]) {
      const error = await errorOf(
        async () =>
          await proposeFromSource(
            other,
            { agent: "refund-assistant", branch: "feat/owned", title: "Hijack", spec: await limitSpec(9_999) },
            clock.next(),
          ),
      );
      expect(error.code).toBe("conflict");
      expect(error.message).toContain(opened.change.label);
    }
    expect((await getChange(await reader(), opened.change.id)).title).toBe("Limit 70");
  });

  it("a pipeline whose token was revoked and replaced: the old token's change gives way to the new token's", async () => {
    const name = `ci-rotated-${clock.next()}`;
    const old = await tokenWith(db, name, ["changes:write", "read"]);
    const first = await proposeFromSource(
      old,
      { agent: "refund-assistant", branch: "feat/rotated", title: "Limit 80", spec: await limitSpec(80) },
      clock.next(),
    );
    await revokeToken(await as("admin@countersign.test"), `tok_${name}`, clock.next());
    const next = await proposeFromSource(
      await pipeline(),
      { agent: "refund-assistant", branch: "feat/rotated", title: "Limit 85", spec: await limitSpec(85) },
      clock.next(),
    );
    expect(next.created).toBe(true);
    const superseded = await getChange(await reader(), first.change.id);
    expect(superseded.state).toBe("withdrawn");
    expect((await openOn("feat/rotated")).map((c) => c.state).sort()).toEqual(["draft", "withdrawn"]);
  });

  it("one branch, one spelling: refs/heads/x is x, and NFC and NFD accents are one name", async () => {
    const ci = await pipeline();
    const a = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "refs/heads/feat/caf\u00e9", title: "Limit 61", spec: await limitSpec(61) },
      clock.next(),
    );
    expect(a.change.branch).toBe("feat/caf\u00e9");
    const b = await proposeFromSource(
      ci,
      { agent: "refund-assistant", branch: "feat/cafe\u0301", title: "Limit 62", spec: await limitSpec(62) },
      clock.next(),
    );
    expect(b.created).toBe(false);
    expect(b.change.id).toBe(a.change.id);
  });

  it("refuses a branch that is not a branch name, and a retire change from a branch", async () => {
    for (const branch of [
      "",
      " ",
      "has space",
      "a\u0000b",
      "x".repeat(201),
      "what?",
      42,
      "\u200bfeat/x",
      "feat/\u202eevil",
      "feat//x",
      "x/",
      "-x",
    ]) {
      const error = await errorOf(
        async () => await proposeFromSource(await pipeline(), { agent: "refund-assistant", branch, title: "Odd" }, clock.next()),
      );
      expect(error.code).toBe("validation_failed");
      expect(error.details.fieldErrors?.branch).toBeDefined();
    }
    const error = await errorOf(
      async () =>
        await proposeFromSource(
          await pipeline(),
          { agent: "refund-assistant", branch: "feat/retire", retire: true, title: "Retire" },
          clock.next(),
        ),
    );
    expect(error.details.fieldErrors?.branch?.[0]).toMatch(/retire/);
  });

  it("readers are refused before their input is read; a read-only token too", async () => {
    expect((await errorOf(async () => await proposeFromSource(await reader(), { junk: true }, clock.next()))).code).toBe("forbidden");
    expect(
      (await errorOf(async () => await proposeFromSource(await tokenWith(db, "branch-reader", ["read"]), { junk: true }, clock.next())))
        .code,
    ).toBe("forbidden");
  });

  it("leaves an intact audit trail", async () => {
    expect((await verifyAuditTrail()).ok).toBe(true);
  });
});
