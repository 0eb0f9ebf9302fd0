import { apiRoute } from "@/lib/server/api";
import { listDrift, parseDriftFilters } from "@/lib/server/drift";
import { driftJson } from "@/lib/server/drift-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total } = await listDrift(caller, parseDriftFilters(request.nextUrl.searchParams));
  return { items: items.map(driftJson), total };
});
