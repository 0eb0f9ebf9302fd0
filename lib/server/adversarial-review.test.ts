import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { agents, agentVersions, auditEvents } from "@/db/schema";
import type { Gate } from "@/lib/domain/promotion-gates";
import { DEFAULT_POLICY } from "@/lib/domain/signoff-policy";
import type { AgentSpec, ToolAction } from "@/lib/domain/spec";
import { AppError } from "@/lib/errors";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import {
  approveAll,
  as,
  attested,
  limitRaise,
  productionSpec,
  releaseApproved,
  SIGNER,
  stagingEval,
  testClock,
  tokenWith,
} from "@/lib/testing/release-fixtures";
import { updateFromProduction } from "./change-update";
import { editChange, getChange, proposeChange, submitChange } from "./changes";
import type { ChangeRecordView } from "./change-records";
import { publishPolicy } from "./policy";
import { promote, releaseSteps } from "./promotion";
import { getAgentRecord } from "./registry";
import { rollback } from "./rollback";
import { signOff } from "./signoffs";

/**
 * An adversarial review of "up to date with production", review rounds and sign-off carry-over: two
 * people on one change at once, pages left open, retried requests, round trips, hostile input, and
 * sequences that try to get an escalation into production that security never approved. Guarantees that
 * hold are `it`; each defect found is an `it.fails` whose body asserts the guarantee that should hold.
 */

let db: DB;
const clock = testClock();
const reader = () => as("auditor@countersign.test");
const engineer = () => as("engineer@countersign.test");
const engineer2 = () => as("engineer2@countersign.test");
const ops = () => as("ops@countersign.test");
const security = () => as("security@countersign.test");
const owner = () => as("owner@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
});

/** The AppError `fn` throws, or null when it succeeds (anything else thrown fails the test). */
async function attempt(fn: () => unknown): Promise<AppError | null> {
  try {
    await fn();
    return null;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

async function unmetGates(fn: () => unknown): Promise<Gate[]> {
  const error = await errorOf(fn);
  expect(error.code).toBe("gate_failed");
  return (error.details.gates as Gate[]).filter((g) => !g.met);
}

function actionOf(spec: AgentSpec, key: string): ToolAction {
  const [system, name] = key.split(":");
  return spec.tools.find((t) => t.system === system)!.actions.find((a) => a.name === name)!;
}

/** engineer@ proposes (and by default submits) a change made by `mutate` to what production runs now. */
async function propose(slug: string, title: string, mutate: (spec: AgentSpec) => void, extra: Record<string, unknown> = {}, submit = true) {
  const spec = await productionSpec(slug);
  mutate(spec);
  return await proposeChange(await engineer(), { agent: slug, title, spec, ...attested, ...extra, submit }, clock.next());
}

/** Another change on the same agent, reviewed and released first: production moves under the open ones. */
async function ship(slug: string, title: string, mutate: (spec: AgentSpec) => void) {
  const change = await propose(slug, title, mutate);
  await approveAll(change.id, clock);
  await releaseApproved(change.id, clock);
  return await getChange(await reader(), change.id);
}

const agentId = async (slug: string) => (await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, slug))))!.id;
const versionCount = async (slug: string) =>
  (
    await db
      .select()
      .from(agentVersions)
      .where(eq(agentVersions.agentId, await agentId(slug)))
  ).length;
const eventsOf = async (changeId: string, action: string) =>
  await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.entityId, changeId), eq(auditEvents.action, action)));
const live = (view: ChangeRecordView) => view.signoffs.filter((s) => s.status !== "dismissed");
const productionVersion = async (slug: string) => (await getAgentRecord(await reader(), slug)).environments.production!.version;

