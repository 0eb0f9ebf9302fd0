import { createHmac, timingSafeEqual } from "node:crypto";

/** How a webhook delivery is signed, and how a receiver checks it. */

export const SIGNATURE_HEADER = "X-Countersign-Signature";
export const TIMESTAMP_HEADER = "X-Countersign-Timestamp";
/** A receiver should refuse a delivery whose timestamp is further than this from its own clock (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `sha256=` and the hex HMAC-SHA256 of `timestamp.body` under the endpoint's secret, as Stripe and GitHub sign theirs. */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does with a delivery: recompute the signature in constant time and refuse stale timestamps.
 * `nowSeconds` is the receiver's clock in Unix seconds.
 */
export function verifyDelivery(
  secret: string,
  header: { signature: string; timestamp: string },
  body: string,
  nowSeconds: number,
): boolean {
  const timestamp = Number(header.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signDelivery(secret, timestamp, body));
  const given = Buffer.from(header.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
