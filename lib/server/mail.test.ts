import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { first, type DB } from "@/db";
import { mailOutbox } from "@/db/schema";
import { publicUrl } from "@/lib/env";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, DAY, limitRaise, SIGNER, testClock } from "@/lib/testing/release-fixtures";
import { deadSmtpUrl, startSmtpSink, useSmtp } from "@/lib/testing/smtp-sink";
import { deliverDueMail } from "./mail-delivery";
import { myEmailPreferences, updateMyEmailPreferences } from "./mail-preferences";
import { addPerson, issueResetLink } from "./people";
import { signOff } from "./signoffs";

let db: DB;
const clock = testClock();
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const SECURITY = SIGNER.security!;
const OPS = SIGNER.operations!;

beforeAll(async () => {
  db = await seedDemoEstate();
  sink = await startSmtpSink();
});
afterEach(() => useSmtp(sink.url));
afterAll(() => sink.close());

const outbox = async () => await db.select().from(mailOutbox);
const pending = async () => (await outbox()).filter((m) => m.status === "pending");
/** Sends whatever is due, as the mail worker does, and returns what the sink received meanwhile. */
async function deliver(now = clock.next()) {
  const before = sink.received.length;
  const run = await deliverDueMail(now);
  return { run, mail: sink.received.slice(before) };
}

describe("emails as things happen", () => {
  it("a sign-off request is emailed at once, named in the subject, with the link to the change's review screen", async () => {
    useSmtp(sink.url);
    const change = await limitRaise(101, clock.next());
    expect((await pending()).length).toBeGreaterThan(0);
    const { mail } = await deliver();
    const toSecurity = mail.filter((m) => m.to.includes(SECURITY));
    expect(toSecurity).toHaveLength(1);
    expect(toSecurity[0]!.subject).toBe(`${change.label} needs your sign-off as Security: Limit 101`);
    expect(toSecurity[0]!.body).toContain(`${publicUrl()}/changes/${change.label}`);
    expect(toSecurity[0]!.body).toContain('<a href="http');
    // The author is never asked to sign their own change.
    expect(mail.some((m) => m.to.includes("engineer@countersign.test"))).toBe(false);
    // Sent: recorded, and the body no longer kept.
    expect(await pending()).toHaveLength(0);
    expect((await outbox()).filter((m) => m.status === "sent" && m.to === SECURITY)).toEqual([
      expect.objectContaining({ subject: toSecurity[0]!.subject, text: "", html: "", attempts: 1, lastError: null }),
    ]);
  });

  it("the author is emailed the decision on their change", async () => {
    useSmtp(sink.url);
    const change = await limitRaise(102, clock.next());
    await deliver();
    await signOff(
      await as(SECURITY),
      change.label,
      { role: "security", decision: "reject", comment: "Too high for one refund." },
      clock.next(),
    );
    const { mail } = await deliver();
    const toAuthor = mail.filter((m) => m.to.includes("engineer@countersign.test"));
    expect(toAuthor.map((m) => m.subject)).toEqual([`${change.label} was rejected: Limit 102`]);
    expect(toAuthor[0]!.body).toContain(`${publicUrl()}/changes/${change.label}`);
  });

  it("a person who turned a kind off, or email off, is not emailed it; others still are", async () => {
    useSmtp(sink.url);
    await updateMyEmailPreferences(await as(SECURITY), { delivery: "immediate", kinds: ["change_approved"], digestHour: 8 }, clock.next());
    await updateMyEmailPreferences(
      await as(SIGNER.workflow_owner!),
      { delivery: "off", kinds: ["signoff_needed"], digestHour: 8 },
      clock.next(),
    );
    await limitRaise(103, clock.next());
    const { mail } = await deliver();
    expect(mail.filter((m) => m.to.includes(SECURITY))).toHaveLength(0);
    expect(mail.filter((m) => m.to.includes(SIGNER.workflow_owner!))).toHaveLength(0);
    expect(mail.filter((m) => m.to.includes(OPS))).toHaveLength(1);
    // Put back for the tests that follow.
    await updateMyEmailPreferences(await as(SECURITY), { delivery: "immediate", kinds: ["signoff_needed"], digestHour: 8 }, clock.next());
    await updateMyEmailPreferences(
      await as(SIGNER.workflow_owner!),
      { delivery: "immediate", kinds: ["signoff_needed"], digestHour: 8 },
      clock.next(),
    );
  });

  it("without SMTP_URL nothing is queued, and the change goes through as before", async () => {
    useSmtp(null);
    const before = (await outbox()).length;
    const change = await limitRaise(104, clock.next());
    expect(change.state).toBe("in_review");
    expect(await outbox()).toHaveLength(before);
  });

  it("two workers at once send each email once", async () => {
    useSmtp(sink.url);
    await limitRaise(105, clock.next());
    const queued = (await pending()).length;
    const now = clock.next();
    const before = sink.received.length;
    const runs = await Promise.all([deliverDueMail(now), deliverDueMail(now), deliverDueMail(now)]);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(queued);
    expect(sink.received.length - before).toBe(queued);
  });
});

