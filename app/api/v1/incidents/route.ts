import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { listIncidents, openIncident, parseIncidentFilters } from "@/lib/server/incidents";
import { incidentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total } = await listIncidents(caller, parseIncidentFilters(request.nextUrl.searchParams));
  return { items: items.map(incidentJson), total };
});

export const POST = apiRoute(async (_request, { caller, body }) =>
  NextResponse.json(incidentJson(await openIncident(caller, body)), { status: 201 }),
);
