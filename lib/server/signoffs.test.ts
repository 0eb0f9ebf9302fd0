import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withTransaction, type DB } from "@/db";
import { apiTokens, auditEvents, signoffs } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { editChange, proposeChange, submitChange } from "./changes";
import { getAgentRecord, getAgentVersion } from "./registry";
import { markNotificationsRead, myNotifications } from "./notifications";
import { mySignoffQueue, rolesToDecide, signOff } from "./signoffs";
import { findActiveUser } from "./users";

let db: DB;
const as = async (email: string): Promise<Caller> => userCaller((await findActiveUser({ email }))!);
const attested = {
  rollbackPlan: "Redeploy the previous version.",
  rollbackOwner: "ops@countersign.test",
  harmMetrics: [{ name: "reversal rate", comparator: ">" as const, threshold: 2, window: "7d" }],
};

beforeAll(async () => {
  db = await seedDemoEstate();
});

/** engineer@ raises refund-assistant's limit: high, all four owners asked. */
async function limitRaise(amount: number) {
  const engineer = await as("engineer@countersign.test");
  const record = await getAgentRecord(engineer, "refund-assistant");
  const spec = structuredClone((await getAgentVersion(engineer, "refund-assistant", record.environments.production!.version)).spec);
  spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit = { amount, unit: "USD" };
  return await proposeChange(engineer, { agent: "refund-assistant", title: `Limit ${amount}`, spec, ...attested, submit: true });
}

describe("signing off", () => {
  it("all four owners approve → approved, each bound to the content hash, each audited", async () => {
    const change = await limitRaise(700);
    const signers: [string, string][] = [
      ["owner@countersign.test", "workflow_owner"],
      ["security@countersign.test", "security"],
      ["engineer2@countersign.test", "engineering"],
      ["ops@countersign.test", "operations"],
    ];
    let state = change.state;
    for (const [email, role] of signers) {
      expect((await mySignoffQueue(await as(email))).some((q) => q.changeId === change.id && q.role === role)).toBe(true);
      state = (await signOff(await as(email), change.label, { role, decision: "approve" })).state;
    }
    expect(state).toBe("approved");
    const rows = await db.select().from(signoffs).where(eq(signoffs.changeRecordId, change.id));
    expect(rows.every((s) => s.status === "approved" && s.contentHash === change.contentHash)).toBe(true);
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "signoff.approved"))),
    ).toHaveLength(4);
  });

  it("separation of duties: the role is held, nobody signs their own change, one role per person, tokens never sign", async () => {
    const change = await limitRaise(710);
    expect(
      await errorOf(async () => signOff(await as("ops@countersign.test"), change.id, { role: "security", decision: "approve" })),
    ).toMatchObject({
      code: "forbidden",
    });
    expect(
      (await errorOf(async () => signOff(await as("engineer@countersign.test"), change.id, { role: "engineering", decision: "approve" })))
        .message,
    ).toMatch(/nobody signs their own change/);
    await withTransaction(async (tx) => {
      await tx.insert(apiTokens).values({
        id: "tok_sign",
        name: "sign",
        tokenHash: hashToken("cs_sign"),
        scopes: ["read", "changes:write", "deploy", "evals:write"],
        createdById: "usr_admin",
        createdAt: Date.now(),
      });
    });
    expect(
      (await errorOf(async () => signOff((await tokenCaller("cs_sign"))!, change.id, { role: "security", decision: "approve" }))).message,
    ).toBe("Sign-offs are made by people: API tokens cannot sign off");
    // A person holding two roles signs only one of them.
    const both = await as("security@countersign.test");
    const doubled: Caller = {
      kind: "user",
      user: {
        ...(both as { kind: "user"; user: { id: string; email: string; name: string; roles: never[] } }).user,
        roles: ["security", "operations"] as never[],
      },
    };
    await signOff(doubled, change.id, { role: "security", decision: "approve" });
    expect((await errorOf(() => signOff(doubled, change.id, { role: "operations", decision: "approve" }))).message).toMatch(
      /one person signs one role per change/,
    );
  });

  it("a rejection needs a comment and rejects the change; the roles still asked are dismissed", async () => {
    const change = await limitRaise(720);
    expect(
      (await errorOf(async () => signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "reject" }))).code,
    ).toBe("validation_failed");
    const rejected = await signOff(await as("security@countersign.test"), change.id, {
      role: "security",
      decision: "reject",
      comment: "Too broad",
    });
    expect(rejected.state).toBe("rejected");
    expect(rejected.signoffs.filter((s) => s.status === "pending")).toHaveLength(0);
    expect(
      (await errorOf(async () => signOff(await as("ops@countersign.test"), change.id, { role: "operations", decision: "approve" }))).code,
    ).toBe("conflict");
  });

  it("changes requested → resubmitted: a fresh round for every role, the requester can approve, and approvals by all finish it (finding 2)", async () => {
    const change = await limitRaise(730);
    await signOff(await as("ops@countersign.test"), change.id, { role: "operations", decision: "approve" });
    const back = await signOff(await as("security@countersign.test"), change.id, {
      role: "security",
      decision: "request_changes",
      comment: "Add a reversal metric",
    });
    expect(back.state).toBe("draft");
    const again = await submitChange(await as("engineer@countersign.test"), change.id);
    expect(again.state).toBe("in_review");
    // Every earlier decision is history; every required role is asked afresh, once.
    const live = again.signoffs.filter((s) => s.status !== "dismissed");
    expect(live.map((s) => [s.role, s.status]).sort()).toEqual([
      ["engineering", "pending"],
      ["operations", "pending"],
      ["security", "pending"],
      ["workflow_owner", "pending"],
    ]);
    expect(again.requiredSignoffs.map((r) => r.role).sort()).toEqual(["engineering", "operations", "security", "workflow_owner"]);
    // The requester sees it in their queue and may approve it now.
    expect(
      (await mySignoffQueue(await as("security@countersign.test"))).some((q) => q.changeId === change.id && q.role === "security"),
    ).toBe(true);
    expect(await rolesToDecide(await as("security@countersign.test"), again)).toEqual(["security"]);
    let state = again.state;
    for (const [email, role] of [
      ["owner@countersign.test", "workflow_owner"],
      ["security@countersign.test", "security"],
      ["engineer2@countersign.test", "engineering"],
      ["ops@countersign.test", "operations"],
    ] as const) {
      state = (await signOff(await as(email), change.id, { role, decision: "approve" })).state;
    }
    expect(state).toBe("approved");
  });

  it("an edit after two approvals dismisses them, visibly; a decision on the old hash is refused as stale", async () => {
    const change = await limitRaise(740);
    await signOff(await as("ops@countersign.test"), change.id, { role: "operations", decision: "approve" });
    await signOff(await as("owner@countersign.test"), change.id, { role: "workflow_owner", decision: "approve" });
    const edited = await editChange(await as("engineer@countersign.test"), change.id, { rationale: "More context" });
    const dismissed = edited.signoffs.filter((s) => s.status === "dismissed" && s.signer);
    expect(dismissed.map((s) => s.role).sort()).toEqual(["operations", "workflow_owner"]);
    expect(dismissed[0]!.dismissedReason).toMatch(/^dismissed: change edited by engineer@countersign.test at /);
    expect(
      (
        await errorOf(async () =>
          signOff(await as("security@countersign.test"), change.id, {
            role: "security",
            decision: "approve",
            contentHash: change.contentHash!,
          }),
        )
      ).message,
    ).toMatch(/was edited since you opened it/);
  });

  it("of 20 decisions on one sign-off exactly one is recorded; the rest are conflicts", async () => {
    const change = await limitRaise(750);
    // All twenty at once: each reads the sign-off as pending before any decision is written.
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        try {
          await signOff(await as("security@countersign.test"), change.id, { role: "security", decision: "approve" });
          return "ok";
        } catch (error) {
          return error instanceof AppError ? error.code : "other";
        }
      }),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r === "conflict")).toHaveLength(19);
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, change.id), eq(auditEvents.action, "signoff.approved"))),
    ).toHaveLength(1);
  });
});

