import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { listIncidents, openIncident, parseIncidentFilters } from "@/lib/server/incidents";
import { incidentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute((request, { caller }) => {
  const { items, total } = listIncidents(caller, parseIncidentFilters(request.nextUrl.searchParams));
  return { items: items.map(incidentJson), total };
});

export const POST = apiRoute((_request, { caller, body }) => NextResponse.json(incidentJson(openIncident(caller, body)), { status: 201 }));
