import { apiRoute, toIso } from "@/lib/server/api";
import { listAgents, parseAgentFilters } from "@/lib/server/agents";

export const dynamic = "force-dynamic";

export const GET = apiRoute((request, { caller }) => {
  const { items, total } = listAgents(caller, parseAgentFilters(request.nextUrl.searchParams));
  return {
    items: items.map((agent) => ({
      slug: agent.slug,
      name: agent.name,
      platform: agent.platform,
      workflow: agent.workflow,
      autonomy: agent.autonomy,
      environments: Object.fromEntries(
        Object.entries(agent.environments).map(([env, v]) => [
          env,
          v ? { version: v.version, specHash: v.specHash, deployedAt: toIso(v.deployedAt) } : null,
        ]),
      ),
      productionApprovals: agent.productionApprovers.map((a) => ({ role: a.role, signer: a.email })),
      productionStandardChange: agent.productionStandardChange,
      lastDeployedAt: toIso(agent.lastDeployedAt),
      lastReviewedAt: toIso(agent.lastReviewedAt),
      openChanges: agent.openChanges,
    })),
    total,
  };
});
