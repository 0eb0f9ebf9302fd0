import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { mailOutbox } from "@/db/schema";
import { publicUrl } from "@/lib/env";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, DAY, HOUR, limitRaise, SIGNER, testClock } from "@/lib/testing/release-fixtures";
import { startSmtpSink, useSmtp } from "@/lib/testing/smtp-sink";
import { deliverDueMail } from "./mail-delivery";
import { queueDueDigests } from "./mail-digest";
import { updateMyEmailPreferences } from "./mail-preferences";
import { signOff } from "./signoffs";

let db: DB;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const SECURITY = SIGNER.security!;
const AUTHOR = "engineer@countersign.test";
/** Midnight UTC of a day after the seeded history: the digest hour counts from here. */
const DAY0 = Math.floor(testClock().peek() / DAY) * DAY + DAY;

beforeAll(async () => {
  db = await seedDemoEstate();
  sink = await startSmtpSink();
  useSmtp(sink.url);
});
afterAll(() => sink.close());

const digestRows = async (address: string) =>
  (await db.select().from(mailOutbox)).filter((m) => m.purpose === "digest" && m.to === address);
const digestsTo = (address: string) => sink.to(address).filter((m) => m.subject.startsWith("Countersign:"));

describe("the daily digest", () => {
  it("lists what waits for my sign-off, with links, once at my hour, and not again that day after a restart", async () => {
    await updateMyEmailPreferences(await as(SECURITY), { delivery: "daily_digest", kinds: ["signoff_needed"], digestHour: 8 }, DAY0 + HOUR);
    const change = await limitRaise(201, DAY0 + 2 * HOUR);
    await deliverDueMail(DAY0 + 2 * HOUR);
    // A digest reader is not emailed each request as it comes.
    expect(sink.to(SECURITY)).toHaveLength(0);
    // Before the hour: nothing yet.
    expect(await queueDueDigests(DAY0 + 7 * HOUR)).toBe(0);
    expect(await queueDueDigests(DAY0 + 8 * HOUR)).toBeGreaterThanOrEqual(1);
    await deliverDueMail(DAY0 + 8 * HOUR);
    const [digest, ...more] = digestsTo(SECURITY);
    expect(more).toHaveLength(0);
    expect(digest!.subject).toMatch(/^Countersign: \d+ sign-offs? waiting for you$/);
    expect(digest!.body).toContain(`${change.label} Limit 201 (Refund Assistant), as Security`);
    expect(digest!.body).toContain(`${publicUrl()}/changes/${change.label}`);
    // Later that day, as after a restart (everything the worker knows is in the database): no second digest.
    expect(await queueDueDigests(DAY0 + 8 * HOUR + 1)).toBe(0);
    expect(await queueDueDigests(DAY0 + 23 * HOUR)).toBe(0);
    await deliverDueMail(DAY0 + 23 * HOUR);
    expect(digestsTo(SECURITY)).toHaveLength(1);
    // The next day at the hour, the queue (still waiting) comes again.
    await queueDueDigests(DAY0 + DAY + 8 * HOUR);
    await deliverDueMail(DAY0 + DAY + 8 * HOUR);
    expect(digestsTo(SECURITY)).toHaveLength(2);
  });

  it("a server that was down at the hour makes the missed digest once when it is back", async () => {
    await updateMyEmailPreferences(
      await as(SIGNER.operations!),
      { delivery: "daily_digest", kinds: ["signoff_needed"], digestHour: 6 },
      DAY0 + 3 * DAY,
    );
    await limitRaise(202, DAY0 + 3 * DAY + HOUR);
    // Nobody ran at 06:00 on day 4 or 5; at 15:00 on day 5 the one digest for the missed slots is made.
    expect(await queueDueDigests(DAY0 + 5 * DAY + 15 * HOUR)).toBeGreaterThanOrEqual(1);
    expect(await queueDueDigests(DAY0 + 5 * DAY + 16 * HOUR)).toBe(0);
    await deliverDueMail(DAY0 + 5 * DAY + 16 * HOUR);
    expect(digestsTo(SIGNER.operations!)).toHaveLength(1);
  });

  it("carries the decisions on my changes since the last digest, and sends nothing when there is nothing new", async () => {
    await updateMyEmailPreferences(
      await as(AUTHOR),
      { delivery: "daily_digest", kinds: ["change_approved", "change_rejected", "changes_requested"], digestHour: 9 },
      DAY0 + 10 * DAY,
    );
    const change = await limitRaise(203, DAY0 + 10 * DAY + HOUR);
    await signOff(
      await as(SECURITY),
      change.label,
      { role: "security", decision: "reject", comment: "Too high." },
      DAY0 + 10 * DAY + 2 * HOUR,
    );
    await queueDueDigests(DAY0 + 11 * DAY + 9 * HOUR);
    await deliverDueMail(DAY0 + 11 * DAY + 9 * HOUR);
    const [digest] = digestsTo(AUTHOR);
    expect(digest!.subject).toBe("Countersign: your daily digest");
    expect(digest!.body).toContain(`${change.label} “Limit 203” was rejected by ${SECURITY}`);
    expect(digest!.body).toContain(`${publicUrl()}/changes/${change.label}`);
    expect(await digestRows(AUTHOR)).toHaveLength(1);
    // The next day brings nothing new for them: no email at all.
    await queueDueDigests(DAY0 + 12 * DAY + 9 * HOUR);
    await deliverDueMail(DAY0 + 12 * DAY + 9 * HOUR);
    expect(digestsTo(AUTHOR)).toHaveLength(1);
    expect(await digestRows(AUTHOR)).toHaveLength(1);
  });

  it("nothing is made for someone who turned email off", async () => {
    await updateMyEmailPreferences(await as(SECURITY), { delivery: "off", kinds: ["signoff_needed"], digestHour: 8 }, DAY0 + 20 * DAY);
    const before = (await digestRows(SECURITY)).length;
    await queueDueDigests(DAY0 + 22 * DAY + 9 * HOUR);
    expect(await digestRows(SECURITY)).toHaveLength(before);
  });
});