describe("who may update a change from production", () => {
  it("auditor, leader, admin, another engineer, a signer and tokens that are not its author are refused 403 before their body is read; tokens never sign", async () => {
    const slug = "chargeback-responder";
    const change = await propose(slug, "Keep dispute traces longer", (s) => {
      s.traceRetentionDays += 5;
    });
    await ship(slug, "Mention the dispute id", (s) => {
      s.instructions += "\nMention the dispute id.";
    });
    expect((await getChange(await reader(), change.id)).outOfDate).toBe(true);

    const readOnlyToken = await tokenWith(db, "adv-no-write", ["read", "evals:write", "deploy"]);
    const otherWriter = await tokenWith(db, "adv-other-writer", ["changes:write", "read"]);
    const callers = [
      await reader(),
      await as("leader@countersign.test"),
      await as("admin@countersign.test"),
      await engineer2(),
      await ops(),
      readOnlyToken,
      otherWriter,
    ];
    const hostileBodies: unknown[] = ["nonsense", null, 42, { resolutions: 42 }, { resolutions: { x: "mine" } }, { extra: true }];
    for (const caller of callers) {
      for (const body of hostileBodies) {
        expect((await errorOf(async () => await updateFromProduction(caller, change.id, body, clock.next()))).code).toBe("forbidden");
      }
    }
    // Nothing any of them sent was written.
    expect(await getChange(await reader(), change.id)).toMatchObject({
      outOfDate: true,
      headVersion: change.headVersion,
      state: "in_review",
    });
    expect(await eventsOf(change.id, "change.updated_from_production")).toHaveLength(0);

    // A token holding every scope still cannot sign: signing is for people.
    const everything = await tokenWith(db, "adv-everything", ["read", "changes:write", "evals:write", "deploy"]);
    expect(
      (await errorOf(async () => await signOff(everything, change.id, { role: "operations", decision: "approve" }, clock.next()))).code,
    ).toBe("forbidden");

    // Its author may, with a body that is not an object: a 422, not a crash.
    expect((await errorOf(async () => await updateFromProduction(await engineer(), change.id, "nonsense", clock.next()))).code).toBe(
      "validation_failed",
    );
    expect((await updateFromProduction(await engineer(), change.id, {}, clock.next())).outOfDate).toBe(false);
  });

  it("a change a CI token authored is updated by that token only; its human colleague is refused", async () => {
    const slug = "chargeback-responder";
    const ci = await tokenWith(db, "adv-ci", ["read", "changes:write"]);
    const spec = await productionSpec(slug);
    spec.traceRetentionDays += 9;
    const change = await proposeChange(ci, { agent: slug, title: "From CI", spec, ...attested, submit: true }, clock.next());
    await ship(slug, "Mention the order id", (s) => {
      s.instructions += "\nMention the order id.";
    });
    expect((await errorOf(async () => await updateFromProduction(await engineer(), change.id, {}, clock.next()))).code).toBe("forbidden");
    expect(await updateFromProduction(ci, change.id, {}, clock.next())).toMatchObject({ outOfDate: false, state: "in_review" });
  });
});

