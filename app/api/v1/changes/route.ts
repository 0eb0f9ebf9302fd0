import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/lib/server/api";
import { changeJson, changeListJson } from "@/lib/server/change-json";
import { listChanges, parseChangeFilters, proposeChange } from "@/lib/server/changes";

export const dynamic = "force-dynamic";

export const GET = apiRoute((request, { caller }) => {
  const { items, total } = listChanges(caller, parseChangeFilters(request.nextUrl.searchParams));
  return { items: items.map(changeListJson), total };
});

export const POST = apiRoute(async (request, { caller }) => {
  const change = proposeChange(caller, await jsonBody(request));
  return NextResponse.json(changeJson(change), { status: 201 });
});
