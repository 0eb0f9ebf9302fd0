import { apiRoute, toIso } from "@/lib/server/api";
import { agentAsOf, parseInstant } from "@/lib/server/registry";
import { environmentsJson } from "@/lib/server/registry-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string }>(async (request, { caller, params }) => {
  const result = await agentAsOf(caller, params.slug, parseInstant("at", request.nextUrl.searchParams.get("at")));
  return { at: toIso(result.at), environments: environmentsJson(result.environments) };
});
