import { apiRoute, jsonBody } from "@/lib/server/api";
import { deploymentJson, incidentJson } from "@/lib/server/release-json";
import { rollback } from "@/lib/server/rollback";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ slug: string }>(async (request, { caller, params }) => {
  const result = rollback(caller, params.slug, await jsonBody(request));
  return {
    deployment: deploymentJson(result.deployment),
    rolledBackChange: result.rolledBackChange,
    incident: result.incident ? incidentJson(result.incident) : null,
  };
});