describe("when the mail server fails", () => {
  it("nothing listening: the change still goes through, the email waits with its error and is retried later, then sent", async () => {
    useSmtp(await deadSmtpUrl());
    const change = await limitRaise(106, clock.next());
    expect(change.state).toBe("in_review");
    const now = clock.next();
    const { run } = await deliver(now);
    expect(run.sent).toBe(0);
    expect(run.retrying).toBeGreaterThan(0);
    const waiting = (await pending()).filter((m) => m.to === SECURITY);
    expect(waiting).toEqual([
      expect.objectContaining({ attempts: 1, nextAttemptAt: now + 60_000, lastError: expect.stringMatching(/ECONNREFUSED/) }),
    ]);
    expect(waiting[0]!.text).toContain(change.label);
    // Not due yet: nothing is tried before the wait is over.
    expect((await deliver(now + 30_000)).run).toEqual({ sent: 0, retrying: 0, failed: 0 });
    const second = now + 60_000;
    await deliver(second);
    expect((await pending()).find((m) => m.to === SECURITY)).toMatchObject({ attempts: 2, nextAttemptAt: second + 120_000 });
    // The server is back: the next attempt sends it.
    useSmtp(sink.url);
    const { mail } = await deliver(second + 120_000);
    expect(mail.filter((m) => m.to.includes(SECURITY)).map((m) => m.subject)).toEqual([
      `${change.label} needs your sign-off as Security: Limit 106`,
    ]);
    expect(await pending()).toHaveLength(0);
  });

  it("a server refusing the recipient: the reply is recorded; after a day of retries the email is given up on, its body blanked", async () => {
    const refusing = await startSmtpSink({ reject: true });
    try {
      useSmtp(refusing.url);
      const queuedAt = clock.next();
      await limitRaise(107, queuedAt);
      await deliver(clock.next());
      const row = (await pending()).find((m) => m.to === SECURITY)!;
      expect(row).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/451.*Mailbox busy/) });
      // Much later, past a day since it was queued: the next failure is the last.
      const { run } = await deliver(queuedAt + DAY);
      expect(run.failed).toBeGreaterThan(0);
      const given = (await first(db.select().from(mailOutbox).where(eq(mailOutbox.id, row.id))))!;
      expect(given).toMatchObject({ status: "failed", attempts: 2, text: "", html: "", lastError: expect.stringMatching(/451/) });
      expect(refusing.received).toHaveLength(0);
    } finally {
      await refusing.close();
    }
  });
});