describe("two people on one change at once", () => {
  it("20 simultaneous updates: exactly one writes a new head; the other 19 are clean conflicts that write nothing", async () => {
    const slug = "store-credit-issuer";
    const change = await propose(slug, "Keep credit traces longer", (s) => {
      s.traceRetentionDays += 5;
    });
    await approveAll(change.id, clock);
    await ship(slug, "Quote the credit id", (s) => {
      s.instructions += "\nQuote the credit id.";
    });
    const versionsBefore = await versionCount(slug);

    // The 20 requests run at once, interleaving at every await.
    const author = await engineer();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, async () => await updateFromProduction(author, change.id, {}, clock.next())),
    );
    const done = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(AppError);
      expect((r.reason as AppError).code).toBe("conflict");
      expect((r.reason as AppError).message).toMatch(/already up to date/);
    }
    expect(await versionCount(slug)).toBe(versionsBefore + 1);
    expect(await eventsOf(change.id, "change.updated_from_production")).toHaveLength(1);
    expect(await eventsOf(change.id, "signoff.carried_over")).toHaveLength(1);

    const after = await getChange(await reader(), change.id);
    expect(after).toMatchObject({ state: "approved", outOfDate: false });
    expect(live(after).map((s) => [s.role, s.status, s.contentHash])).toEqual([["operations", "approved", after.contentHash]]);

    // Retried requests: nothing left to do, each a conflict that writes nothing.
    expect((await errorOf(async () => await updateFromProduction(await engineer(), change.id, {}, clock.next()))).code).toBe("conflict");
    expect((await errorOf(async () => await submitChange(await engineer(), change.id, clock.next()))).code).toBe("conflict");
    expect(
      (
        await errorOf(
          async () =>
            await signOff(
              await ops(),
              change.id,
              { role: "operations", decision: "approve", contentHash: after.contentHash },
              clock.next(),
            ),
        )
      ).code,
    ).toBe("conflict");
    expect(await getChange(await reader(), change.id)).toEqual(after);
  });

  it("a signer racing the author's update: a decision on the pre-update hash is refused as stale, one given before it carries over only with its diff", async () => {
    const slug = "incident-triage-bot";
    const change = await propose(slug, "Page the on-call and keep traces", (s) => {
      s.traceRetentionDays += 5;
      s.instructions += "\nPage the on-call engineer.";
    });
    expect(live(change).map((s) => s.role)).toEqual(["workflow_owner", "operations"]);
    // Operations decides before the update; the owner has the page open.
    await signOff(await ops(), change.id, { role: "operations", decision: "approve", contentHash: change.contentHash }, clock.next());
    const ownersPage = await getChange(await owner(), change.id);

    await ship(slug, "Never purge records", (s) => {
      s.forbidden.push("servicenow:records.purge");
    });
    const updated = await updateFromProduction(await engineer(), change.id, {}, clock.next());
    expect(updated.contentHash).not.toBe(ownersPage.contentHash);
    expect(updated.spec!.forbidden).toContain("servicenow:records.purge");
    // Operations reviewed "traces +5, instructions"; the update makes exactly that diff.
    expect(live(updated).map((s) => [s.role, s.status])).toEqual([
      ["workflow_owner", "pending"],
      ["operations", "approved"],
    ]);

    const stale = await errorOf(
      async () =>
        await signOff(
          await owner(),
          change.id,
          { role: "workflow_owner", decision: "approve", contentHash: ownersPage.contentHash },
          clock.next(),
        ),
    );
    expect(stale.code).toBe("conflict");
    expect(stale.message).toMatch(/edited since you opened it/);
    // Twice, same answer, and nothing recorded.
    expect(
      (
        await errorOf(
          async () =>
            await signOff(
              await owner(),
              change.id,
              { role: "workflow_owner", decision: "approve", contentHash: ownersPage.contentHash },
              clock.next(),
            ),
        )
      ).code,
    ).toBe("conflict");
    expect((await getChange(await reader(), change.id)).state).toBe("in_review");

    const approved = await signOff(
      await owner(),
      change.id,
      { role: "workflow_owner", decision: "approve", contentHash: updated.contentHash },
      clock.next(),
    );
    expect(approved.state).toBe("approved");
    expect(live(approved).every((s) => s.status === "approved" && s.contentHash === approved.contentHash)).toBe(true);
  });

  it("an update racing another release: resolutions chosen against the older production are refused when production moved again, and nothing is written", async () => {
    const slug = "kyc-document-checker";
    const change = await propose(slug, "Clarify and keep traces", (s) => {
      s.instructions += "\nAsk for a second document when the first is blurred.";
      s.traceRetentionDays += 10;
    });
    await ship(slug, "Say the check id", (s) => {
      s.instructions += "\nSay the check id.";
    });
    const firstLook = await errorOf(async () => await updateFromProduction(await engineer(), change.id, {}, clock.next()));
    expect((firstLook.details.conflicts as { path: string }[]).map((c) => c.path)).toEqual(["instructions"]);

    // While the author reads the conflicts, another release lands.
    await ship(slug, "Keep traces a little longer", (s) => {
      s.traceRetentionDays += 3;
    });
    const versions = await versionCount(slug);
    const raced = await errorOf(
      async () => await updateFromProduction(await engineer(), change.id, { resolutions: { instructions: "ours" } }, clock.next()),
    );
    expect(raced.code).toBe("conflict");
    expect(raced.message).toMatch(/trace retention/);
    expect(await versionCount(slug)).toBe(versions);
    expect((await getChange(await reader(), change.id)).headVersion).toBe(change.headVersion);

    const updated = await updateFromProduction(
      await engineer(),
      change.id,
      { resolutions: { instructions: "ours", traceRetentionDays: "ours" } },
      clock.next(),
    );
    expect(updated.baseVersion!.number).toBe(await productionVersion(slug));
    expect(updated.outOfDate).toBe(false);
  });
});

