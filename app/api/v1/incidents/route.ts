import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/lib/server/api";
import { listIncidents, openIncident, parseIncidentFilters } from "@/lib/server/incidents";
import { incidentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute((request, { caller }) => {
  const { items, total } = listIncidents(caller, parseIncidentFilters(request.nextUrl.searchParams));
  return { items: items.map(incidentJson), total };
});

export const POST = apiRoute(async (request, { caller }) =>
  NextResponse.json(incidentJson(openIncident(caller, await jsonBody(request))), { status: 201 }),
);
