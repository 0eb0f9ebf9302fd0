"use server";

import { specToYaml } from "@/lib/domain/spec";
import { importDefinitions } from "@/lib/server/import";
import type { ImportOutcome } from "@/components/agents/import-types";
import { actionCaller, actionFailure } from "../../run-action";

/** Reads the uploaded definitions into specs for review; nothing is written, so there is nothing to make durable. */
export async function importDefinitionsAction(files: { path: string; content: string }[]): Promise<ImportOutcome> {
  try {
    const result = importDefinitions(await actionCaller(), { files });
    return { ok: true, result: { ...result, agents: result.agents.map((agent) => ({ ...agent, yaml: specToYaml(agent.spec) })) } };
  } catch (caught) {
    return actionFailure(caught, "Import failed", {
      otherwise: "Something went wrong on our side reading these files; it has been logged.",
      refused: (error) => ({ ok: false, message: error.message }),
    });
  }
}