describe("a page left open", () => {
  it("a promotion checked on a page rendered before production moved is refused with the up_to_date gate; the updated spec climbs the ladder again", async () => {
    const slug = "duplicate-account-merger";
    const change = await propose(slug, "Keep merge traces longer", (s) => {
      s.traceRetentionDays += 5;
    });
    await approveAll(change.id, clock);
    await promote(await engineer2(), change.id, { environment: "development" }, clock.next());
    await promote(await engineer2(), change.id, { environment: "staging" }, clock.next());
    await stagingEval(slug, (await getChange(await reader(), change.id)).specHash!, clock.next());
    const page = await releaseSteps(await ops(), change.id);
    expect(page.find((s) => s.environment === "production")!.ready).toBe(true);

    await ship(slug, "Say which account survives", (s) => {
      s.instructions += "\nSay which account survives the merge.";
    });
    expect(
      (await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()))).map((g) => g.gate),
    ).toEqual(["up_to_date"]);

    const updated = await updateFromProduction(await engineer(), change.id, {}, clock.next());
    expect(updated.state).toBe("approved");
    // A new head: its evidence in staging is not the old head's.
    const unmet = (await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()))).map(
      (g) => g.gate,
    );
    expect(unmet).toEqual(expect.arrayContaining(["ladder", "staging_eval"]));
    expect(unmet).not.toContain("up_to_date");
    await releaseApproved(change.id, clock);
    expect(await productionVersion(slug)).toBe(updated.headVersion);
  });

  // DEFECT: the content hash covers the spec and the attested fields, not the version the change is
  // compared with. When production moves while a signer's page is open, the diff under the same hash
  // changes ("18 → 40 USD" becomes "5 → 40 USD"), yet signOff accepts the decision with the hash the
  // signer saw and records it as reviewed against the new production (reviewedBaseVersionId). After
  // the author updates keeping "ours", reconcileSignoffs finds that recorded diff equal to the new one
  // and carries the approval over: security "approved" 5 → 40 USD having seen 18 → 40 USD. Fix:
  // lib/server/signoffs.ts signOff — take the compared-with version the page showed (or a hash of the
  // diff) with the decision and refuse it as stale when comparisonBaseOf differs.
  // Fixed: an approval of an out-of-date change is refused, and a decision names the version its page compared with.
  it("a decision sent from a page rendered before production moved is refused and cannot carry over a diff its signer never saw", async () => {
    const raise = await limitRaise(40, clock.next());
    const seen = await getChange(await security(), raise.id);
    expect(seen.permissionDiff.find((i) => i.kind === "limit_raised")!.summary).toMatch(/18 → 40 USD/);

    await ship("refund-assistant", "Lower the refund limit", (s) => {
      actionOf(s, "stripe:refunds.create").limit = { amount: 5, unit: "USD" };
    });
    const now = await getChange(await reader(), raise.id);
    expect(now.contentHash).toBe(seen.contentHash);
    expect(now.permissionDiff.find((i) => i.kind === "limit_raised")!.summary).toMatch(/5 → 40 USD/);

    const stale = await attempt(
      async () =>
        await signOff(await security(), raise.id, { role: "security", decision: "approve", contentHash: seen.contentHash }, clock.next()),
    );
    if (stale === null) {
      await approveAll(raise.id, clock);
      await updateFromProduction(await engineer(), raise.id, { resolutions: { "tools.stripe:refunds.create": "ours" } }, clock.next());
    }
    // The guarantee: no security approval stands on this change that was given on a page showing another diff.
    const after = await getChange(await reader(), raise.id);
    expect(after.signoffs.some((s) => s.role === "security" && s.status === "approved")).toBe(false);
  });
});

