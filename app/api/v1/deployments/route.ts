import { apiRoute } from "@/lib/server/api";
import { listDeployments, parseDeploymentFilters } from "@/lib/server/deployments";
import { deploymentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute((request, { caller }) => {
  const { items, total } = listDeployments(caller, parseDeploymentFilters(request.nextUrl.searchParams));
  return { items: items.map(deploymentJson), total };
});
