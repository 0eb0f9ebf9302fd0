import { apiRoute } from "@/lib/server/api";
import { promote } from "@/lib/server/promotion";
import { deploymentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

/** 200 {deployment}; 409 {"error":"gate_failed","gates":[…]} when the evidence is not there yet. */
export const POST = apiRoute<{ id: string }>(async (_request, { caller, params, body }) => ({
  deployment: deploymentJson(await promote(caller, params.id, body)),
}));