describe("escalation hiding", () => {
  // DEFECT: sign-offs may be given while a change is out of date; each is bound to the content hash and
  // records the production of that moment as what it was reviewed against. If production is then rolled
  // back to the change's base, the change is "up to date" again and the approval gate (contentHash only)
  // accepts approvals given against a production that no longer runs. Here B removed the approval on
  // s3:exports.put and was released; A (based on the version before B) makes the same removal plus a
  // retention change, so against production-with-B security saw only the retention. B is rolled back as
  // bad; A is released with "approval removed on exports.put", which security never saw, re-introducing
  // exactly what was just rolled back. Fix: promotion-gates approvalGate (and stateAfterDecision) should
  // count only approvals whose reviewedBaseVersionId is what production runs now — or signOff should refuse
  // decisions on an out-of-date change, or rollback() should reconcile the agent's open changes.
  // Fixed: approvals are refused while a change is out of date, and a rollback re-assesses the open changes it puts back in date.
  it("approvals cannot be given against a production that is later rolled back: an unseen escalation never reaches production", async () => {
    const slug = "gdpr-request-handler";
    const base = await productionVersion(slug);
    const change = await propose(slug, "Exports without approval, longer traces", (s) => {
      actionOf(s, "s3:exports.put").approval = "none";
      s.traceRetentionDays += 5;
    });
    expect(live(change).map((s) => s.role)).toContain("security");
    await ship(slug, "Exports without approval", (s) => {
      actionOf(s, "s3:exports.put").approval = "none";
    });

    // Out of date: what the signers see is compared with production now, which already has no approval.
    const page = await getChange(await security(), change.id);
    expect(page.outOfDate).toBe(true);
    expect(page.permissionDiff.map((i) => i.kind)).toEqual(["trace_retention_changed"]);
    expect((await errorOf(async () => await approveAll(change.id, clock))).message).toMatch(/is out of date/);

    await rollback(await ops(), slug, { environment: "production", reason: "exports ran without approval" }, clock.next());
    expect(await productionVersion(slug)).toBe(base);
    const now = await getChange(await reader(), change.id);
    expect(now.outOfDate).toBe(false);
    expect(now.permissionDiff.some((i) => i.kind === "approval_removed")).toBe(true);

    // The guarantee: it does not reach production until security approves the diff it now makes.
    const reached = (await attempt(async () => await releaseApproved(change.id, clock))) === null;
    expect(reached).toBe(false);
    expect((await approveAll(change.id, clock)).state).toBe("approved");
  });

  it("a standard change that stops being one after an update is re-routed to its owner; before the update it cannot be promoted", async () => {
    const slug = "account-notes-summarizer";
    const wording = await propose(slug, "Friendlier wording", (s) => {
      s.instructions += "\nWrite in plain words.";
    });
    expect(wording).toMatchObject({ state: "approved", standardChange: "Instructions wording on a read-only agent" });
    expect(wording.signoffs).toEqual([]);

    await ship(slug, "Let it act within bounds", (s) => {
      s.autonomy = "bounded";
    });
    await promote(await engineer2(), wording.id, { environment: "development" }, clock.next());
    expect(
      (await unmetGates(async () => await promote(await engineer2(), wording.id, { environment: "staging" }, clock.next()))).map(
        (g) => g.gate,
      ),
    ).toEqual(["up_to_date"]);
    expect(
      (await unmetGates(async () => await promote(await engineer2(), wording.id, { environment: "production" }, clock.next()))).map(
        (g) => g.gate,
      ),
    ).toContain("up_to_date");

    const updated = await updateFromProduction(await engineer(), wording.id, {}, clock.next());
    expect(updated).toMatchObject({ state: "in_review", standardChange: null });
    expect(updated.spec!.autonomy).toBe("bounded");
    expect(live(updated).map((s) => [s.role, s.status])).toEqual([["workflow_owner", "pending"]]);
    expect(
      (await unmetGates(async () => await promote(await engineer2(), wording.id, { environment: "production" }, clock.next()))).map(
        (g) => g.gate,
      ),
    ).toContain("approved_on_current_hash");
    expect((await approveAll(wording.id, clock)).state).toBe("approved");
    await releaseApproved(wording.id, clock);
    expect(await productionVersion(slug)).toBe(updated.headVersion);
  });

  it("an emergency change out of date is refused by the up_to_date gate; updated, its one approval carries over only with its diff", async () => {
    const slug = "sla-breach-watcher";
    const change = await propose(
      slug,
      "Keep breach traces for the audit",
      (s) => {
        s.traceRetentionDays += 30;
      },
      { emergency: { justification: "The regulator asked for 90 days of traces by tomorrow" } },
    );
    await signOff(await ops(), change.id, { role: "operations", decision: "approve", contentHash: change.contentHash }, clock.next());
    await ship(slug, "Say which SLA", (s) => {
      s.instructions += "\nSay which SLA is at risk.";
    });
    const unmet = await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()));
    expect(unmet.map((g) => g.gate)).toEqual(["up_to_date"]);

    const updated = await updateFromProduction(await engineer(), change.id, {}, clock.next());
    expect(live(updated).map((s) => [s.role, s.status, s.contentHash])).toEqual([["operations", "approved", updated.contentHash]]);
    await promote(await ops(), change.id, { environment: "production" }, clock.next());
    expect((await getChange(await reader(), change.id)).state).toBe("released");
    expect(await productionVersion(slug)).toBe(updated.headVersion);
  });

  it("an update that re-adds an escalation the author kept ('ours') asks security again, even when the change was approved", async () => {
    const slug = "renewal-negotiator";
    const discount = "salesforce:quotes.create";
    const change = await propose(slug, "A little more discount", (s) => {
      actionOf(s, discount).limit = { amount: 8, unit: "percent discount" };
    });
    expect((await approveAll(change.id, clock)).state).toBe("approved");
    await ship(slug, "Less discount", (s) => {
      actionOf(s, discount).limit = { amount: 3, unit: "percent discount" };
    });
    const updated = await updateFromProduction(
      await engineer(),
      change.id,
      { resolutions: { [`tools.${discount}`]: "ours" } },
      clock.next(),
    );
    expect(updated.state).toBe("in_review");
    expect(updated.permissionDiff.find((i) => i.kind === "limit_raised")!.summary).toMatch(/3 → 8 percent discount/);
    const securityNow = live(updated).find((s) => s.role === "security")!;
    expect(securityNow.status).toBe("pending");
    expect(await eventsOf(change.id, "signoff.carried_over")).toHaveLength(0);
  });

  it("when the diff is identical but production changed the tier (a floating model), the tier is re-assessed and the carried approvals are the ones the policy still asks", async () => {
    const slug = "postmortem-drafter";
    const change = await propose(slug, "Keep postmortem traces longer", (s) => {
      s.traceRetentionDays += 10;
    });
    expect(change.riskTier).toBe("low");
    expect((await approveAll(change.id, clock)).state).toBe("approved");
    await ship(slug, "Follow the provider's latest model", (s) => {
      s.model.version = "";
    });
    const updated = await updateFromProduction(await engineer(), change.id, {}, clock.next());
    expect(updated.riskTier).toBe("medium");
    expect(updated.riskReasons.join(" ")).toMatch(/floating/);
    expect(updated.requiredSignoffs.map((r) => r.role)).toEqual(["operations"]);
    expect(updated.state).toBe("approved");
  });
});

