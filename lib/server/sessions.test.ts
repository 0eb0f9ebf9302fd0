import { beforeAll, describe, expect, it } from "vitest";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { endSession, endSessionsOf, liveSessionUser, SESSION_MAX_AGE_SECONDS, startSession } from "./sessions";

const NOW = Date.UTC(2026, 11, 1, 9, 0);
const USER = "usr_engineer";

beforeAll(async () => {
  await seedDemoEstate();
});

describe("server-side sessions", () => {
  it("a session is live from sign-in until it expires", () => {
    const sid = startSession(USER, NOW);
    expect(liveSessionUser(sid, NOW + 1000)).toBe(USER);
    expect(liveSessionUser(sid, NOW + SESSION_MAX_AGE_SECONDS * 1000 - 1)).toBe(USER);
    expect(liveSessionUser(sid, NOW + SESSION_MAX_AGE_SECONDS * 1000)).toBeNull();
  });

  it("signing out ends that session at once, and only that one", () => {
    const laptop = startSession(USER, NOW);
    const phone = startSession(USER, NOW);
    endSession(laptop, "signed_out", NOW + 5000);
    expect(liveSessionUser(laptop, NOW + 5001)).toBeNull();
    expect(liveSessionUser(phone, NOW + 5001)).toBe(USER);
  });

  it("ending a person's sessions (when they are disabled) ends every one of them", () => {
    const a = startSession("usr_ops", NOW);
    const b = startSession("usr_ops", NOW);
    const other = startSession(USER, NOW);
    expect(endSessionsOf("usr_ops", "disabled", NOW + 1)).toBe(2);
    expect(liveSessionUser(a, NOW + 2)).toBeNull();
    expect(liveSessionUser(b, NOW + 2)).toBeNull();
    expect(liveSessionUser(other, NOW + 2)).toBe(USER);
  });

  it("an unknown session id (a forged or pre-upgrade cookie) is no session", () => {
    expect(liveSessionUser("ses_made_up", NOW)).toBeNull();
  });
});
