import { apiRoute } from "@/lib/server/api";
import { listDeployments, parseDeploymentFilters } from "@/lib/server/deployments";
import { deploymentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total } = await listDeployments(caller, parseDeploymentFilters(request.nextUrl.searchParams));
  return { items: items.map(deploymentJson), total };
});
