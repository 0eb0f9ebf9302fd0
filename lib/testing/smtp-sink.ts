import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** A message as the sink received it: the envelope's recipients, and the raw message with its body decoded. */
export type ReceivedMail = { to: string[]; raw: string; subject: string; body: string };

/** Quoted-printable, as nodemailer writes bodies of mostly-ASCII text: soft line breaks joined, =XX bytes decoded as UTF-8. */
function decodeQuotedPrintable(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === "=" ? joined.slice(i + 1, i + 3) : "";
    if (/^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined.charAt(i), "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The Subject header, unfolded, with any RFC 2047 encoded words decoded. */
function subjectOf(raw: string): string {
  const headers = (raw.split(/\r?\n\r?\n/)[0] ?? "").replace(/\r?\n[ \t]+/g, " ");
  const line = /^Subject: (.*)$/im.exec(headers)?.[1] ?? "";
  return line
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : decodeQuotedPrintable(text.replace(/_/g, " ")),
    )
    .trim();
}

/**
 * A real SMTP server on 127.0.0.1 for tests, on a free port: what Countersign sends goes over SMTP into
 * `received`. `reject` makes it refuse every recipient with a temporary (4xx) error, as a mail server under
 * load does.
 */
export async function startSmtpSink(options: { reject?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const serverOptions: SMTPServerOptions = {
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    onRcptTo(_address, _session, callback) {
      if (!options.reject) return callback();
      const error = Object.assign(new Error("Mailbox busy, try again later"), { responseCode: 451 });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: subjectOf(raw),
          body: decodeQuotedPrintable(raw),
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    received,
    url: `smtp://127.0.0.1:${port}`,
    to: (address: string) => received.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An SMTP URL where nothing listens: a port that was free a moment ago. */
export async function deadSmtpUrl(): Promise<string> {
  const sink = await startSmtpSink();
  await sink.close();
  return sink.url;
}

/** Points Countersign's email at `url` (or turns email off with null). */
export function useSmtp(url: string | null) {
  if (url === null) {
    delete process.env.SMTP_URL;
    delete process.env.MAIL_FROM;
  } else {
    process.env.SMTP_URL = url;
    process.env.MAIL_FROM = "Countersign <countersign@example.com>";
  }
}