describe("round trips", () => {
  it("request changes → edit → resubmit (twice) → every role asked afresh, the requester included → approved; a round-one hash is stale in round two", async () => {
    const slug = "vip-escalation-agent";
    const change = await propose(slug, "Ask before posting", (s) => {
      actionOf(s, "slack:messages.post").approval = "required";
      s.instructions += "\nPost only in the VIP channel.";
    });
    const roles = live(change).map((s) => s.role);
    expect(roles).toEqual(expect.arrayContaining(["workflow_owner", "security"]));
    await signOff(await owner(), change.id, { role: "workflow_owner", decision: "approve", contentHash: change.contentHash }, clock.next());
    const sent = await signOff(
      await security(),
      change.id,
      { role: "security", decision: "request_changes", comment: "Name the channel", contentHash: change.contentHash },
      clock.next(),
    );
    expect(sent.state).toBe("draft");
    expect(
      (await errorOf(async () => await signOff(await security(), change.id, { role: "security", decision: "approve" }, clock.next()))).code,
    ).toBe("conflict");

    const edited = await editChange(
      await engineer(),
      change.id,
      { spec: { ...sent.spec!, instructions: `${sent.spec!.instructions} (#vip-escalations)` } },
      clock.next(),
    );
    const resubmitted = await submitChange(await engineer(), change.id, clock.next());
    expect(resubmitted.state).toBe("in_review");
    expect((await errorOf(async () => await submitChange(await engineer(), change.id, clock.next()))).code).toBe("conflict");
    expect(
      live(resubmitted)
        .map((s) => [s.role, s.status])
        .sort(),
    ).toEqual(roles.map((r) => [r, "pending"]).sort());
    // The round-one approval and request are history, visibly.
    expect(
      resubmitted.signoffs
        .filter((s) => s.status === "dismissed" && s.dismissedStatus !== "pending")
        .map((s) => s.role)
        .sort(),
    ).toEqual(["security", "workflow_owner"]);
    expect(
      (
        await errorOf(
          async () =>
            await signOff(
              await owner(),
              change.id,
              { role: "workflow_owner", decision: "approve", contentHash: change.contentHash },
              clock.next(),
            ),
        )
      ).code,
    ).toBe("conflict");
    expect(edited.contentHash).toBe(resubmitted.contentHash);
    expect((await approveAll(change.id, clock)).state).toBe("approved");
    expect(
      (await errorOf(async () => await signOff(await owner(), change.id, { role: "workflow_owner", decision: "approve" }, clock.next())))
        .code,
    ).toBe("conflict");
  });

  it("resolving every conflict with production's side leaves nothing to review: the update is refused and nothing changes", async () => {
    const slug = "ticket-escalation-router";
    const change = await propose(slug, "Keep routing traces longer", (s) => {
      s.traceRetentionDays += 5;
    });
    await approveAll(change.id, clock);
    await ship(slug, "Keep routing traces much longer", (s) => {
      s.traceRetentionDays += 9;
    });
    const refused = await errorOf(
      async () => await updateFromProduction(await engineer(), change.id, { resolutions: { traceRetentionDays: "theirs" } }, clock.next()),
    );
    expect(refused).toMatchObject({ code: "conflict" });
    expect(refused.message).toMatch(/nothing is left to review; withdraw it/);
    expect(await getChange(await reader(), change.id)).toMatchObject({
      outOfDate: true,
      headVersion: change.headVersion,
      state: "approved",
    });
    const unmet = (await unmetGates(async () => await promote(await ops(), change.id, { environment: "production" }, clock.next()))).map(
      (g) => g.gate,
    );
    expect(unmet).toContain("up_to_date");
  });

  // DEFECT: an edit to a change in review is refused when it would leave the change unfit for review
  // (editChange runs submissionProblems), but updateFromProduction never runs those checks. Resolving a
  // conflict with "ours" can turn a reduction (a limit added) into an authority escalation (the limit
  // raised over production's lower one), and the change stays in review with no harm metric, which
  // DESIGN.md requires of every authority escalation. Fix: lib/server/change-update.ts
  // updateFromProduction — for in_review/approved changes, run problemsOf on the merged result and
  // refuse with 422 like editChange does.
  // Fixed: the update runs the same fitness checks as an edit in review.
  it("an update cannot leave a change in review with an authority escalation and no harm metric", async () => {
    const slug = "crm-record-updater";
    const key = "salesforce:contacts.update";
    const change = await propose(
      slug,
      "Cap contact updates",
      (s) => {
        actionOf(s, key).limit = { amount: 100, unit: "records" };
      },
      { harmMetrics: [] },
    );
    expect(change.state).toBe("in_review");
    // An edit that escalated authority without a harm metric is refused in review.
    const spec = structuredClone(change.spec!);
    actionOf(spec, key).approval = "none";
    actionOf(spec, "salesforce:contacts.read").access = "write";
    expect(
      (await errorOf(async () => await editChange(await engineer(), change.id, { spec }, clock.next()))).details.fieldErrors,
    ).toHaveProperty("harmMetrics");

    await ship(slug, "Cap contact updates lower", (s) => {
      actionOf(s, key).limit = { amount: 10, unit: "records" };
    });
    const outcome = await attempt(
      async () => await updateFromProduction(await engineer(), change.id, { resolutions: { [`tools.${key}`]: "ours" } }, clock.next()),
    );
    const now = await getChange(await reader(), change.id);
    const escalates = now.permissionDiff.some((i) => i.domain === "authority" && i.direction === "escalation");
    // The guarantee: no change in review escalates authority without a harm metric.
    expect(outcome === null && escalates && now.state === "in_review" && now.harmMetrics.length === 0).toBe(false);
  });
});

