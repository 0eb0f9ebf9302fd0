import { count } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, type DB } from "@/db";
import { auditEvents } from "@/db/schema";
import * as importRoute from "@/app/api/v1/import/route";
import { fixtureFiles } from "@/lib/importers/fixture-files";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { tokenWith } from "@/lib/testing/release-fixtures";
import { liveSessionUser, startSession } from "./sessions";
import { errorOf } from "@/lib/testing/app-error";
import { importDefinitions } from "./import";
import { findActiveUser } from "./users";

/** POST /api/v1/import through the real route handler: a read that turns platform files into specs and writes nothing. */
const cookie = vi.hoisted(() => ({ sid: null as string | null }));
vi.mock("@/lib/server/auth", () => ({
  currentUser: async () => {
    const uid = cookie.sid ? await liveSessionUser(cookie.sid) : null;
    return uid ? await findActiveUser({ id: uid }) : null;
  },
}));

let db: DB;
const ORIGIN = "http://countersign.test";

async function post(body: unknown, { token, signedInAs }: { token?: string; signedInAs?: string } = {}) {
  cookie.sid = signedInAs ? await startSession((await findActiveUser({ email: signedInAs }))!.id) : null;
  const headers = new Headers({ "content-type": "application/json", origin: ORIGIN });
  if (token) headers.set("authorization", `Bearer cs_${token}`);
  const request = new NextRequest(new URL("/api/v1/import", ORIGIN), {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const response = await importRoute.POST(request, { params: Promise.resolve({}) as Promise<never> });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const auditCount = async () => (await first(db.select({ n: count() }).from(auditEvents)))!.n;

beforeAll(async () => {
  db = await seedDemoEstate();
  await tokenWith(db, "importer-reader", ["read"]);
  await tokenWith(db, "importer-deployer", ["deploy"]);
});

describe("POST /api/v1/import", () => {
  it("reads a Copilot Studio folder: 200 with the platform, the agents as specs, provenance and warnings", async () => {
    const before = await auditCount();
    const { status, json } = await post({ files: fixtureFiles("copilot-studio/travel-desk") }, { token: "importer-reader" });
    expect(status).toBe(200);
    expect(json.platform).toBe("copilot-studio");
    const agents = json.agents as {
      name: string;
      platform: string;
      spec: Record<string, unknown>;
      provenance: unknown;
      warnings: unknown;
    }[];
    expect(agents.map((a) => a.name)).toEqual(["Contoso Travel Desk"]);
    expect(agents[0]!.platform).toBe("copilot-studio");
    expect(agents[0]!.spec).toMatchObject({ model: expect.any(Object), tools: expect.any(Array) });
    expect(agents[0]!.provenance).toMatchObject({ model: { file: expect.stringContaining("copilot-studio/travel-desk/") } });
    expect(Array.isArray(agents[0]!.warnings)).toBe(true);
    expect(Array.isArray(json.toolsets)).toBe(true);
    expect(Array.isArray(json.warnings)).toBe(true);
    expect(await auditCount()).toBe(before);
  });

  it("a signed-in person may import too, naming the platform", async () => {
    const before = await auditCount();
    const files = fixtureFiles("mcp");
    const { status, json } = await post({ files, platform: "mcp" }, { signedInAs: "auditor@countersign.test" });
    expect(status).toBe(200);
    expect(json.platform).toBe("mcp");
    expect((json.toolsets as unknown[]).length).toBeGreaterThan(0);
    expect(await auditCount()).toBe(before);
  });

  it("a file of no platform is a 422 naming it, detected or named", async () => {
    const foreign = { path: "notes/readme.txt", content: "Just some notes." };
    const detected = await post({ files: [foreign] }, { token: "importer-reader" });
    expect(detected.status).toBe(422);
    expect(detected.json.error).toBe("validation_failed");
    expect((detected.json.fieldErrors as Record<string, string[]>).files![0]).toContain("notes/readme.txt");
    const named = await post({ files: [foreign], platform: "copilot-studio" }, { token: "importer-reader" });
    expect(named.status).toBe(422);
    expect((named.json.fieldErrors as Record<string, string[]>).files![0]).toContain("notes/readme.txt");
  });

  it("bad input is a 422 by field: no files, an unknown platform, an empty path", async () => {
    const empty = await post({ files: [] }, { token: "importer-reader" });
    expect(empty.status).toBe(422);
    expect(empty.json.fieldErrors).toHaveProperty("files");
    const platform = await post({ files: [{ path: "a.json", content: "{}" }], platform: "zapier" }, { token: "importer-reader" });
    expect(platform.status).toBe(422);
    expect(platform.json.fieldErrors).toHaveProperty("platform");
    const path = await post({ files: [{ path: "", content: "{}" }] }, { token: "importer-reader" });
    expect(path.status).toBe(422);
    expect(path.json.fieldErrors).toHaveProperty(["files.0.path"]);
  });

  it("files past the API's 1 MB in all are refused by the use case too, as a server action would send them", async () => {
    const half = "x".repeat(600_000);
    const reader = await tokenWith(db, "importer-reader-2", ["read"]);
    const error = await errorOf(() =>
      importDefinitions(reader, {
        files: [
          { path: "a.json", content: half },
          { path: "b.json", content: half },
        ],
      }),
    );
    expect(error.code).toBe("validation_failed");
    expect(error.details.fieldErrors?.files?.[0]).toMatch(/1,000,000 bytes in all/);
  });

  it("a token without read is refused with 403 before the body is read, even a malformed one", async () => {
    expect((await post("{not json", { token: "importer-deployer" })).status).toBe(403);
    expect((await post({ files: "nope" }, { token: "importer-deployer" })).status).toBe(403);
    expect((await post({ files: fixtureFiles("copilot-studio/travel-desk") }, { token: "importer-deployer" })).status).toBe(403);
  });

  it("nobody signed in is a 401", async () => {
    const { status, json } = await post({ files: fixtureFiles("copilot-studio/travel-desk") });
    expect(status).toBe(401);
    expect(json.error).toBe("unauthenticated");
  });
});