describe("notifications", () => {
  it("tell signers a sign-off is needed, authors what was decided, and signers when theirs was dismissed", async () => {
    const before = (await myNotifications(await as("security@countersign.test"))).unread;
    const change = await limitRaise(760);
    const security = await myNotifications(await as("security@countersign.test"));
    expect(security.unread).toBe(before + 1);
    expect(security.items[0]!.message).toBe(`${change.label} “Limit 760” needs your sign-off as Security`);
    expect(
      (await myNotifications(await as("engineer@countersign.test"))).items.some(
        (n) => n.message.includes(`${change.label}`) && n.kind === "signoff_needed",
      ),
    ).toBe(false);

    await signOff(await as("ops@countersign.test"), change.id, { role: "operations", decision: "approve" });
    await editChange(await as("engineer@countersign.test"), change.id, { rationale: "context" });
    expect((await myNotifications(await as("ops@countersign.test"))).items[0]!.message).toMatch(
      new RegExp(`^Your Operations sign-off on ${change.label} was dismissed: dismissed: change edited by`),
    );

    await signOff(await as("security@countersign.test"), change.id, {
      role: "security",
      decision: "request_changes",
      comment: "Smaller step please",
    });
    expect((await myNotifications(await as("engineer@countersign.test"))).items[0]!.message).toBe(
      `${change.label} “Limit 760” was sent back to you by security@countersign.test`,
    );

    await markNotificationsRead(await as("security@countersign.test"));
    expect((await myNotifications(await as("security@countersign.test"))).unread).toBe(0);
  });
});

describe("only a holder of the role may sign for it", () => {
  it.each([
    ["workflow_owner", "security@countersign.test"],
    ["security", "owner@countersign.test"],
    ["engineering", "ops@countersign.test"],
    ["operations", "engineer2@countersign.test"],
    ["compliance", "security@countersign.test"],
  ])("%s cannot be signed by %s", async (role, email) => {
    const change = await limitRaise(800 + role.length);
    expect((await errorOf(async () => signOff(await as(email), change.id, { role, decision: "approve" }))).message).toMatch(
      /^You do not hold the /,
    );
  });
});
