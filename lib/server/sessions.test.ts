import { beforeAll, describe, expect, it } from "vitest";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { endSession, endSessionsOf, liveSessionUser, SESSION_MAX_AGE_SECONDS, startSession } from "./sessions";

const NOW = Date.UTC(2026, 11, 1, 9, 0);
const USER = "usr_engineer";

beforeAll(async () => {
  await seedDemoEstate();
});

describe("server-side sessions", () => {
  it("a session is live from sign-in until it expires", async () => {
    const sid = await startSession(USER, NOW);
    expect(await liveSessionUser(sid, NOW + 1000)).toBe(USER);
    expect(await liveSessionUser(sid, NOW + SESSION_MAX_AGE_SECONDS * 1000 - 1)).toBe(USER);
    expect(await liveSessionUser(sid, NOW + SESSION_MAX_AGE_SECONDS * 1000)).toBeNull();
  });

  it("signing out ends that session at once, and only that one", async () => {
    const laptop = await startSession(USER, NOW);
    const phone = await startSession(USER, NOW);
    await endSession(laptop, "signed_out", NOW + 5000);
    expect(await liveSessionUser(laptop, NOW + 5001)).toBeNull();
    expect(await liveSessionUser(phone, NOW + 5001)).toBe(USER);
  });

  it("ending a person's sessions (when they are disabled) ends every one of them", async () => {
    const a = await startSession("usr_ops", NOW);
    const b = await startSession("usr_ops", NOW);
    const other = await startSession(USER, NOW);
    expect(await endSessionsOf("usr_ops", "disabled", NOW + 1)).toBe(2);
    expect(await liveSessionUser(a, NOW + 2)).toBeNull();
    expect(await liveSessionUser(b, NOW + 2)).toBeNull();
    expect(await liveSessionUser(other, NOW + 2)).toBe(USER);
  });

  it("an unknown session id (a forged or pre-upgrade cookie) is no session", async () => {
    expect(await liveSessionUser("ses_made_up", NOW)).toBeNull();
  });
});
