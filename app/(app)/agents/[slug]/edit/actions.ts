"use server";

import { updateAgentDetails } from "@/lib/server/agent-details";
import { runAsUser, type ActionOutcome } from "../../../run-action";

export async function updateAgentDetailsAction(slug: string, input: Record<string, unknown>): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const agent = await updateAgentDetails(caller, slug, input);
      const reassessed = agent.reassessed.length ? `; re-assessed under its new workflow: ${agent.reassessed.join(", ")}` : "";
      return `${agent.name}: details saved${reassessed}`;
    },
    [`/agents/${slug}`, `/agents/${slug}/edit`, "/agents", "/changes"],
  );
}
