import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const optional = z
  .string()
  .trim()
  .transform((v) => v || undefined)
  .optional();

const smtpUrl = optional.pipe(
  z
    .url({ protocol: /^smtps?$/, error: "SMTP_URL is an smtp:// or smtps:// URL, like smtps://user:password@smtp.example.com:465" })
    .optional(),
);
// An address, or a name and an address: `countersign@example.com` or `Countersign <countersign@example.com>`.
const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const NAMED_ADDRESS = /^[^<>]*<([^<>]+)>$/;
const isSender = (v: string) => ADDRESS.test(NAMED_ADDRESS.exec(v)?.[1] ?? v);
const mailFrom = optional.pipe(
  z
    .string()
    .refine(isSender, { error: "MAIL_FROM is an email address, or a name and an address like Countersign <countersign@example.com>" })
    .optional(),
);

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_PATH: z.string().trim().min(1).default("./data/countersign.db"),
  // Set, the store is this PostgreSQL database instead of the SQLite file at DATABASE_PATH.
  DATABASE_URL: optional.pipe(
    z
      .url({
        protocol: /^postgres(ql)?$/,
        error: "DATABASE_URL is a PostgreSQL URL, like postgres://countersign:password@db.example.com:5432/countersign",
      })
      .optional(),
  ),
  AUTH_SECRET: optional,
  AUTH_OIDC_ISSUER: z.url("AUTH_OIDC_ISSUER must be the issuer URL of your identity provider").optional(),
  AUTH_OIDC_CLIENT_ID: optional,
  AUTH_OIDC_CLIENT_SECRET: optional,
  AUTH_OIDC_NAME: z.string().trim().default("Single sign-on"),
  // "off": an empty database stays empty (a real installation); its first visitor sets up the first admin.
  COUNTERSIGN_DEMO: z
    .string()
    .trim()
    .toLowerCase()
    .default("on")
    .pipe(z.enum(["on", "off"], { error: 'COUNTERSIGN_DEMO is "on" (seed the demo estate into an empty database) or "off"' })),
  // An agent in production not observed for longer than this is "unobserved": its posture is unknown.
  COUNTERSIGN_UNOBSERVED_AFTER_DAYS: z.coerce
    .number({ error: "COUNTERSIGN_UNOBSERVED_AFTER_DAYS is a number of days" })
    .int("COUNTERSIGN_UNOBSERVED_AFTER_DAYS is a whole number of days")
    .min(1, "COUNTERSIGN_UNOBSERVED_AFTER_DAYS is at least 1")
    .default(7),
  // An agent whose last approved change is older than this is due a review.
  COUNTERSIGN_REVIEW_INTERVAL_DAYS: z.coerce
    .number({ error: "COUNTERSIGN_REVIEW_INTERVAL_DAYS is a number of days" })
    .int("COUNTERSIGN_REVIEW_INTERVAL_DAYS is a whole number of days")
    .min(1, "COUNTERSIGN_REVIEW_INTERVAL_DAYS is at least 1")
    .default(180),
  // The app's public URL, for links given to people (invitations, password resets) and the same-origin check.
  AUTH_URL: z.url("AUTH_URL must be the app's public URL, like https://countersign.example.com").optional(),
  // Email: both set, or neither (no email is sent; people still see their notifications in the app).
  SMTP_URL: smtpUrl,
  MAIL_FROM: mailFrom,
});

function readEnv() {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Countersign cannot start: invalid environment variables\n${problems}`);
  }
  const env = parsed.data;
  const oidc = [env.AUTH_OIDC_ISSUER, env.AUTH_OIDC_CLIENT_ID, env.AUTH_OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    throw new Error(
      "Countersign cannot start: single sign-on needs AUTH_OIDC_ISSUER, AUTH_OIDC_CLIENT_ID and AUTH_OIDC_CLIENT_SECRET together",
    );
  }
  if (Boolean(env.SMTP_URL) !== Boolean(env.MAIL_FROM)) {
    throw new Error("Countersign cannot start: email needs SMTP_URL and MAIL_FROM together (or neither, for no email)");
  }
  return env;
}

export const env = readEnv();

export const databasePath = path.resolve(env.DATABASE_PATH);

/** The PostgreSQL store's URL, when the store is PostgreSQL. */
export const databaseUrl = env.DATABASE_URL;

/**
 * The session-signing secret: AUTH_SECRET when set, otherwise one generated on first start and kept
 * beside the database, so a fresh install needs no hand-made configuration and sessions survive restarts.
 */
export function authSecret(): string {
  if (env.AUTH_SECRET) return env.AUTH_SECRET;
  // Every instance on a shared database must sign sessions alike, and none has a folder the others read.
  if (env.DATABASE_URL)
    throw new Error(
      "Countersign cannot start: with DATABASE_URL, set AUTH_SECRET (the same value on every instance), for example to the output of `openssl rand -base64 32`",
    );
  const file = path.join(path.dirname(databasePath), "auth-secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  }
  return readFileSync(file, "utf8").trim();
}

export const oidcEnabled = Boolean(env.AUTH_OIDC_ISSUER);

/** Whether an empty database is filled with the demo estate on start (the default) or left for a real organisation. */
export const demoEstateEnabled = env.COUNTERSIGN_DEMO === "on";

const DAY_MS = 86_400_000;
/** Posture settings: how long an observation stays fresh, and how often an agent is reviewed. */
export const postureSettings = {
  unobservedAfterMs: env.COUNTERSIGN_UNOBSERVED_AFTER_DAYS * DAY_MS,
  reviewIntervalMs: env.COUNTERSIGN_REVIEW_INTERVAL_DAYS * DAY_MS,
};

/**
 * The app's public address, for links sent outside it (emails, chat messages, webhook payloads): AUTH_URL when set,
 * otherwise this machine's own port, which is right for one person trying Countersign on their own computer.
 */
export function publicUrl(): string {
  return (env.AUTH_URL ?? `http://localhost:${process.env.PORT?.trim() || 3000}`).replace(/\/+$/, "");
}

export type MailSettings = { smtpUrl: string; from: string };

/**
 * Where email goes, or null when this installation sends none. Read from the environment at each call,
 * through the same rules as at start, so a test can point it at the SMTP sink it started.
 */
export function mailSettings(): MailSettings | null {
  const parsed = z.object({ SMTP_URL: smtpUrl, MAIL_FROM: mailFrom }).safeParse(process.env);
  if (!parsed.success || !parsed.data.SMTP_URL || !parsed.data.MAIL_FROM) return null;
  return { smtpUrl: parsed.data.SMTP_URL, from: parsed.data.MAIL_FROM };
}
