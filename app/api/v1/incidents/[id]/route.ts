import { apiRoute } from "@/lib/server/api";
import { getIncident, updateIncident } from "@/lib/server/incidents";
import { incidentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>((_request, { caller, params }) => incidentJson(getIncident(caller, params.id)));

export const PATCH = apiRoute<{ id: string }>((_request, { caller, params, body }) =>
  incidentJson(updateIncident(caller, params.id, body)),
);
