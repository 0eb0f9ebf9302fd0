import { apiRoute } from "@/lib/server/api";
import { compareAgentVersions, parseVersionNumber } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string }>(async (request, { caller, params }) => {
  const query = request.nextUrl.searchParams;
  const comparison = await compareAgentVersions(
    caller,
    params.slug,
    parseVersionNumber("from", query.get("from")),
    parseVersionNumber("to", query.get("to")),
  );
  return { from: comparison.from, to: comparison.to, items: comparison.items, instructions: comparison.instructions };
});