describe("invitations and password resets", () => {
  it("an invitation is emailed with its link when email is set up, and the kept email no longer holds the link once sent", async () => {
    useSmtp(sink.url);
    const { inviteSecret, emailed } = await addPerson(await as("admin@countersign.test"), {
      email: "rui@example.com",
      name: "Rui",
      roles: ["security"],
    });
    expect(emailed).toBe(true);
    const queued = (await pending()).find((m) => m.to === "rui@example.com")!;
    expect(queued).toMatchObject({ purpose: "invite", subject: "You are invited to Countersign" });
    expect(queued.text).toContain(inviteSecret);
    const { mail } = await deliver(Date.now());
    const invitation = mail.filter((m) => m.to.includes("rui@example.com"));
    expect(invitation).toHaveLength(1);
    expect(invitation[0]!.body).toContain(`${publicUrl()}/welcome/${inviteSecret}`);
    expect(invitation[0]!.body).toContain("as Security");
    const kept = (await first(db.select().from(mailOutbox).where(eq(mailOutbox.id, queued.id))))!;
    expect(kept).toMatchObject({ status: "sent", text: "", html: "" });
    expect(JSON.stringify(await outbox())).not.toContain(inviteSecret);
  });

  it("a password reset link is emailed too; without email set up, nothing is queued and the admin passes the link on", async () => {
    useSmtp(sink.url);
    const reset = await issueResetLink(await as("admin@countersign.test"), "ops@countersign.test");
    expect(reset).toMatchObject({ purpose: "reset", emailed: true });
    const { mail } = await deliver(Date.now());
    expect(mail.filter((m) => m.to.includes("ops@countersign.test")).map((m) => m.subject)).toEqual(["Set a new password for Countersign"]);
    expect(mail.find((m) => m.to.includes("ops@countersign.test"))!.body).toContain(`/welcome/${reset.secret}`);
    useSmtp(null);
    const before = (await outbox()).length;
    expect((await issueResetLink(await as("admin@countersign.test"), "ops@countersign.test")).emailed).toBe(false);
    expect(await outbox()).toHaveLength(before);
  });
});

describe("who sets email preferences", () => {
  it("each person sets their own: saving mine leaves everyone else's as it was", async () => {
    const before = await myEmailPreferences(await as(OPS));
    await updateMyEmailPreferences(
      await as("compliance@countersign.test"),
      { delivery: "daily_digest", kinds: [], digestHour: 6 },
      clock.next(),
    );
    expect(await myEmailPreferences(await as("compliance@countersign.test"))).toMatchObject({
      delivery: "daily_digest",
      kinds: [],
      digestHour: 6,
    });
    expect(await myEmailPreferences(await as(OPS))).toEqual(before);
  });

  it("nobody can name another person's preferences, and an API token has none", async () => {
    const engineer = await as("engineer@countersign.test");
    const ops = await as(OPS);
    const opsBefore = await myEmailPreferences(ops);
    const error = await errorOf(
      async () =>
        await updateMyEmailPreferences(engineer, {
          delivery: "off",
          kinds: [],
          digestHour: 8,
          userId: ops.kind === "user" ? ops.user.id : "",
        }),
    );
    expect(error).toMatchObject({ code: "validation_failed", details: { fieldErrors: { userId: ["Unknown field"] } } });
    expect(await myEmailPreferences(ops)).toEqual(opsBefore);
    const token = { kind: "token" as const, id: "tok_ci", name: "ci", scopes: ["read" as const, "changes:write" as const] };
    expect(await errorOf(async () => await updateMyEmailPreferences(token, { delivery: "off", kinds: [], digestHour: 8 }))).toMatchObject({
      code: "forbidden",
    });
    expect(await errorOf(async () => await myEmailPreferences(token))).toMatchObject({ code: "forbidden" });
  });

  it("bad choices are refused field by field", async () => {
    const error = await errorOf(
      async () => await updateMyEmailPreferences(await as(OPS), { delivery: "hourly", kinds: ["gossip"], digestHour: 24 }),
    );
    expect(Object.keys(error.details.fieldErrors ?? {}).sort()).toEqual(["delivery", "digestHour", "kinds.0"]);
  });

  it("someone who never chose gets sign-off requests and the decisions on their changes, as they happen", async () => {
    expect(await myEmailPreferences(await as("leader@countersign.test"))).toMatchObject({
      delivery: "immediate",
      kinds: ["signoff_needed", "change_approved", "change_rejected", "changes_requested"],
    });
  });
});
