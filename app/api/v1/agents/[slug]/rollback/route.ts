import { apiRoute } from "@/lib/server/api";
import { deploymentJson, incidentJson } from "@/lib/server/release-json";
import { rollback } from "@/lib/server/rollback";

export const dynamic = "force-dynamic";

// A retry must not roll back twice: the caller names the version it saw running (expectedVersion), or sends
// an Idempotency-Key, which apiRoute answers with the first rollback's result.
export const POST = apiRoute<{ slug: string }>(async (request, { caller, params, body }) => {
  const result = await rollback(caller, params.slug, body, Date.now(), { requireExpectedVersion: !request.headers.has("idempotency-key") });
  return {
    deployment: deploymentJson(result.deployment),
    rolledBackChange: result.rolledBackChange,
    incident: result.incident ? incidentJson(result.incident) : null,
  };
});
