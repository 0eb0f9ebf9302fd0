import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { DB } from "@/db";
import { TOKEN_SCOPES } from "@/lib/domain/terms";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { tokenWith } from "@/lib/testing/release-fixtures";
import * as peopleRoute from "@/app/api/v1/people/route";
import * as personRoute from "@/app/api/v1/people/[email]/route";
import * as resetRoute from "@/app/api/v1/people/[email]/reset/route";
import * as changesRoute from "@/app/api/v1/changes/route";
import { liveSessionUser, startSession } from "./sessions";
import { findActiveUser } from "./users";

/**
 * The people endpoints through the real route handlers. The session cookie is stood in for by a session id,
 * resolved as auth.ts does on every request: the session must be live, then the person is read afresh.
 */
const cookie = vi.hoisted(() => ({ sid: null as string | null }));
vi.mock("@/lib/server/auth", () => ({
  currentUser: async () => {
    const uid = cookie.sid ? await liveSessionUser(cookie.sid) : null;
    return uid ? await findActiveUser({ id: uid }) : null;
  },
}));

let db: DB;
const ORIGIN = "http://countersign.test";
type Route = (request: NextRequest, context: { params: Promise<never> }) => Promise<Response>;

async function signIn(email: string): Promise<string> {
  cookie.sid = await startSession((await findActiveUser({ email }))!.id);
  return cookie.sid;
}

async function send(handler: unknown, path: string, { method = "GET", token, body, params = {} }: Record<string, unknown> = {}) {
  const headers = new Headers({ "content-type": "application/json", origin: ORIGIN });
  if (token) headers.set("authorization", `Bearer cs_${token as string}`);
  const init = body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) };
  const response = await (handler as Route)(new NextRequest(new URL(path, ORIGIN), { method: method as string, headers, ...init }), {
    params: Promise.resolve(params) as Promise<never>,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "people-everything", [...TOKEN_SCOPES]);
});

describe("/api/v1/people", () => {
  it("an admin lists people a page at a time, and adds one with an invitation link", async () => {
    await signIn("admin@countersign.test");
    const list = await send(peopleRoute.GET, "/api/v1/people?pageSize=2");
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(2);
    expect(list.json.total).toBe(10);
    const added = await send(peopleRoute.POST, "/api/v1/people", {
      method: "POST",
      body: { email: "Kai@Example.com", name: "Kai Ito", roles: ["security"] },
    });
    expect(added.status).toBe(201);
    expect(added.json.person).toEqual({
      email: "kai@example.com",
      name: "Kai Ito",
      roles: ["security"],
      status: "invited",
      lastSignedInAt: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(added.json.inviteUrl).toMatch(/^http:\/\/countersign\.test\/welcome\/[\w-]{40,}$/);
  });

  it("an admin changes roles and issues a reset link; bad input is a 422 by field", async () => {
    await signIn("admin@countersign.test");
    const params = { email: encodeURIComponent("engineer2@countersign.test") };
    const changed = await send(personRoute.PATCH, "/api/v1/people/x", {
      method: "PATCH",
      params,
      body: { roles: ["engineering", "operations"] },
    });
    expect(changed).toMatchObject({ status: 200, json: { email: "engineer2@countersign.test", roles: ["engineering", "operations"] } });
    const bad = await send(personRoute.PATCH, "/api/v1/people/x", { method: "PATCH", params, body: { roles: ["wizard"] } });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.fieldErrors as object)).toEqual(["roles.0"]);
    const reset = await send(resetRoute.POST, "/api/v1/people/x/reset", { method: "POST", params });
    expect(reset).toMatchObject({ status: 200, json: { resetUrl: expect.stringMatching(/\/welcome\//), purpose: "reset" } });
    const unknown = await send(resetRoute.POST, "/api/v1/people/x/reset", { method: "POST", params: { email: "nobody%40example.com" } });
    expect(unknown.status).toBe(404);
  });

  it("the last admin cannot be disabled through the API either: 409", async () => {
    await signIn("admin@countersign.test");
    const params = { email: "admin@countersign.test" };
    expect((await send(personRoute.PATCH, "/", { method: "PATCH", params, body: { disabled: true } })).status).toBe(409);
  });

  it("a token is refused with 403 on every people endpoint, even with every scope", async () => {
    cookie.sid = null;
    const token = "people-everything";
    const params = { email: "ops@countersign.test" };
    expect((await send(peopleRoute.GET, "/api/v1/people", { token })).status).toBe(403);
    expect(
      (await send(peopleRoute.POST, "/", { method: "POST", token, body: { email: "t@example.com", name: "T", roles: [] } })).status,
    ).toBe(403);
    expect((await send(personRoute.PATCH, "/", { method: "PATCH", token, params, body: { disabled: true } })).status).toBe(403);
    expect((await send(resetRoute.POST, "/", { method: "POST", token, params })).status).toBe(403);
  });

  it("a non-admin gets 403, not 422, for malformed input", async () => {
    await signIn("security@countersign.test");
    const sent = await send(peopleRoute.POST, "/", { method: "POST", body: "{ not json" });
    expect(sent.status).toBe(403);
    expect((await send(peopleRoute.GET, "/api/v1/people")).status).toBe(403);
  });

  it("a person disabled mid-session is refused at their very next request, page or API", async () => {
    const sid = await signIn("engineer@countersign.test");
    expect((await send(changesRoute.GET, "/api/v1/changes?pageSize=1")).status).toBe(200);
    cookie.sid = await signIn("admin@countersign.test");
    const params = { email: "engineer@countersign.test" };
    expect((await send(personRoute.PATCH, "/", { method: "PATCH", params, body: { disabled: true } })).json.status).toBe("disabled");
    cookie.sid = sid;
    const refused = await send(changesRoute.GET, "/api/v1/changes?pageSize=1");
    expect(refused.status).toBe(401);
    expect(await liveSessionUser(sid)).toBeNull();
  });
});
