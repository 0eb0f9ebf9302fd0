import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { changeJson, changeListJson } from "@/lib/server/change-json";
import { proposeChange } from "@/lib/server/changes";
import { listChanges, parseChangeFilters } from "@/lib/server/change-queries";

export const dynamic = "force-dynamic";

export const GET = apiRoute((request, { caller }) => {
  const { items, total } = listChanges(caller, parseChangeFilters(request.nextUrl.searchParams));
  return { items: items.map(changeListJson), total };
});

export const POST = apiRoute((_request, { caller, body }) => {
  const change = proposeChange(caller, body);
  return NextResponse.json(changeJson(change), { status: 201 });
});
