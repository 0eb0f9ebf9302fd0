import "server-only";
import { toIso } from "./api";
import type { WorkflowView } from "./workflows";

/** The API's shape of a workflow: its owner by email, times as ISO strings. */
export function workflowJson(w: WorkflowView) {
  return {
    slug: w.slug,
    name: w.name,
    owner: w.owner.email,
    riskClass: w.riskClass,
    riskReason: w.riskReason,
    agents: w.agents,
    createdAt: toIso(w.createdAt),
  };
}
