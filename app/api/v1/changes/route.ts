import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { changeJson, changeListJson } from "@/lib/server/change-json";
import { proposeFromSource } from "@/lib/server/changes";
import { listChanges, parseChangeFilters } from "@/lib/server/change-queries";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total } = await listChanges(caller, parseChangeFilters(request.nextUrl.searchParams));
  return { items: items.map(changeListJson), total };
});

// 201 with a new change; 200 when a `branch` named the open change proposed from it, which was updated.
export const POST = apiRoute(async (_request, { caller, body }) => {
  const { change, created } = await proposeFromSource(caller, body);
  return NextResponse.json(changeJson(change), { status: created ? 201 : 200 });
});
