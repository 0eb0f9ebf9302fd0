import { apiRoute, toIso } from "@/lib/server/api";
import { getAgentDetails, updateAgentDetails } from "@/lib/server/agent-details";
import { getAgentRecord } from "@/lib/server/registry";
import { environmentsJson, stillRunningRolledBackJson } from "@/lib/server/registry-json";
import { stillRunningRolledBack } from "@/lib/server/rolled-back-versions";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string }>(async (_request, { caller, params }) => {
  const agent = await getAgentRecord(caller, params.slug);
  return {
    slug: agent.slug,
    name: agent.name,
    description: agent.description,
    platform: agent.platform,
    status: agent.status,
    workflow: {
      slug: agent.workflow.slug,
      name: agent.workflow.name,
      riskClass: agent.workflow.riskClass,
      riskReason: agent.workflow.riskReason,
      owner: agent.workflow.owner.email,
    },
    engineeringOwner: agent.engineeringOwner.email,
    rollbackOwner: agent.rollbackOwner.email,
    runtimeNames: (await getAgentDetails(caller, params.slug)).runtimeNames,
    lastReviewedAt: toIso(agent.lastReviewedAt),
    environments: environmentsJson(agent.environments),
    stillRunningRolledBack: stillRunningRolledBackJson(await stillRunningRolledBack(caller, params.slug)),
    versions: agent.versions.map((v) => ({
      number: v.number,
      specHash: v.specHash,
      createdAt: toIso(v.createdAt),
      createdBy: v.createdBy,
      changeNumber: v.changeNumber === null ? null : `CR-${v.changeNumber}`,
    })),
  };
});

/** `{name?, description?, engineeringOwner?, rollbackOwner?, workflow?, runtimeNames?}`: people by email, the workflow by slug. */
export const PATCH = apiRoute<{ slug: string }>(async (_request, { caller, params, body }) => {
  const agent = await updateAgentDetails(caller, params.slug, body);
  return {
    slug: agent.slug,
    name: agent.name,
    description: agent.description,
    engineeringOwner: agent.engineeringOwner.email,
    rollbackOwner: agent.rollbackOwner.email,
    workflow: { slug: agent.workflow.slug, name: agent.workflow.name, riskClass: agent.workflow.riskClass },
    runtimeNames: agent.runtimeNames,
    reassessedChanges: agent.reassessed,
  };
});
