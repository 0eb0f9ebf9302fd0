import { apiRoute, jsonBody } from "@/lib/server/api";
import { promote } from "@/lib/server/promotion";
import { deploymentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

/** 200 {deployment}; 409 {"error":"gate_failed","gates":[…]} when the evidence is not there yet. */
export const POST = apiRoute<{ id: string }>(async (request, { caller, params }) => ({
  deployment: deploymentJson(promote(caller, params.id, await jsonBody(request))),
}));