describe("a merge that would be invalid", () => {
  it("production forbids an action the change grants: the update is refused with 422 naming it, nothing is written, and an edit unblocks it", async () => {
    const slug = "alert-deduplicator";
    const grant = "datadog:dashboards.update";
    const change = await propose(slug, "Let it annotate dashboards", (s) => {
      s.tools.find((t) => t.system === "datadog")!.actions.push({ name: "dashboards.update", access: "write", approval: "required" });
    });
    await ship(slug, "Never touch dashboards", (s) => {
      s.forbidden.push(grant);
    });
    const versions = await versionCount(slug);
    const refused = await errorOf(async () => await updateFromProduction(await engineer(), change.id, {}, clock.next()));
    expect(refused.code).toBe("validation_failed");
    expect(refused.message).toMatch(/both forbidden and granted/);
    expect(await versionCount(slug)).toBe(versions);
    expect(await getChange(await reader(), change.id)).toMatchObject({
      outOfDate: true,
      headVersion: change.headVersion,
      state: "in_review",
    });
    // No resolution can pick a side: neither field is a conflict.
    expect(
      (
        await errorOf(
          async () =>
            await updateFromProduction(
              await engineer(),
              change.id,
              { resolutions: { [`tools.${grant}`]: "theirs", [`forbidden.${grant}`]: "theirs" } },
              clock.next(),
            ),
        )
      ).code,
    ).toBe("validation_failed");

    const spec = structuredClone(change.spec!);
    spec.tools.find((t) => t.system === "datadog")!.actions = spec.tools
      .find((t) => t.system === "datadog")!
      .actions.filter((a) => a.name !== "dashboards.update");
    spec.instructions += "\nAnnotate nothing.";
    await editChange(await engineer(), change.id, { spec }, clock.next());
    const updated = await updateFromProduction(await engineer(), change.id, {}, clock.next());
    expect(updated.spec!.forbidden).toContain(grant);
    expect(updated.permissionDiff.map((i) => i.kind)).toEqual(["instructions_changed"]);
  });
});

describe("hostile resolutions", () => {
  const slug = "mfa-recovery-assistant";
  let change: ChangeRecordView;

  it("bad values, prototype keys and non-conflict paths are refused or ignored; nothing is written and nothing is polluted", async () => {
    change = await propose(slug, "Keep recovery traces longer", (s) => {
      s.traceRetentionDays += 5;
    });
    await ship(slug, "Keep recovery traces even longer", (s) => {
      s.traceRetentionDays += 7;
    });
    const versions = await versionCount(slug);
    const refuse = async (input: unknown) =>
      await errorOf(async () => await updateFromProduction(await engineer(), change.id, input, clock.next()));

    expect((await refuse({ resolutions: { traceRetentionDays: "mine" } })).code).toBe("validation_failed");
    expect((await refuse({ resolutions: { traceRetentionDays: "ours" }, force: true })).code).toBe("validation_failed");
    expect((await refuse({ resolutions: [["traceRetentionDays", "ours"]] })).code).toBe("validation_failed");
    expect((await refuse(JSON.parse('{"resolutions": {"__proto__": {"traceRetentionDays": "ours"}}}'))).code).toMatch(
      /validation_failed|conflict/,
    );
    expect((await refuse(JSON.parse('{"resolutions": {"__proto__": "ours"}}'))).code).toBe("conflict");
    expect((await refuse({ resolutions: { constructor: "ours", toString: "theirs", hasOwnProperty: "ours" } })).code).toBe("conflict");
    // A resolution of a field that is not in conflict does not resolve the one that is.
    expect((await refuse({ resolutions: { instructions: "theirs", "tools.okta:users.read": "ours" } })).code).toBe("conflict");

    expect(({} as Record<string, unknown>).traceRetentionDays).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("traceRetentionDays");
    expect(await versionCount(slug)).toBe(versions);
    expect(await getChange(await reader(), change.id)).toMatchObject({ outOfDate: true, headVersion: change.headVersion });
  });

  // DEFECT: the resolutions record accepts any number of keys of any length, and updateFromProduction
  // writes the whole object into the append-only, hash-chained audit trail (payload.resolutions), which
  // can never be cleaned. An author can store megabytes of arbitrary text there with one request.
  // Fix: lib/server/change-update.ts updateFromProductionSchema — bound keys and their length, and in
  // updateFromProduction refuse (422) resolutions naming a path that is not a conflict, recording only
  // the conflicts' resolutions.
  // Fixed: resolutions are bounded, and only the conflicts' answers are recorded.
  it("10,000 resolutions naming no conflict (one key 100,000 characters long) are refused, and nothing is written to the audit trail", async () => {
    const resolutions: Record<string, "ours" | "theirs"> = { traceRetentionDays: "ours" };
    for (let i = 0; i < 10_000; i++) resolutions[`tools.junk:${"x".repeat(64)}${i}`] = i % 2 ? "ours" : "theirs";
    resolutions["y".repeat(100_000)] = "ours";
    const started = performance.now();
    const outcome = await attempt(async () => await updateFromProduction(await engineer(), change.id, { resolutions }, clock.next()));
    expect(performance.now() - started).toBeLessThan(30_000);
    const recorded = (await eventsOf(change.id, "change.updated_from_production")).map(
      (e) => Object.keys((e.payload as { resolutions: Record<string, string> }).resolutions).length,
    );
    // The guarantee: either refused, or only the conflict's resolution is recorded.
    expect(outcome?.code === "validation_failed" || recorded.every((n) => n <= 1)).toBe(true);
  });
});

