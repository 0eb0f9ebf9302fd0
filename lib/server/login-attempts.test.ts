import { beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "@/lib/testing/app-error";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { as } from "@/lib/testing/release-fixtures";
import {
  ACCOUNT_THRESHOLD,
  ADDRESS_THRESHOLD,
  admitLoginAttempt,
  clientAddress,
  lockoutMs,
  recentFailedLogins,
  recordLoginAttempt,
  retryAfterSeconds,
} from "./login-attempts";

const T0 = Date.UTC(2026, 11, 1, 9, 0);
const SEC = 1000;

beforeAll(async () => {
  await seedDemoEstate();
});

async function fail(email: string, address: string, times: number, start: number) {
  for (let i = 0; i < times; i++) await recordLoginAttempt(email, address, "failure", start + i * SEC);
  return start + (times - 1) * SEC;
}

describe("login throttling", () => {
  it("lockouts start at 30 seconds after the threshold, double, and stop at 15 minutes", () => {
    expect(lockoutMs(4, 5)).toBe(0);
    expect(lockoutMs(5, 5)).toBe(30 * SEC);
    expect(lockoutMs(6, 5)).toBe(60 * SEC);
    expect(lockoutMs(7, 5)).toBe(120 * SEC);
    expect(lockoutMs(50, 5)).toBe(15 * 60 * SEC);
  });

  it("an account is refused after five failures in the window, for 30 s, then longer", async () => {
    const email = "engineer@countersign.test";
    await fail(email, "10.0.0.1", ACCOUNT_THRESHOLD - 1, T0);
    expect(await retryAfterSeconds(email, "10.0.0.1", T0 + 10 * SEC)).toBe(0);
    const last = await fail(email, "10.0.0.2", 1, T0 + 10 * SEC);
    // From any address: the account itself is locked.
    expect(await retryAfterSeconds(email, "10.9.9.9", last)).toBe(30);
    expect(await retryAfterSeconds(" Engineer@Countersign.TEST ", "10.9.9.9", last + 20 * SEC)).toBe(10);
    expect(await retryAfterSeconds(email, "10.9.9.9", last + 30 * SEC)).toBe(0);
    const sixth = last + 31 * SEC;
    await recordLoginAttempt(email, "10.0.0.3", "failure", sixth);
    expect(await retryAfterSeconds(email, "10.9.9.9", sixth)).toBe(60);
    // Failures older than the window no longer count.
    expect(await retryAfterSeconds(email, "10.9.9.9", sixth + 16 * 60 * SEC)).toBe(0);
  });

  it("an unknown email is throttled exactly like a real one, so the answer reveals nothing", async () => {
    const known = "owner2@countersign.test";
    const unknown = "nobody-here@countersign.test";
    const a = await fail(known, "10.1.0.1", ACCOUNT_THRESHOLD, T0);
    const b = await fail(unknown, "10.1.0.2", ACCOUNT_THRESHOLD, T0);
    expect(await retryAfterSeconds(unknown, "10.1.0.9", b)).toBe(await retryAfterSeconds(known, "10.1.0.9", a));
  });

  it("a successful sign-in starts the account's count again", async () => {
    const email = "compliance@countersign.test";
    await fail(email, "10.2.0.1", ACCOUNT_THRESHOLD - 1, T0);
    await recordLoginAttempt(email, "10.2.0.1", "success", T0 + 10 * SEC);
    await recordLoginAttempt(email, "10.2.0.1", "failure", T0 + 11 * SEC);
    expect(await retryAfterSeconds(email, "10.2.0.1", T0 + 12 * SEC)).toBe(0);
  });

  it("one address guessing at many accounts is refused after twenty failures", async () => {
    const address = "203.0.113.7";
    for (let i = 0; i < ADDRESS_THRESHOLD - 1; i++) await recordLoginAttempt(`victim${i}@example.com`, address, "failure", T0 + i * SEC);
    expect(await retryAfterSeconds("fresh@example.com", address, T0 + 30 * SEC)).toBe(0);
    await recordLoginAttempt("victim-last@example.com", address, "failure", T0 + 30 * SEC);
    expect(await retryAfterSeconds("fresh@example.com", address, T0 + 30 * SEC)).toBe(30);
    // Another address is not affected.
    expect(await retryAfterSeconds("fresh@example.com", "203.0.113.8", T0 + 30 * SEC)).toBe(0);
  });

  it("an email typed with a NUL character is counted and throttled like any other, never an error (PostgreSQL's text holds no NUL)", async () => {
    const email = "nul\u0000@example.com";
    await fail(email, "10.3.0.1", ACCOUNT_THRESHOLD, T0);
    expect(await retryAfterSeconds(email, "10.3.0.2", T0 + 5 * SEC)).toBe(29);
    // Kept as U+FFFD: never the same account as the email without it.
    expect(await retryAfterSeconds("nul@example.com", "10.3.0.2", T0 + 5 * SEC)).toBe(0);
    expect(await admitLoginAttempt(email, "10.3.0.2", T0 + 5 * SEC)).toBeNull();
  });

  it("the address is the last x-forwarded-for entry (what a proxy in front saw)", () => {
    expect(clientAddress(new Headers({ "x-forwarded-for": "1.1.1.1, 192.0.2.4" }))).toBe("192.0.2.4");
    expect(clientAddress(new Headers())).toBe("unknown");
  });

  it("admins see recent failed and refused sign-ins, newest first; nobody else does", async () => {
    await recordLoginAttempt("late@example.com", "198.51.100.1", "throttled", T0 + 3600 * SEC);
    const list = await recentFailedLogins(await as("admin@countersign.test"), 5);
    expect(list[0]).toEqual({ email: "late@example.com", address: "198.51.100.1", at: T0 + 3600 * SEC, outcome: "throttled" });
    expect(list.every((a) => a.outcome !== "success")).toBe(true);
    expect(await errorOf(async () => await recentFailedLogins(await as("security@countersign.test")))).toMatchObject({ code: "forbidden" });
  });
});
