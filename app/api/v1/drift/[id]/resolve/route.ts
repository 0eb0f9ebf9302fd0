import { apiRoute } from "@/lib/server/api";
import { resolveDrift } from "@/lib/server/drift";
import { driftJson } from "@/lib/server/drift-json";

export const dynamic = "force-dynamic";

// Adopting answers with the change record it opened, to be reviewed like any other.
export const POST = apiRoute<{ id: string }>(async (_request, { caller, params, body }) => {
  const { drift, change } = await resolveDrift(caller, params.id, body);
  return { drift: driftJson(drift), change };
});
