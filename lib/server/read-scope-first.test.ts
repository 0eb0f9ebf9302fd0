import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { tokenWith } from "@/lib/testing/release-fixtures";
import * as agentSearchRoute from "@/app/api/v1/agent-search/route";
import * as verifyRoute from "@/app/api/v1/audit/verify/route";
import * as auditRoute from "@/app/api/v1/audit/route";
import * as incidentsRoute from "@/app/api/v1/incidents/route";
import * as changesRoute from "@/app/api/v1/changes/route";
import * as agentsRoute from "@/app/api/v1/agents/route";
import * as evidenceRoute from "@/app/api/v1/evidence/route";
import * as doraRoute from "@/app/api/v1/metrics/dora/route";
import * as importRoute from "@/app/api/v1/import/route";

/*
 * Who before what, on reads: a token without the read scope asking with bad parameters is told 403
 * (it may not ask at all), never a 400 that discusses its parameters. Every GET route checks it first.
 */
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => null }));

beforeAll(async () => {
  const db = await seedDemoEstate();
  await tokenWith(db, "deployer-only", ["deploy"]);
});

type Get = (request: NextRequest, context: { params: Promise<never> }) => Promise<Response>;
async function status(handler: Get, path: string, body?: string) {
  const headers = { authorization: "Bearer cs_deployer-only", "content-type": "application/json" };
  const request = new NextRequest(
    new URL(path, "http://countersign.test"),
    body === undefined ? { headers } : { method: "POST", headers, body },
  );
  return (await handler(request, { params: Promise.resolve({}) as Promise<never> })).status;
}

describe("a token without the read scope is refused before its parameters are read", () => {
  it.each([
    ["agent-search", agentSearchRoute.GET, "/api/v1/agent-search?limit=500"],
    ["audit/verify ?mode", verifyRoute.GET, "/api/v1/audit/verify?mode=bogus"],
    ["audit/verify checkpoint", verifyRoute.GET, "/api/v1/audit/verify?count=abc&headHash=x"],
    ["evidence ?format", evidenceRoute.GET, "/api/v1/evidence?format=xml"],
    ["evidence ?size", evidenceRoute.GET, "/api/v1/evidence?size=9999"],
    ["audit list", auditRoute.GET, "/api/v1/audit?limit=abc"],
    ["incidents list", incidentsRoute.GET, "/api/v1/incidents?open=maybe"],
    ["changes list", changesRoute.GET, "/api/v1/changes?limit=abc"],
    ["agents list", agentsRoute.GET, "/api/v1/agents?limit=abc"],
    ["metrics/dora", doraRoute.GET, "/api/v1/metrics/dora?from=notadate"],
    // A read sent as POST, since its files are the body: a malformed body is still not looked at.
    ["import", importRoute.POST, "/api/v1/import", "{not json"],
  ] as [string, unknown, string, string?][])("%s", async (_label, handler, path, body) => {
    // Sanity: with these parameters, the deployer token is refused either way; it must be 403.
    expect(await status(handler as Get, path, body)).toBe(403);
  });
});
