import { NextResponse } from "next/server";
import { apiRoute, toIso } from "@/lib/server/api";
import { registerAgent, type RegisteredAgent } from "@/lib/server/agent-registration";
import { listAgents, parseAgentFilters } from "@/lib/server/agents";
import { changeJson } from "@/lib/server/change-json";
import { postureJson } from "@/lib/server/registry-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total } = await listAgents(caller, parseAgentFilters(request.nextUrl.searchParams));
  return {
    items: items.map((agent) => ({
      slug: agent.slug,
      name: agent.name,
      status: agent.status,
      registration: agent.registration,
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
      posture: postureJson(agent.posture),
    })),
    total,
  };
});

function registeredAgentJson(agent: RegisteredAgent) {
  return {
    slug: agent.slug,
    name: agent.name,
    description: agent.description,
    platform: agent.platform,
    workflow: agent.workflow,
    engineeringOwner: agent.engineeringOwner,
    rollbackOwner: agent.rollbackOwner,
    status: agent.status,
    createdAt: toIso(agent.createdAt),
  };
}

/** Registers a new agent through review: the agent (proposed) and the change record of its first spec. */
export const POST = apiRoute(async (_request, { caller, body }) => {
  const { agent, change } = await registerAgent(caller, body);
  return NextResponse.json({ agent: registeredAgentJson(agent), change: changeJson(change) }, { status: 201 });
});
