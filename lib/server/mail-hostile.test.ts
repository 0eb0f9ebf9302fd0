import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withTransaction, type DB } from "@/db";
import { mailOutbox } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as, limitRaise, SIGNER } from "@/lib/testing/release-fixtures";
import { startSmtpSink, useSmtp } from "@/lib/testing/smtp-sink";
import { CLAIM_LEASE_MS, deliverDueMail } from "./mail-delivery";
import { addPerson, issueResetLink, updatePerson } from "./people";

/** Email under awkward conditions: people disabled while their email waits, a mail server slower than the claim. */

let db: DB;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const admin = () => as("admin@countersign.test");

beforeAll(async () => {
  db = await seedDemoEstate();
  sink = await startSmtpSink();
});
afterAll(() => sink.close());
beforeEach(async () => {
  await withTransaction(async (tx) => {
    await tx.delete(mailOutbox);
  });
  sink.received.length = 0;
  useSmtp(sink.url);
});

const outbox = async () => await db.select().from(mailOutbox);

describe("a person disabled while their email waits", () => {
  it("is not sent it, and the waiting email no longer holds their password link", async () => {
    const ops = SIGNER.operations!;
    const now = Date.now();
    const { secret } = await issueResetLink(await admin(), ops, now);
    await limitRaise(940, now);
    expect((await outbox()).filter((m) => m.to === ops && m.status === "pending").length).toBeGreaterThanOrEqual(2);
    await updatePerson(await admin(), ops, { disabled: true }, now + 1);
    await deliverDueMail(now + 2);
    expect(sink.to(ops)).toEqual([]);
    expect(sink.received.length).toBeGreaterThan(0);
    expect((await outbox()).filter((m) => m.to === ops && m.status === "pending")).toEqual([]);
    expect(JSON.stringify(await outbox())).not.toContain(secret);
    await updatePerson(await admin(), ops, { disabled: false }, now + 3);
  });
});

describe("a mail server slower than the worker's claim", () => {
  let release: () => void = () => {};
  let firstArrived: Promise<void>;
  let server: SMTPServer;
  let url: string;
  const received: string[] = [];

  beforeAll(async () => {
    let arrived: () => void;
    firstArrived = new Promise((resolve) => (arrived = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    server = new SMTPServer({
      disabledCommands: ["STARTTLS", "AUTH"],
      authOptional: true,
      onData(stream, session, callback) {
        stream.resume();
        stream.on("end", () => {
          received.push(...session.envelope.rcptTo.map((r) => r.address));
          if (!first) return callback();
          // The first message is held until the test lets it go: the worker that sent it is stuck meanwhile.
          first = false;
          arrived();
          void gate.then(() => callback());
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    release();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("a worker whose claim lapsed mid-batch sends none of the rest, which another worker took over", async () => {
    useSmtp(url);
    const now = Date.now();
    for (const name of ["Ana", "Bo", "Cy"])
      await addPerson(await admin(), { email: `${name.toLowerCase()}@example.com`, name, roles: ["security"] }, now);
    expect((await outbox()).filter((m) => m.status === "pending")).toHaveLength(3);

    const stuck = deliverDueMail(now);
    await firstArrived;
    // The first worker's lease has lapsed (it is still waiting on the server): a second worker takes everything over.
    // (A minute past it: the first worker renewed its lease by the real time its batch has taken so far.)
    const second = await deliverDueMail(now + CLAIM_LEASE_MS + 60_000);
    expect(second.sent).toBe(3);
    release();
    await stuck;
    // The message in flight when the lease lapsed may arrive twice; the ones the stuck worker had not begun may not.
    const counts = Object.fromEntries(["ana", "bo", "cy"].map((n) => [n, received.filter((r) => r === `${n}@example.com`).length]));
    const [inFlight, ...rest] = Object.entries(counts).sort((a, b) => b[1] - a[1]);
    expect(inFlight![1]).toBeLessThanOrEqual(2);
    expect(rest.map(([, n]) => n)).toEqual([1, 1]);
  });
});
