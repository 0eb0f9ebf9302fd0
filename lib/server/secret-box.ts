import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { authSecret } from "@/lib/env";

/**
 * Encrypts what Countersign must use again but must not keep readable: webhook URLs (a Slack or Teams URL is a
 * credential) and signing secrets. AES-256-GCM under a key derived from the installation's AUTH_SECRET, so a copy
 * of the database alone does not reveal them. Changing AUTH_SECRET makes them unreadable: rotate them then.
 */

const VERSION = "v1";
let cached: { secret: string; key: Buffer } | null = null;

function key(): Buffer {
  const secret = authSecret();
  if (cached?.secret !== secret) {
    cached = { secret, key: Buffer.from(hkdfSync("sha256", secret, "countersign", "webhook secrets", 32)) };
  }
  return cached.key;
}

export function seal(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

/** The plain text, or null when it cannot be read (sealed under another AUTH_SECRET, or damaged). */
export function open(sealed: string): string | null {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