describe("rollback interplay", () => {
  it("production rolled back under an open change: out of date, and updating drops the rolled-back content instead of re-introducing it", async () => {
    const slug = "account-unlock-bot";
    const before = await productionVersion(slug);
    const retention = (await productionSpec(slug)).traceRetentionDays;
    const bad = await ship(slug, "Keep unlock traces longer", (s) => {
      s.traceRetentionDays += 3;
    });
    const change = await propose(slug, "Explain the unlock", (s) => {
      s.instructions += "\nTell the user why the account was locked.";
    });
    expect(change.baseVersion!.number).toBe(bad.headVersion);
    expect((await approveAll(change.id, clock)).state).toBe("approved");

    await rollback(await ops(), slug, { environment: "production", reason: "unlock traces filled the disk" }, clock.next());
    expect((await getChange(await reader(), bad.id)).state).toBe("rolled_back");
    const stale = await getChange(await reader(), change.id);
    expect(stale).toMatchObject({ outOfDate: true, production: { number: before, changeLabel: "a rollback" } });
    expect(stale.production!.number).toBeLessThan(stale.baseVersion!.number);
    expect(stale.permissionDiff.map((i) => i.kind).sort()).toEqual(["instructions_changed", "trace_retention_changed"]);
    await promote(await engineer2(), change.id, { environment: "development" }, clock.next());
    expect(
      (await unmetGates(async () => await promote(await engineer2(), change.id, { environment: "staging" }, clock.next()))).map(
        (g) => g.gate,
      ),
    ).toEqual(["up_to_date"]);

    const updated = await updateFromProduction(await engineer(), change.id, {}, clock.next());
    expect(updated.baseVersion!.number).toBe(before);
    expect(updated.spec!.traceRetentionDays).toBe(retention);
    expect(updated.permissionDiff.map((i) => i.kind)).toEqual(["instructions_changed"]);
    // The owner reviewed exactly "instructions changed"; that approval stands.
    expect(updated.state).toBe("approved");
    await releaseApproved(change.id, clock);
    expect((await productionSpec(slug)).traceRetentionDays).toBe(retention);
  });
});

describe("the policy moves between review and update", () => {
  it("a diff identical to the one reviewed carries its approval, and a role the new policy adds is asked before the change is approved again", async () => {
    const slug = "meeting-brief-writer";
    const change = await propose(slug, "Keep brief traces longer", (s) => {
      s.traceRetentionDays += 5;
    });
    expect((await approveAll(change.id, clock)).state).toBe("approved");
    await ship(slug, "Shorter briefs", (s) => {
      s.instructions += "\nKeep briefs under 200 words.";
    });
    await publishPolicy(
      await as("admin@countersign.test"),
      { ...DEFAULT_POLICY, tierRoles: { ...DEFAULT_POLICY.tierRoles, low: ["security"] } },
      clock.next(),
    );
    const updated = await updateFromProduction(await engineer(), change.id, {}, clock.next());
    expect(updated.state).toBe("in_review");
    expect(
      live(updated)
        .map((s) => [s.role, s.status])
        .sort(),
    ).toEqual([
      ["operations", "approved"],
      ["security", "pending"],
    ]);
    await signOff(
      await as(SIGNER.security!),
      change.id,
      { role: "security", decision: "approve", contentHash: updated.contentHash },
      clock.next(),
    );
    expect((await getChange(await reader(), change.id)).state).toBe("approved");
  });
});
