import { apiRoute } from "@/lib/server/api";
import { deploymentJson, incidentJson } from "@/lib/server/release-json";
import { rollback } from "@/lib/server/rollback";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ slug: string }>((_request, { caller, params, body }) => {
  const result = rollback(caller, params.slug, body);
  return {
    deployment: deploymentJson(result.deployment),
    rolledBackChange: result.rolledBackChange,
    incident: result.incident ? incidentJson(result.incident) : null,
  };
});
