import { apiRoute } from "@/lib/server/api";
import { getIncident, updateIncident } from "@/lib/server/incidents";
import { incidentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>(async (_request, { caller, params }) => incidentJson(await getIncident(caller, params.id)));

export const PATCH = apiRoute<{ id: string }>(async (_request, { caller, params, body }) =>
  incidentJson(await updateIncident(caller, params.id, body)),
);
