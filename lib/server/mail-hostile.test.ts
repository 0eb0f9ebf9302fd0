import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { mailOutbox } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, SIGNER } from "@/lib/testing/release-fixtures";
import { startSmtpSink, useSmtp } from "@/lib/testing/smtp-sink";
import { deliverDueMail } from "./mail-delivery";
import { issueResetLink, updatePerson } from "./people";

/** Email under awkward conditions: people disabled while their email waits, a mail server slower than the claim. */

let db: DB;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const admin = () => as("admin@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  sink = await startSmtpSink();
});
afterAll(() => sink.close());
beforeEach(() => {
  db.delete(mailOutbox).run();
  sink.received.length = 0;
  useSmtp(sink.url);
});

const outbox = () => db.select().from(mailOutbox).all();

describe("a person disabled while their email waits", () => {
  it("is not sent it, and the waiting email no longer holds their password link", async () => {
    const ops = SIGNER.operations!;
    const now = Date.now();
    const { secret } = issueResetLink(admin(), ops, now);
    limitRaise(940, now);
    expect(outbox().filter((m) => m.to === ops && m.status === "pending").length).toBeGreaterThanOrEqual(2);
    updatePerson(admin(), ops, { disabled: true }, now + 1);
    await deliverDueMail(now + 2);
    expect(sink.to(ops)).toEqual([]);
    expect(sink.received.length).toBeGreaterThan(0);
    expect(outbox().filter((m) => m.to === ops && m.status === "pending")).toEqual([]);
    expect(JSON.stringify(outbox())).not.toContain(secret);
    updatePerson(admin(), ops, { disabled: false }, now + 3);
  });
});
